"""Every demo's run exports as a script that reproduces it: run in an interpreter where
DiveLab cannot be imported, with the live change the run received, it reports the run's
metrics bit for bit (`--verify` says so), a tampered metric fails `--verify`, and the file
passes ruff."""

import re
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from backend.exports.script import record_of, script
from core.channel import Control
from tests.demos.test_forks import FORK_CASES
from tests.support import RecordingChannel, free_port, run_demo
from workers.demos import CATALOGUE


def without_divelab(arguments: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Python with the installed packages but not DiveLab: no site processing (so no editable
    install), site-packages added by hand, the working directory a scratch folder."""
    site = sysconfig.get_paths()["purelib"]
    launch = (
        f"import runpy, sys; sys.path.append({site!r}); sys.argv = {arguments!r}; "
        "runpy.run_path(sys.argv[0], run_name='__main__')"
    )
    closed = f"http://127.0.0.1:{free_port()}"
    env = {
        "PATH": "/usr/bin:/bin",
        "DIVELAB_DATA_DIR": str(cwd / "data"),
        "DIVELAB_DATASETS_MIRROR": closed,  # offline: the demos' offline data
        "DIVELAB_VGG19_WEIGHTS_URL": f"{closed}/vgg19.pth",
    }
    return subprocess.run(
        [sys.executable, "-S", "-c", launch],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def exported_run(demo: str, tmp_path: Path) -> tuple[Path, RecordingChannel]:
    """A short run of `demo` that receives a live change, exported as a script."""
    params, poll, change = FORK_CASES[demo]
    changed = {**CATALOGUE[demo].validate(params).model_dump(mode="json"), **change}

    def script_of_changes(polls: int) -> Control:
        return Control(params=changed, version=2) if polls == poll else Control()

    torch.set_num_threads(1)
    channel = run_demo(demo, params, RecordingChannel(script=script_of_changes), str(tmp_path))
    assert channel.final["status"] == "succeeded", channel.final.get("error")
    events = [{**draft, "seq": seq} for seq, draft in enumerate(channel.drafts, start=1)]
    path = tmp_path / f"{demo.replace('-', '_')}.py"
    path.write_text(script(CATALOGUE[demo], record_of("exported", events, {})))
    return path, channel


def saved_as(frame: dict) -> str:
    """The file the script saves a panel's latest frame in."""
    stem = "".join(c if c.isalnum() else "_" for c in frame["name"])
    data = frame["data"]
    if frame["kind"] == "image":
        return f"{stem}.{data['format']}"
    if frame["kind"] == "image_grid":
        return f"{stem}_0.{data['images'][0]['format']}"
    return f"{stem}.txt" if frame["kind"] == "text" else f"{stem}.csv"


def test_the_interpreter_of_these_tests_cannot_import_divelab(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import workers\n")
    result = without_divelab([str(probe)], tmp_path)
    assert "No module named 'workers'" in result.stderr


@dataclass(frozen=True)
class Export:
    """A demo's short run, its exported script, and what running the script did."""

    folder: Path
    path: Path
    channel: RecordingChannel
    result: subprocess.CompletedProcess


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Export | Exception]]:
    """Every demo's export (or why it could not be made). The scripts run two at a time, each
    while the next demo trains in this process: each uses one thread, and they are the slowest
    part of the suite."""
    with ThreadPoolExecutor(2) as pool:
        runs: dict[str, tuple[Path, Path, RecordingChannel, Future] | Exception] = {}
        for demo in sorted(CATALOGUE):
            folder = tmp_path_factory.mktemp(demo)
            try:
                path, channel = exported_run(demo, folder)
            except Exception as error:  # reported by this demo's test, not by every test
                runs[demo] = error
                continue
            verify = [path.name, "--verify", "--threads", "1"]
            runs[demo] = (folder, path, channel, pool.submit(without_divelab, verify, folder))
        yield {
            demo: run if isinstance(run, Exception) else Export(*run[:3], run[3].result())
            for demo, run in runs.items()
        }


def export_of(exports: dict[str, Export | Exception], demo: str) -> Export:
    export = exports[demo]
    if isinstance(export, Exception):
        raise export
    return export


# The first test to ask for `exports` waits for all of them (a few seconds per demo).
@pytest.mark.timeout(600)
@pytest.mark.parametrize("demo", sorted(CATALOGUE))
def test_a_run_exports_as_a_script_that_reproduces_it(
    demo: str, exports: dict[str, Export | Exception]
) -> None:
    export = export_of(exports, demo)
    changes = [p for p in export.channel.of_type("params") if p["version"] == 2]
    assert len(changes) == 1, "the run received its live change"
    assert f"LIVE_CHANGES = {{{changes[0]['step']}: " in export.path.read_text()

    result = export.result
    assert result.returncode == 0, result.stderr[-2000:]
    assert re.search(r"verify: all \d+ recorded metric values match", result.stdout)
    saved = {file.name for file in (export.folder / "run-output").iterdir()}
    for frame in export.channel.of_type("frame"):
        assert saved_as(frame) in saved, f"panel {frame['name']} was not saved"


@pytest.mark.timeout(600)
def test_every_exported_script_passes_ruff(exports: dict[str, Export | Exception]) -> None:
    paths = [str(export.path) for export in exports.values() if isinstance(export, Export)]
    lint = subprocess.run(
        [Path(sys.executable).parent / "ruff", "check", "--no-cache", *paths],
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout


def test_a_tampered_metric_fails_verify(tmp_path: Path) -> None:
    path, channel = exported_run("edge-kernel", tmp_path)
    text = path.read_text()
    first = next(m for m in channel.of_type("metric") if "loss" in m["values"])
    value = first["values"]["loss"]
    assert repr(value) in text
    path.write_text(text.replace(repr(value), repr(value * 1.001), 1))
    result = without_divelab([path.name, "--verify", "--threads", "1"], tmp_path)
    assert result.returncode == 1
    assert "verify: the metrics differ from the run's: loss, point 0" in result.stderr

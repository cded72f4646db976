"""A run exports as a Jupyter notebook that reproduces it: a valid nbformat 4 notebook whose
cells follow the script (the same module code, the same values), which executed headless in a
python3 kernel with one thread reports the run's metrics (the check cell says all match), and
whose check cell fails when a recorded metric is tampered with."""

import os
import re
from pathlib import Path

import nbformat
import pytest
import torch
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbformat import NotebookNode

from backend.exports.bundle import sections
from backend.exports.notebook import notebook, notebook_json
from backend.exports.script import RunRecord, record_of, script
from core.book import D2L_URL
from core.channel import Control
from tests.demos.test_forks import FORK_CASES
from tests.support import RecordingChannel, free_port, run_demo
from workers.demos import CATALOGUE

DEMO = "edge-kernel"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunRecord, RecordingChannel]:
    """A short run of the demo that receives a live change, and its record."""
    params, poll, change = FORK_CASES[DEMO]
    changed = {**CATALOGUE[DEMO].validate(params).model_dump(mode="json"), **change}

    def script_of_changes(polls: int) -> Control:
        return Control(params=changed, version=2) if polls == poll else Control()

    torch.set_num_threads(1)
    data_dir = str(tmp_path_factory.mktemp("run"))
    channel = run_demo(DEMO, params, RecordingChannel(script=script_of_changes), data_dir)
    assert channel.final["status"] == "succeeded", channel.final.get("error")
    events = [{**draft, "seq": seq} for seq, draft in enumerate(channel.drafts, start=1)]
    return record_of("exported", events, {}), channel


def execute(node: NotebookNode, folder: Path) -> NotebookNode:
    """Runs every cell in a fresh python3 kernel, in `folder`, with one CPU thread (as the
    run's worker had) and downloads sent to a closed port (the demos' offline data)."""
    train = next(cell for cell in node.cells if "threads = None" in cell.source)
    train.source = train.source.replace("threads = None", "threads = 1")
    closed = f"http://127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "DIVELAB_DATA_DIR": str(folder / "data"),
        "DIVELAB_DATASETS_MIRROR": closed,
        "DIVELAB_VGG19_WEIGHTS_URL": f"{closed}/vgg19.pth",
        "IPYTHONDIR": str(folder / "ipython"),
        "JUPYTER_RUNTIME_DIR": str(folder / "runtime"),
    }
    client = NotebookClient(node, kernel_name="python3", timeout=90, startup_timeout=60)
    return client.execute(cwd=str(folder), env=env)


def text_of(cell: NotebookNode) -> str:
    return "".join(output.get("text", "") for output in cell.outputs)


def test_the_notebook_follows_the_script(run: tuple[RunRecord, RecordingChannel]) -> None:
    record, _ = run
    spec = CATALOGUE[DEMO]
    node = nbformat.reads(notebook_json(spec, record), as_version=4)
    nbformat.validate(node)
    assert node.metadata.kernelspec.name == "python3"

    intro = node.cells[0]
    assert intro.cell_type == "markdown"
    for expected in (spec.title, record.job_id, str(spec.book[0].today), D2L_URL):
        assert expected in intro.source

    headings = [c.source.splitlines()[0] for c in node.cells if c.cell_type == "markdown"]
    _, parts = sections(spec.train_module)
    assert headings[1:] == [
        "## Setup",
        *[f"## `{part.file}`" for part in parts],
        "## This run",
        "## Train",
        "## Check against the run",
    ]
    text = script(spec, record)
    code = [c.source for c in node.cells if c.cell_type == "code"]
    assert all(part.code in text and part.code in code for part in parts)
    step = next(iter(record.live_changes))
    assert f"LIVE_CHANGES = {{{step}: " in code[-3], "the run's values, as the script has them"
    assert notebook_json(spec, record) == notebook_json(spec, record), "the same file each time"


def test_the_notebook_reproduces_the_run(
    run: tuple[RunRecord, RecordingChannel], tmp_path: Path
) -> None:
    record, channel = run
    changes = [p for p in channel.of_type("params") if p["version"] == 2]
    assert len(changes) == 1 and changes[0]["step"] in record.live_changes

    executed = execute(notebook(CATALOGUE[DEMO], record), tmp_path)
    assert re.search(r"verify: all \d+ recorded metric values match", text_of(executed.cells[-1]))
    assert "the live change, as in the run" in text_of(executed.cells[-3])


def test_a_tampered_metric_fails_the_check(
    run: tuple[RunRecord, RecordingChannel], tmp_path: Path
) -> None:
    record, channel = run
    node = notebook(CATALOGUE[DEMO], record)
    values = next(cell for cell in node.cells if cell.source.startswith("PARAMS = "))
    first = next(m for m in channel.of_type("metric") if "loss" in m["values"])
    value = first["values"]["loss"]
    assert repr(value) in values.source
    values.source = values.source.replace(repr(value), repr(value * 1.001), 1)

    differ = "the metrics differ from the run's: loss, point 0"
    with pytest.raises(CellExecutionError, match=differ):
        execute(node, tmp_path)

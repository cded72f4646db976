"""Neural style transfer (13.12): weights from the cache, the offline fallback, live weights.

No test touches the internet: the weights URL points at a closed local port, and the VGG19
file, where one is needed, is a random state dict written under torchvision's file name.
"""

import base64
import io
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import pytest
import torch
from PIL import Image

from core.channel import Control
from tests.support import RecordingChannel, free_port, metrics_after, run_demo
from workers.demos.style_transfer import DEMO, Params
from workers.demos.style_transfer.model import vgg19_features
from workers.demos.style_transfer.weights import VGG19_FILE

SMALL = {"content": "china", "style": "stained-glass", "size": 32}


def write_random_vgg19(data_dir: Path) -> Path:
    """A VGG19 state dict with torchvision's key names and random (He-initialized) weights."""
    state_dict: dict[str, torch.Tensor] = {"classifier.6.bias": torch.zeros(1000)}  # ignored
    generator = torch.Generator().manual_seed(0)
    for index, layer in enumerate(vgg19_features()):
        if isinstance(layer, torch.nn.Conv2d):
            fan_in = layer.in_channels * 9
            shape = layer.weight.shape
            state_dict[f"features.{index}.weight"] = (
                torch.randn(shape, generator=generator) * (2 / fan_in) ** 0.5
            )
            state_dict[f"features.{index}.bias"] = torch.zeros(layer.out_channels)
    path = data_dir / "weights" / VGG19_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state_dict, path)
    return path


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any download attempt goes to a closed local port; one CPU thread (cores are shared)."""
    url = f"http://127.0.0.1:{free_port()}/{VGG19_FILE}"
    monkeypatch.setenv("DIVELAB_VGG19_WEIGHTS_URL", url)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def vgg19_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    data_dir = tmp_path_factory.mktemp("vgg19")
    write_random_vgg19(data_dir)
    return str(data_dir)


def logs(channel: RecordingChannel) -> str:
    return "\n".join(d["message"] for d in channel.of_type("log"))


def series(channel: RecordingChannel, name: str) -> dict[int, float]:
    return {d["step"]: d["values"][name] for d in channel.of_type("metric")}


def test_cached_vgg19_weights_are_loaded_without_the_network(vgg19_dir: str) -> None:
    channel = run_demo("style-transfer", {**SMALL, "steps": 3}, data_dir=vgg19_dir)

    assert channel.final["status"] == "succeeded", channel.final["error"]
    summary = channel.final["summary"]
    assert summary["features"] == "vgg19"
    assert "VGG19 with torchvision's ImageNet weights" in logs(channel)
    assert "downloading" not in logs(channel)


@pytest.mark.parametrize(
    "content, why",
    [
        (b"<html>not a checkpoint</html>", "not a readable PyTorch checkpoint"),
        ({"features.0.weight": torch.zeros(8, 3, 3, 3)}, "does not hold torchvision's VGG19"),
    ],
    ids=["garbage", "another-network"],
)
def test_a_corrupt_cached_file_fails_with_a_clear_error(
    tmp_path: Path, content: Any, why: str
) -> None:
    path = tmp_path / "weights" / VGG19_FILE
    path.parent.mkdir()
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        torch.save(content, path)

    channel = run_demo("style-transfer", {**SMALL, "steps": 2}, data_dir=str(tmp_path))

    assert channel.final["status"] == "failed"
    error = channel.final["error"]
    assert error.startswith("CorruptWeightsError")
    assert why in error and str(path) in error and "Delete the file" in error


def test_offline_with_nothing_cached_runs_the_labelled_fallback(tmp_path: Path) -> None:
    channel = run_demo("style-transfer", {**SMALL, "steps": 3}, data_dir=str(tmp_path))

    assert channel.final["status"] == "succeeded", channel.final["error"]
    summary = channel.final["summary"]
    assert summary["features"] == "random"
    for told in (logs(channel), summary["features_note"]):
        assert "RANDOM FILTERS (fallback), not VGG19" in told
        assert f"copy {VGG19_FILE}" in told and str(tmp_path / "weights") in told
    assert not (tmp_path / "weights" / VGG19_FILE).exists()  # nothing partial left behind


def test_a_download_shows_its_progress_and_is_hash_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = tmp_path / "served"
    served.mkdir()
    (served / VGG19_FILE).write_bytes(bytes(2 * 1024 * 1024))  # its SHA-256 is not dcbb9e9d...
    handler = partial(SimpleHTTPRequestHandler, directory=str(served))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as local_server:
        Thread(target=local_server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{local_server.server_port}/{VGG19_FILE}"
        monkeypatch.setenv("DIVELAB_VGG19_WEIGHTS_URL", url)
        data_dir = tmp_path / "data"
        channel = run_demo("style-transfer", {**SMALL, "steps": 2}, data_dir=str(data_dir))
        local_server.shutdown()

    progress = [d["progress"] for d in channel.of_type("log") if d["progress"] is not None]
    assert len(progress) >= 3 and progress == sorted(progress) and progress[-1] == 1.0
    assert channel.final["status"] == "failed"
    assert "checksum mismatch" in channel.final["error"] and url in channel.final["error"]
    assert list((data_dir / "weights").iterdir()) == []  # no partial file left


def test_a_short_run_lowers_the_style_loss_and_shows_the_image(vgg19_dir: str) -> None:
    channel = run_demo("style-transfer", {**SMALL, "size": 48, "steps": 40}, data_dir=vgg19_dir)

    assert channel.final["status"] == "succeeded", channel.final["error"]
    style = series(channel, "style")
    assert sorted(style) == list(range(1, 41))
    assert style[40] < 0.3 * style[1]
    assert set(channel.of_type("metric")[-1]["values"]) == {"content", "style", "tv", "total"}

    height, width = channel.final["summary"]["image_size"]
    assert (height, width) == (48, 72)  # china.jpg is 640 × 427: the book's 3:2
    frames = [f for f in channel.of_type("frame") if f["name"] == "synthesized"]
    assert frames[0]["step"] == 0 and frames[-1]["step"] == 40
    last = frames[-1]["data"]
    assert last["format"] == "webp"
    assert Image.open(io.BytesIO(base64.b64decode(last["base64"]))).size == (width, height)
    media_type, png = channel.artifacts["stylized.png"]
    assert media_type == "image/png"
    assert Image.open(io.BytesIO(png)).size == (width, height)


def test_a_live_style_weight_changes_the_balance_from_the_step_it_took_effect(
    vgg19_dir: str,
) -> None:
    params = {**SMALL, "steps": 12}
    raised = Params.model_validate({**params, "style_weight": 1e6}).model_dump(mode="json")
    change_at = 6  # checkpoint(step) polls once per step: poll n is step n

    baseline = run_demo("style-transfer", params, data_dir=vgg19_dir)
    changed = run_demo(
        "style-transfer",
        params,
        RecordingChannel(
            script=lambda poll: (
                Control(params=raised, version=2) if poll == change_at else Control()
            )
        ),
        data_dir=vgg19_dir,
    )

    assert changed.final["status"] == "succeeded", changed.final["error"]
    applied = changed.of_type("params")[-1]
    assert (applied["step"], applied["version"]) == (change_at, 2)
    before, after = series(baseline, "style"), series(changed, "style")
    for step in range(1, change_at):  # identical until the change...
        assert after[step] == pytest.approx(before[step], rel=1e-5)
    assert after[change_at] > 50 * before[change_at]  # ...weighted 100× from that step on
    # Then the image trades content for style: less raw style loss, more content loss.
    assert after[12] / 1e6 < before[12] / 1e4
    assert series(changed, "content")[12] > series(baseline, "content")[12]


@pytest.mark.parametrize(
    "options", [{"optimizer": "lbfgs"}, {"init": "noise", "seed": 3}], ids=["lbfgs", "noise"]
)
def test_lbfgs_and_a_noise_start_lower_the_loss_too(tmp_path: Path, options: dict) -> None:
    channel = run_demo(
        "style-transfer", {**SMALL, "steps": 8, **options}, data_dir=str(tmp_path)
    )  # offline: the fallback features, which are fast

    assert channel.final["status"] == "succeeded", channel.final["error"]
    total = series(channel, "total")
    assert total[8] < 0.8 * total[1]


def test_an_lbfgs_fork_continues_its_curvature_and_a_fork_may_switch_to_adam(
    tmp_path: Path,
) -> None:
    params = {**SMALL, "steps": 10, "optimizer": "lbfgs"}
    parent = run_demo(
        "style-transfer",
        params,
        RecordingChannel(script=lambda poll: Control(snapshot=poll == 5)),
        data_dir=str(tmp_path),
    )
    assert parent.snapshot_asked_at(5) == 4 and {0, 10} <= set(parent.snapshots)

    twin = run_demo("style-transfer", params, data_dir=str(tmp_path), fork_of=(parent, 4))
    assert metrics_after(twin, 4) == metrics_after(parent, 4)  # L-BFGS's history came along

    switched = {**params, "optimizer": "adam"}
    assert DEMO.apply_fork_change(params, {"optimizer": "adam"})["optimizer"] == "adam"
    fork = run_demo("style-transfer", switched, data_dir=str(tmp_path), fork_of=(parent, 4))
    assert fork.final["status"] == "succeeded", fork.final["error"]
    steps = [m["step"] for m in fork.of_type("metric")]
    assert steps == list(range(5, 11))
    total = series(fork, "total")
    assert total[10] < total[5] and total != series(parent, "total")


def test_a_fork_of_the_last_snapshot_sums_up_as_its_parent(tmp_path: Path) -> None:
    params = {**SMALL, "steps": 4}
    parent = run_demo("style-transfer", params, data_dir=str(tmp_path))
    fork = run_demo("style-transfer", params, data_dir=str(tmp_path), fork_of=(parent, 4))

    assert fork.final["status"] == "succeeded", fork.final["error"]
    assert not fork.of_type("metric")
    summary, parent_summary = fork.final["summary"], parent.final["summary"]
    assert summary["final_losses"] == parent_summary["final_losses"]
    assert fork.artifacts["stylized.png"] == parent.artifacts["stylized.png"]

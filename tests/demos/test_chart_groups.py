"""The metric charts each demo declares (`DemoSpec.charts`) fit the metrics it really emits."""

from collections.abc import Callable
from functools import cache

import pytest
import torch

from core.demo_spec import ChartSpec, DemoSpec
from tests.support import RecordingChannel, free_port, run_demo
from workers.demos import CATALOGUE

# A few steps of each demo that declares charts: enough for every metric to appear once.
SMALL_PARAMS: dict[str, dict] = {
    "edge-kernel": {"speed": 0, "steps": 2},
    "conv-filters": {
        "dataset": "digits",
        "epochs": 1,
        "batch_size": 1024,
        "conv1_channels": 2,
        "conv2_channels": 2,
    },
    "attention-pooling": {"speed": 0, "epochs": 2},
    "linear-regression": {"speed": 0, "epochs": 1, "num_val": 100},
    "mlp": {"speed": 0, "epochs": 2},
    "polynomial-fit": {"speed": 0, "epochs": 2},
    "sequence-prediction": {"speed": 0, "epochs": 1},
    "deep-nets": {"dataset": "digits", "depth": 4, "width": 2, "batch_size": 512, "epochs": 1},
    "gan-2d": {"speed": 0, "epochs": 1, "batch_size": 100},
    "diffusion-2d": {"speed": 0, "num_points": 2000, "hidden": 8, "epochs": 1, "sampling_steps": 2},
    "char-rnn": {"model": "gru", "hidden": 8, "batch_size": 64, "epochs": 1},
    "weight-decay": {"speed": 0, "epochs": 2},
    "dropout": {"dataset": "digits", "train_examples": 100, "epochs": 1, "speed": 0},
    "initialization": {"speed": 0, "steps": 2},
    "softmax-regression": {"dataset": "digits", "epochs": 1, "batch_size": 1024, "speed": 0},
    "style-transfer": {"content": "china", "style": "stained-glass", "size": 32, "steps": 2},
    "transformer-attention": {
        "seq_len": 4,
        "hidden": 8,
        "num_heads": 2,
        "num_layers": 1,
        "batch_size": 8,
        "steps": 2,
    },
    "word2vec": {"embed_size": 8, "sentences": 800, "epochs": 1},
}
WITH_CHARTS = [demo_id for demo_id, spec in CATALOGUE.items() if spec.charts]


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)  # the test machine's cores are shared


@pytest.fixture(scope="module")
def emitted(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], set[str]]:
    """emitted(demo_id): the names of every metric a short run reported (one run per demo).

    Caches are empty and downloads point at a closed local port: nothing leaves the machine
    (style transfer then runs on its offline stand-in features).
    """
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DIVELAB_VGG19_WEIGHTS_URL", f"http://127.0.0.1:{free_port()}/vgg19.pth")
        env.setenv("DIVELAB_DATASETS_MIRROR", f"http://127.0.0.1:{free_port()}")
        yield _metric_names_recorder(tmp_path_factory)


def _metric_names_recorder(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str], set[str]]:

    @cache
    def metric_names(demo_id: str) -> set[str]:
        assert demo_id in SMALL_PARAMS, f"add short params for {demo_id} to SMALL_PARAMS"
        data_dir = tmp_path_factory.mktemp(demo_id)  # an empty cache: nothing downloads
        channel = run_demo(demo_id, SMALL_PARAMS[demo_id], RecordingChannel(), str(data_dir))
        assert channel.final["status"] == "succeeded", channel.final["error"]
        return {name for metric in channel.of_type("metric") for name in metric["values"]}

    return metric_names


@pytest.mark.parametrize("demo_id", WITH_CHARTS)
def test_every_declared_pattern_matches_an_emitted_metric(
    demo_id: str, emitted: Callable[[str], set[str]]
) -> None:
    names = emitted(demo_id)
    for chart in CATALOGUE[demo_id].charts:
        for pattern in chart.metrics:
            single = ChartSpec(chart.title, [pattern])
            assert any(single.matches(name) for name in names), (
                f"{demo_id}: chart {chart.title!r} names {pattern!r}, which matches none of "
                f"the metrics the demo emits: {sorted(names)}"
            )


@pytest.mark.parametrize("demo_id", WITH_CHARTS)
def test_declared_charts_leave_nothing_to_the_other_chart(
    demo_id: str, emitted: Callable[[str], set[str]]
) -> None:
    spec = CATALOGUE[demo_id]
    assert {name for name in emitted(demo_id) if spec.chart_of(name) is None} == set()


def test_patterns_are_whole_names_where_only_star_is_special() -> None:
    kernel = ChartSpec("Kernel", ["K[*]"])
    assert kernel.matches("K[0,1]") and kernel.matches("K[]")
    assert not kernel.matches("K0") and not kernel.matches("xK[0]") and not kernel.matches("K[0]x")
    accuracy = ChartSpec("Accuracy", ["*_acc", "acc*racy"])
    assert accuracy.matches("train_acc") and accuracy.matches("_acc")
    assert accuracy.matches("accuracy") and not accuracy.matches("train_acc_top5")
    dotted = ChartSpec("Dots", ["a.b"])
    assert dotted.matches("a.b") and not dotted.matches("axb")
    assert ChartSpec("All", ["*"]).matches("anything at all")


def spec_with(charts: list[ChartSpec]) -> DemoSpec:
    base = CATALOGUE["gradient-descent"]
    return DemoSpec("d", "t", "s", base.params, base.package, base.book, charts=charts)


def test_a_metric_goes_to_the_first_chart_that_matches_it() -> None:
    spec = spec_with([ChartSpec("Loss", ["loss"]), ChartSpec("Everything", ["*"])])
    assert spec.chart_of("loss") == spec.charts[0]
    assert spec.chart_of("acc") == spec.charts[1]
    assert spec_with([ChartSpec("Loss", ["loss"])]).chart_of("acc") is None  # "Other"


def test_bad_chart_declarations_are_refused() -> None:
    with pytest.raises(TypeError):
        ChartSpec("Loss", "loss")  # a string, not a list of names
    with pytest.raises(ValueError):
        ChartSpec("Loss", [])
    with pytest.raises(ValueError):
        ChartSpec(" ", ["loss"])
    with pytest.raises(ValueError, match="titles must differ"):
        spec_with([ChartSpec("Loss", ["a"]), ChartSpec("Loss", ["b"])])


def test_the_default_is_one_chart_for_every_metric() -> None:
    assert len(CATALOGUE["gradient-descent"].charts) == 0

"""gradient-descent: the book's traces, live changes, divergence, frames."""

import csv
import io
import math

import pytest

from core.channel import Control
from core.errors import InvalidInput
from tests.support import RecordingChannel, metrics_after, run_demo
from workers.demos import CATALOGUE

# -- An independent reference: the book's `train_2d` loop with plain Python floats ---------

FUNCTIONS = {
    "quadratic": (lambda x1, x2: x1**2 + 2 * x2**2, lambda x1, x2: (2 * x1, 4 * x2)),
    "ill-conditioned": (lambda x1, x2: 0.1 * x1**2 + 2 * x2**2, lambda x1, x2: (0.2 * x1, 4 * x2)),
}


def book_trace(function: str, update, steps: int = 20, start=(-5.0, -2.0)):
    _, grad = FUNCTIONS[function]
    x1, x2 = start
    state: dict = {}
    for t in range(1, steps + 1):
        g1, g2 = grad(x1, x2)
        x1, x2 = update(x1, x2, g1, g2, state, t)
    return x1, x2


def book_gd(eta):
    return lambda x1, x2, g1, g2, s, t: (x1 - eta * g1, x2 - eta * g2)


def book_momentum(eta, beta):
    def update(x1, x2, g1, g2, s, t):
        s["v1"] = beta * s.get("v1", 0.0) + g1
        s["v2"] = beta * s.get("v2", 0.0) + g2
        return x1 - eta * s["v1"], x2 - eta * s["v2"]

    return update


def book_adagrad(eta, eps=1e-6):
    def update(x1, x2, g1, g2, s, t):
        s["s1"] = s.get("s1", 0.0) + g1**2
        s["s2"] = s.get("s2", 0.0) + g2**2
        return (x1 - eta / math.sqrt(s["s1"] + eps) * g1, x2 - eta / math.sqrt(s["s2"] + eps) * g2)

    return update


def book_rmsprop(eta, gamma, eps=1e-6):
    def update(x1, x2, g1, g2, s, t):
        s["s1"] = gamma * s.get("s1", 0.0) + (1 - gamma) * g1**2
        s["s2"] = gamma * s.get("s2", 0.0) + (1 - gamma) * g2**2
        return (x1 - eta / math.sqrt(s["s1"] + eps) * g1, x2 - eta / math.sqrt(s["s2"] + eps) * g2)

    return update


def book_adam(eta, beta1=0.9, beta2=0.999, eps=1e-6):
    def update(x1, x2, g1, g2, s, t):
        out = []
        for i, (x, g) in enumerate(((x1, g1), (x2, g2))):
            s[f"v{i}"] = beta1 * s.get(f"v{i}", 0.0) + (1 - beta1) * g
            s[f"s{i}"] = beta2 * s.get(f"s{i}", 0.0) + (1 - beta2) * g**2
            v_hat, s_hat = s[f"v{i}"] / (1 - beta1**t), s[f"s{i}"] / (1 - beta2**t)
            out.append(x - eta * v_hat / (math.sqrt(s_hat) + eps))
        return tuple(out)

    return update


# The book's runs (chapter 11): function, the demo's optimizer entry, the reference update.
BOOK_RUNS = [
    ("quadratic", {"name": "gd", "lr": 0.1}, book_gd(0.1)),
    ("ill-conditioned", {"name": "gd", "lr": 0.4}, book_gd(0.4)),
    ("ill-conditioned", {"name": "gd", "lr": 0.6}, book_gd(0.6)),
    ("ill-conditioned", {"name": "momentum", "lr": 0.6, "momentum": 0.5}, book_momentum(0.6, 0.5)),
    (
        "ill-conditioned",
        {"name": "momentum", "lr": 0.6, "momentum": 0.25},
        book_momentum(0.6, 0.25),
    ),
    ("ill-conditioned", {"name": "adagrad", "lr": 0.4}, book_adagrad(0.4)),
    ("ill-conditioned", {"name": "adagrad", "lr": 2}, book_adagrad(2)),
    ("ill-conditioned", {"name": "rmsprop", "lr": 0.4, "gamma": 0.9}, book_rmsprop(0.4, 0.9)),
    ("quadratic", {"name": "adam", "lr": 0.1}, book_adam(0.1)),
]


def run_race(function: str, optimizers: list[dict], steps: int = 20, **extra) -> RecordingChannel:
    params = {"function": function, "optimizers": optimizers, "steps": steps, "speed": 0, **extra}
    return run_demo("gradient-descent", params)


@pytest.mark.parametrize(
    ("function", "optimizer", "reference"),
    BOOK_RUNS,
    ids=[f"{f}-{o['name']}-{o['lr']}" for f, o, _ in BOOK_RUNS],
)
def test_final_positions_match_the_book(function, optimizer, reference) -> None:
    channel = run_race(function, [optimizer])
    assert channel.final["status"] == "succeeded"
    (result,) = channel.final["summary"]["optimizers"]
    assert result["x"] == pytest.approx(book_trace(function, reference), abs=1e-5)


def test_gd_on_the_quadratic_has_the_closed_form() -> None:
    # x_t = x_0 (1 - 2η)^t along x1 and x_0 (1 - 4η)^t along x2, for η = 0.1.
    channel = run_race("quadratic", [{"name": "gd", "lr": 0.1}])
    x1, x2 = channel.final["summary"]["optimizers"][0]["x"]
    assert x1 == pytest.approx(-5 * 0.8**20, rel=1e-12)
    assert x2 == pytest.approx(-2 * 0.6**20, rel=1e-12)


def test_racers_report_in_the_order_given_with_unique_labels() -> None:
    channel = run_race(
        "quadratic",
        [
            {"name": "gd", "lr": 0.1},
            {"name": "gd", "lr": 0.2},
            {"name": "adam", "label": "fast adam", "lr": 0.3},
        ],
        steps=5,
    )
    labels = [o["label"] for o in channel.final["summary"]["optimizers"]]
    assert labels == ["gd", "gd#2", "fast adam"]
    assert set(channel.of_type("metric")[-1]["values"]) == set(labels)


def test_every_optimizer_and_function_runs() -> None:
    names = ["gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam"]
    for function in [
        "quadratic",
        "ill-conditioned",
        "rosenbrock",
        "himmelblau",
        "saddle",
        "rastrigin",
    ]:
        channel = run_race(
            function,
            [{"name": n, "lr": 0.001} if n != "adadelta" else {"name": n} for n in names],
            steps=10,
            start=[0.5, 0.5],
        )
        assert channel.final["status"] == "succeeded", channel.final["error"]
    channel = run_race("quadratic", [{"name": "yogi", "lr": 0.5}], steps=200)
    assert channel.final["summary"]["optimizers"][0]["f"] < 1e-2


def test_sgd_noise_is_seeded() -> None:
    def final(seed: int) -> list[float]:
        channel = run_race("quadratic", [{"name": "sgd", "lr": 0.1}], seed=seed)
        return channel.final["summary"]["optimizers"][0]["x"]

    assert final(1) == final(1)
    assert final(1) != final(2)
    noiseless = run_race("quadratic", [{"name": "sgd", "lr": 0.1, "noise": 0}])
    assert noiseless.final["summary"]["optimizers"][0]["x"] == pytest.approx(
        [-5 * 0.8**20, -2 * 0.6**20]
    )


def test_frames_surface_once_then_positions_every_step() -> None:
    channel = run_race("ill-conditioned", [{"name": "gd", "lr": 0.4}], steps=7)
    frames = channel.of_type("frame")
    surface = [f for f in frames if f["name"] == "surface"]
    positions = [f for f in frames if f["name"] == "positions"]
    assert len(surface) == 1
    grid = surface[0]["data"]
    assert len(grid["z"]) == len(grid["y"]) and len(grid["z"][0]) == len(grid["x"])
    # z[i][j] = f(x[j], y[i]); and the grid covers the book's domain [-5.5, 1) x [-3, 1).
    assert grid["z"][3][5] == pytest.approx(0.1 * grid["x"][5] ** 2 + 2 * grid["y"][3] ** 2)
    assert grid["x"][0] <= -5.5 and grid["y"][0] <= -3
    assert [f["step"] for f in positions] == list(range(8))
    assert positions[0]["data"] == {"labels": ["gd"], "points": [[-5.0, -2.0]]}


def test_live_learning_rate_applies_from_the_step_it_reports() -> None:
    change_at_poll = 5
    new_params = (
        CATALOGUE["gradient-descent"]
        .validate(
            {
                "function": "quadratic",
                "optimizers": [{"name": "gd", "lr": 0.3}],
                "steps": 12,
                "speed": 0,
            }
        )
        .model_dump(mode="json")
    )

    def script(poll: int) -> Control:
        return Control(params=new_params, version=2) if poll == change_at_poll else Control()

    channel = run_demo(
        "gradient-descent",
        {
            "function": "quadratic",
            "optimizers": [{"name": "gd", "lr": 0.1}],
            "steps": 12,
            "speed": 0,
        },
        RecordingChannel(script=script),
    )
    change = [e for e in channel.of_type("params") if e["version"] == 2]
    assert len(change) == 1
    applied_at = change[0]["step"]
    points = {
        f["step"]: f["data"]["points"][0]
        for f in channel.of_type("frame")
        if f["name"] == "positions"
    }
    for step in range(1, 13):
        lr = 0.1 if step < applied_at else 0.3
        x1, x2 = points[step - 1]
        assert points[step] == pytest.approx([x1 - lr * 2 * x1, x2 - lr * 4 * x2]), step


def test_cancel_stops_at_the_next_step() -> None:
    channel = run_demo(
        "gradient-descent",
        {"steps": 1000, "speed": 0},
        RecordingChannel(script=lambda poll: Control(cancel="Stopped." if poll >= 3 else None)),
    )
    assert channel.final["status"] == "cancelled"
    assert max(e["step"] for e in channel.of_type("metric")) == 2


def test_too_large_a_learning_rate_diverges_with_an_explanation() -> None:
    channel = run_race(
        "quadratic", [{"name": "gd", "lr": 0.1}, {"name": "gd", "lr": 5}], steps=1000
    )
    final = channel.final
    assert final["status"] == "diverged"
    assert "gd#2" in final["error"] and "learning rate" in final["error"]
    assert all(math.isfinite(v) for e in channel.of_type("metric") for v in e["values"].values())


def test_trajectories_are_kept_as_a_csv_artifact() -> None:
    channel = run_race("quadratic", [{"name": "gd", "lr": 0.1}], steps=3)
    media_type, content = channel.artifacts["trajectories.csv"]
    rows = content.decode().splitlines()
    assert media_type == "text/csv"
    assert rows[0] == "step,optimizer,x1,x2,f" and len(rows) == 1 + 4


def test_a_label_a_spreadsheet_would_run_is_escaped_in_the_csv() -> None:
    label = '=HYPERLINK("evil.example")'
    channel = run_race("quadratic", [{"name": "gd", "lr": 0.1, "label": label}], steps=1)
    _, content = channel.artifacts["trajectories.csv"]
    rows = list(csv.reader(io.StringIO(content.decode())))
    assert rows[1][1] == "'" + label
    assert rows[1][2] == "-5.0"  # a negative number stays a number


def test_live_changes_may_touch_only_live_fields() -> None:
    spec = CATALOGUE["gradient-descent"]
    current = spec.validate({}).model_dump(mode="json")
    assert set(spec.live_params) == {"optimizers", "speed"}
    faster = [dict(o) for o in current["optimizers"]]
    faster[0]["lr"] = 0.05
    assert spec.apply_live_change(current, {"optimizers": faster})["optimizers"][0]["lr"] == 0.05
    renamed = [dict(o) for o in current["optimizers"]]
    renamed[0]["name"] = "adam"
    for change, loc in [
        ({"steps": 5}, ["steps"]),
        ({"optimizers": faster[:1]}, ["optimizers"]),
        ({"optimizers": renamed}, ["optimizers", 0]),
    ]:
        with pytest.raises(InvalidInput) as error:
            spec.apply_live_change(current, change)
        assert error.value.errors[0]["loc"] == loc


def test_a_fork_continues_every_racer_with_its_own_state(tmp_path) -> None:
    """Each rule's memory (velocity, averages, SGD's noise generator, Adam's step count t)
    comes back in a fork: it reports exactly what its parent reported after the snapshot."""
    racers = [{"name": name} for name in ("sgd", "adagrad", "adadelta", "adam", "yogi")]
    params = {"steps": 12, "speed": 0, "optimizers": [*racers, {"name": "nesterov", "lr": 0.1}]}
    parent = run_demo(
        "gradient-descent",
        params,
        RecordingChannel(script=lambda poll: Control(snapshot=poll == 8)),
        data_dir=str(tmp_path),
    )
    assert parent.snapshot_asked_at(8) == 7 and {0, 12} <= set(parent.snapshots)
    fork = run_demo("gradient-descent", params, data_dir=str(tmp_path), fork_of=(parent, 7))
    assert fork.final["status"] == "succeeded", fork.final.get("error")
    assert metrics_after(fork, 0) == metrics_after(parent, 7) != []
    assert fork.final["summary"] == parent.final["summary"]
    # The fork's trajectories start where it did: the steps before are its parent's.
    rows = list(csv.reader(io.StringIO(fork.artifacts["trajectories.csv"][1].decode())))
    assert {int(row[0]) for row in rows[1:]} == set(range(7, 13))
    parent_rows = parent.artifacts["trajectories.csv"][1].decode().splitlines()
    assert rows == list(csv.reader([parent_rows[0], *parent_rows[1 + 7 * 6 :]]))

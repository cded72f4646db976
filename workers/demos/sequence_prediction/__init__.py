"""Sequence models (book 8.1 in the 0.14 edition; 9.1 today): predicting a noisy sine from its
past, one step and k steps ahead.

The book draws x_t = sin(0.01 t) + N(0, 0.2²) for t = 1..1000 and trains a model to predict
x_t from the τ = 4 values before it on the first 600 examples. Its 1-step predictions follow
the series closely; fed back its own predictions, the model's k-step-ahead predictions drift
and lose the wave by k = 64: errors pile up with every step predicted.
"""

from core.book import ZefsChapter, d2l
from core.demo_spec import ChartSpec, DemoSpec, Preset
from workers.demos.sequence_prediction.params import Params

DEMO = DemoSpec(
    id="sequence-prediction",
    title="Sequence models: predicting a noisy sine",
    summary="An autoregressive model predicts a noisy sine from its 4 previous values: watch its "
    "1-step predictions follow the series while its 4-, 16- and 64-step-ahead predictions, fed "
    "back its own outputs, drift off it.",
    params=Params,
    package=__name__,
    book=[d2l("9.1", "Working with Sequences", edition_0_14=("8.1", "Sequence Models"))],
    zefs=[
        ZefsChapter(6, "Text and sequential data"),
        ZefsChapter(6, "The recurrent neural network"),
    ],
    charts=[
        ChartSpec("Loss", ["train_loss", "test_loss"], y_label="mean of (ŷ − y)²", log_scale=True),
        ChartSpec(
            "k-step-ahead test error",
            ["test_mse_k*"],
            y_label="mean of (x̂ − x)² after 600",
            log_scale=True,
        ),
    ],
    presets=[
        Preset(
            "classic",
            "Classic edition (0.14)",
            "The MLP τ → 10 ReLU → 1 with Xavier weights, Adam with η = 0.01, 5 epochs.",
            {"model": "mlp", "lr": 0.01, "epochs": 5},
        ),
        Preset(
            "current",
            "Current edition (d2l.ai)",
            "One linear layer, minibatch SGD with η = 0.01, 5 epochs.",
            {"model": "linear", "lr": 0.01, "epochs": 5},
        ),
    ],
    # The book's run is 190 steps at 20 a second: a fork point every second. A snapshot (a
    # few dozen weights, Adam's moments and the generators, 27 KB) takes under a millisecond;
    # 20 steps take a second at that speed, about 240 ms flat out (each step's report feeds
    # the model back 64 times): well under 1% either way.
    snapshot_every=20,
    what_to_try=[
        "Run the book's settings: the 1-step predictions follow the sine, and the test loss "
        "settles a little above 0.04, the noise's variance σ² = 0.2²: no model can predict "
        "the noise.",
        "Watch the k-step predictions: 4 steps ahead still follow the sine, 16 begin to lag, "
        "and 64 steps ahead the MLP's predictions have settled on one of two constant levels, "
        "picked by which side of zero the sine was on: a square wave, not a sine. Each "
        "predicted value is fed back as an input, its error with it: the k-step test errors "
        "climb with k.",
        "Try a few seeds: the 1-step test loss barely moves, while the two levels the 64-step "
        "predictions settle on move from run to run: fed back, small differences in the "
        "weights compound.",
        "Pick the current edition (one linear layer, SGD): its 1-step loss is as low as the "
        "MLP's, and fed back it is a linear recurrence: its 64-step predictions are a sine "
        "shrunk towards a constant.",
        "Set τ to 1: the model sees only the last value, so it cannot tell a rising sine from a "
        "falling one: its 1-step test loss ends above the τ = 4 model's, and its k-step "
        "errors climb higher.",
        "Raise `max_k` to 256 while it runs: a fourth horizon shows where predictions fed back "
        "for hundreds of steps settle.",
    ],
)

"""Numerical stability and initialization (book 4.8): vanishing and exploding gradients.

The book's two examples (the sigmoid's gradient, at most ¼ and nearly zero for large |x|; a
product of 100 random 4×4 matrices, whose norm runs away) and a deep MLP on a fixed batch in
which they meet: the learner picks the depth, the width, the activation, the initialization
(N(0, σ²), Xavier, Kaiming) and batch normalization, and watches each layer's gradient norm
and the spread of its activations and gradients while it trains.
"""

from core.book import ZefsChapter, d2l
from core.demo_spec import ChartSpec, DemoSpec, Preset
from workers.demos.initialization.params import Params

DEMO = DemoSpec(
    id="initialization",
    title="Vanishing gradients and initialization",
    summary="Train a deep MLP on a fixed batch and watch each layer's gradient norm on a log "
    "axis: with the sigmoid and N(0, 1) weights the first layers' gradients vanish; pick "
    "Xavier with tanh, Kaiming with ReLU, or batch norm, and they stay level. With the "
    "book's sigmoid gradient and its product of 100 random matrices.",
    params=Params,
    package=__name__,
    book=[
        d2l(
            "5.4",
            "Numerical Stability and Initialization",
            edition_0_14=("4.8", "Numerical Stability and Initialization"),
        ),
        d2l("8.5", "Batch Normalization", edition_0_14=("7.5", "Batch Normalization")),
    ],
    zefs=[
        ZefsChapter(4, "What made deep networks possible"),
        ZefsChapter(3, "Activation functions"),
        ZefsChapter(5, "Batch normalization"),
    ],
    charts=[
        ChartSpec("Loss", ["loss"], y_label="mean squared error", log_scale=True),
        ChartSpec(
            "First over last layer's gradient norm",
            ["grad_ratio_first_last"],
            y_label="‖∂L/∂W₁‖ / ‖∂L/∂W_depth‖",
            log_scale=True,
        ),
        ChartSpec(
            "Gradient norms",
            ["grad_norm_first", "grad_norm_last"],
            y_label="‖∂L/∂W‖ (Frobenius)",
            log_scale=True,
        ),
        ChartSpec("Learning rate", ["lr"], y_label="η"),
    ],
    presets=[
        Preset(
            "sigmoid-normal",
            "Sigmoid, N(0, 1)",
            "Sigmoid units with weights from N(0, 1), no batch norm: the first layers' "
            "gradients vanish.",
            {"activation": "sigmoid", "init": "normal", "sigma": 1.0, "batch_norm": False},
        ),
        Preset(
            "tanh-xavier",
            "tanh, Xavier",
            "tanh units (slope 1 at 0, as Xavier's derivation assumes) with weights from "
            "N(0, 2/(n_in + n_out)), no batch norm.",
            {"activation": "tanh", "init": "xavier", "batch_norm": False},
        ),
        Preset(
            "relu-kaiming",
            "ReLU, Kaiming",
            "ReLU units with weights from N(0, 2/n_in), the variance He et al. derived for "
            "ReLU, no batch norm.",
            {"activation": "relu", "init": "kaiming", "batch_norm": False},
        ),
    ],
    # 200 steps at 10 a second by default: a fork point every 2 seconds. A snapshot (a few
    # thousand weights and the generators) takes about a millisecond, a step's wait 100.
    snapshot_every=20,
    what_to_try=[
        "Train as it starts (sigmoid, N(0, 1), 20 layers, 8 units wide): the gradient norms "
        "fall about seven decades from the last layer to the first (the ratio is about 1e-7), "
        "less than half at each layer: on the way back a layer multiplies the gradient by σ′ "
        "(at most ¼, see the sigmoid's figure) and by 8 weights of size about 1, which does "
        "not make up for it. The gradient heatmap at the start slides left, layer by layer. The "
        "loss only drops to the variance of y, 0.50: the output layer learns the mean, the rest "
        "is stuck.",
        "Watch the ratio rise after a few steps: not because the first layers recover, but "
        "because the last layer's gradient shrinks too once it has learned the mean. The "
        "per-layer plot tells the truth: every norm ends near 1e-6.",
        "Pick `tanh, Xavier`: the first and last layers' gradients start within a factor of "
        "2 of each other, and the loss falls to about 0.2 in 200 steps. `ReLU, Kaiming` keeps "
        "them level too; at width 64 with η = 0.03 it fits the batch (loss 0.004).",
        "Try Xavier or Kaiming with the sigmoid: worse than N(0, 1), a ratio near 1e-13 with "
        "Xavier. Both assume a slope of 1 around 0; the sigmoid's is at most ¼, so each layer "
        "scales the gradient by about ¼ on the way back, and (¼)¹⁹ ≈ 4e-12.",
        "Widen the sigmoid net with N(0, 1) weights: at width 64 the ratio is 5e-3, at 256 "
        "the first layer's gradient is seven times the last's and η = 0.1 diverges. Each "
        "unit adds up `width` inputs, so most units saturate (two thirds at width 256), yet "
        "the way back adds up `width` terms too. The scale that works depends on the width: "
        "Xavier's variance 2/(n_in + n_out) takes that into account.",
        "Turn on batch norm with the sigmoid and N(0, 1): the ratio starts near 0.06, and "
        "the loss falls to about 0.27.",
        "tanh with σ = 0.1: the ratio is about 1.5, yet every gradient is near 1e-11 and "
        "nothing learns. The signal itself shrinks layer by layer (the activations slide left "
        "in their heatmap); the ratio compares layers, the per-layer plot shows their size.",
        "tanh with σ = 1 at width 64 explodes instead: the first layer's gradient is about "
        "3e5 times the last's. ReLU with σ = 1 at width 64 multiplies the signal by about "
        "√32 per layer: the gradients start near 1e28 and the first step diverges.",
        "The product of 100 random 4×4 matrices grows about e^0.56 ≈ 1.75 times per factor "
        "(a straight line on the log axis): seed 0 ends at 5e25. Try other seeds: the slope "
        "stays, the end point wanders by a few decades.",
    ],
)

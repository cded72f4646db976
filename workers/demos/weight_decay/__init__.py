"""Weight decay (book 4.5 in the 0.14 edition; 3.7 today): the L2 penalty against overfitting.

The book fits a linear model with 200 inputs to only 20 training examples: without a penalty
it fits them almost exactly while the test loss stays high; with weight decay λ = 3 the
weights shrink and the gap between training and test loss closes. The learner changes λ while
it trains, watches the 200 weights and their distribution shrink, and can sweep λ in one job.
"""

from core.book import ZefsChapter, d2l
from core.demo_spec import ChartSpec, DemoSpec, Preset
from workers.demos.weight_decay.params import Params

DEMO = DemoSpec(
    id="weight-decay",
    title="Weight decay: shrinking the weights against overfitting",
    summary="Fit 200 inputs with 20 examples and watch the model overfit, then raise the "
    "weight decay λ while it trains: the weights shrink and the gap between training and "
    "test loss closes; sweep λ in one job.",
    params=Params,
    package=__name__,
    # A snapshot (≈ 25 KB, 1–2.5 ms) every 100 steps, 25 epochs: four fork points in the
    # default 100 epochs, 0.1% of their 10 s at the default speed (about 3% flat out: 0.3 s).
    snapshot_every=100,
    book=[d2l("3.7", "Weight Decay", edition_0_14=("4.5", "Weight Decay"))],
    zefs=[
        ZefsChapter(2, "Avoiding overfitting"),
        ZefsChapter(2, "Generalization and overfitting"),
        ZefsChapter(5, "Regularization"),
    ],
    charts=[
        ChartSpec(
            "Loss", ["train_loss", "test_loss"], y_label="mean of (ŷ − y)²/2", log_scale=True
        ),
        ChartSpec(
            "Size of w: ‖w‖ (the classic edition's “L2 norm”), ‖w‖²/2 (the current one's)",
            ["w_norm", "w_half_squared_norm"],
            y_label="‖w‖, ‖w‖²/2",
            log_scale=True,
        ),
    ],
    presets=[
        Preset(
            "classic",
            "Classic edition (0.14)",
            "Weights drawn from N(0, 1), η = 0.003, 100 epochs; the book prints ‖w‖, the L2 "
            "norm (the metric `w_norm`).",
            {"init_std": 1.0, "lr": 0.003, "epochs": 100},
        ),
        Preset(
            "current",
            "Current edition (d2l.ai)",
            "Weights drawn from N(0, 0.01²), η = 0.01, 10 epochs; the book prints ‖w‖²/2 under "
            "the name “L2 norm” (the metric `w_half_squared_norm`).",
            {"init_std": 0.01, "lr": 0.01, "epochs": 10},
        ),
    ],
    what_to_try=[
        "Train with λ = 0, the book's first run: the training loss soon falls below 1e-5 while "
        "the test loss stays near 125. 200 weights can fit 20 examples exactly, and ‖w‖ stays "
        "near 14, where N(0, 1) put it (the true w has ‖w‖ = 0.14).",
        "Raise `weight_decay` to 3 while it trains: each step now shrinks w by the factor "
        "1 − ηλ ≈ 0.991 too. The weights' bars fall towards the true 0.01, the histogram piles "
        "up in its middle bins and the test loss drops by orders of magnitude: the gap closes. "
        "Trained with λ = 3 from the start, ‖w‖ ends near 0.38, as the book prints.",
        "Set `mode` to `sweep` and train: one job fits twelve values of λ with the same data "
        "and draws the final training loss, test loss and ‖w‖ against λ, a point as each fit "
        "ends (the charts show the same points: step n is the n-th λ, step 1 is λ = 0). The "
        "test loss falls as λ grows and is lowest near 10 to 30, where the training "
        "loss has risen to meet it. λ = 0 has no place on a log axis: it is drawn as level "
        "lines.",
        "Pick the current edition: weights from N(0, 0.01²), η = 0.01, 10 epochs. λ = 0 still "
        "fits the training set exactly, but starting from small weights the test loss is far "
        "lower (about 0.02), and λ = 3 halves it. That edition prints ‖w‖²/2 under the name "
        "“L2 norm”: it is `w_half_squared_norm` here; `w_norm` is ‖w‖.",
        "Switch to `concise` with λ = 3: nn.MSELoss has no ½, so at the same η its data steps "
        "are twice as long and the training loss ends lower. With η = 0.0015 and λ = 6 it "
        "takes exactly the scratch version's steps at η = 0.003 and λ = 3.",
        "Raise `num_train` to 400 with λ = 0: twice as many examples as inputs leave little "
        "room to overfit, and the test loss ends near 0.02 instead of 125.",
    ],
)

"""Polynomial fitting (book 4.4 in the 0.14 edition): underfitting, overfitting and model
complexity.

The book draws 100 training and 100 test examples from a cubic with noise and fits a linear
model to the features xⁱ/i!: with 4 features (the cubic's own) the weights come close to the
true ones, with 2 the fit stays bad on both sets, with all 20 it has room to fit the noise. The
learner watches the fitted curve bend over the data, and can sweep the number of features from
1 to 20 in one job to draw the training and test loss against model complexity.
"""

from core.book import ZefsChapter, d2l
from core.demo_spec import ChartSpec, DemoSpec, Preset
from workers.demos.polynomial_fit.params import Params

DEMO = DemoSpec(
    id="polynomial-fit",
    title="Polynomial fitting: underfitting and overfitting",
    summary="Fit the book's noisy cubic with 1 to 20 polynomial features and watch the fitted "
    "curve and its weights; sweep the number of features in one job to draw training and test "
    "loss against model complexity.",
    params=Params,
    package=__name__,
    # A snapshot (≈ 25 KB, mostly the generators; 1–2.5 ms) every 500 steps, 50 epochs: eight
    # fork points in the default 400 epochs, under 1% of the time even flat out.
    snapshot_every=500,
    # The polynomial experiment is in the 0.14 edition only; today's 3.6 keeps the ideas.
    book=[
        d2l(
            "3.6",
            "Generalization",
            edition_0_14=("4.4", "Model Selection, Underfitting, and Overfitting"),
        ),
    ],
    zefs=[
        ZefsChapter(2, "Generalization and overfitting"),
        ZefsChapter(2, "Model selection"),
        ZefsChapter(2, "Hyperparameters"),
    ],
    charts=[
        ChartSpec(
            "Loss",
            ["train_loss", "test_loss", "lstsq_train_loss", "lstsq_test_loss"],
            y_label="mean of (ŷ − y)²",
            log_scale=True,
        ),
    ],
    presets=[
        Preset(
            "normal",
            "Third-order fit (4 features)",
            "The book's normal fit: the features 1, x, x²/2!, x³/3!, the cubic's own, for 400 "
            "epochs.",
            {"mode": "train", "num_features": 4, "epochs": 400},
        ),
        Preset(
            "underfitting",
            "Linear fit (2 features)",
            "The book's underfitting: 1 and x only, for 400 epochs.",
            {"mode": "train", "num_features": 2, "epochs": 400},
        ),
        Preset(
            "overfitting",
            "All 20 features",
            "The book's overfitting: every feature up to x¹⁹/19!, for 1500 epochs.",
            {"mode": "train", "num_features": 20, "epochs": 1500},
        ),
        Preset(
            "sweep",
            "Complexity sweep (1 to 20 features)",
            "One job that fits every number of features from 1 to 20 for 400 epochs each and "
            "draws the final losses against it.",
            {"mode": "sweep", "epochs": 400},
        ),
    ],
    what_to_try=[
        "Train with the book's 4 features: the fitted curve settles on the true cubic, and the "
        "weights end within a few hundredths of 5, 1.2, −3.4, 5.6. Both losses fall to about "
        "σ² = 0.01, the noise itself: nothing better is possible.",
        "Pick 2 features: a straight line cannot follow the cubic, and the training and test "
        "losses both stay high (underfitting).",
        "Pick all 20 features for 1500 epochs: the extra weights stay small but not zero, and "
        "the test loss ends above the 4-feature fit's. So does the training loss: SGD learns "
        "the high powers' weights slowly, as their features are tiny for most x, and has not "
        "reached the best fit; the least-squares fit, which has, fits the training set better "
        "and the test set thousands of times worse.",
        "Set `mode` to `sweep` and train (or pick the complexity-sweep preset): one job fits 1 "
        "to 20 features and draws the final losses against the number of features, a point "
        "as each fit ends (the Loss chart shows the same points: step n is the fit with n "
        "features). The test loss is lowest at 4 features. The least-squares curves "
        "show where unlimited training goes: the training loss keeps falling as features are "
        "added, while the test loss rises steeply past about a dozen: the U of figure 4.4.1.",
        "Lower `num_train` to 15 and sweep again: the least-squares test loss now climbs from "
        "5 features on, to about 10¹⁵ at 20: the fewer the examples, the sooner extra features "
        "hurt.",
        "Raise the noise to 1: the 4-feature fit's losses rise to about σ² = 1. The noise sets "
        "the floor, whatever the model.",
        "Raise η to 0.1 while the 20-feature fit trains: the high powers' weights learn "
        "faster and the test loss ends lower. At 0.3 the large features of the tails (x up to "
        "about 3) make it blow up.",
    ],
)

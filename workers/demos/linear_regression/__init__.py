"""Linear regression (book 3.1–3.3 in the 0.14 edition; 3.1–3.5 today): minibatch SGD finds w
and b.

The book draws 1000 examples of y = Xw + b + noise with w = [2, −3.4] and b = 4.2, and fits a
linear model by minibatch SGD on the squared loss: first with everything written by hand, then
with nn.Linear, nn.MSELoss and torch.optim.SGD. The learner watches ŵ travel over the loss
surface, the fitted model close in on the data, and the errors of ŵ and b̂ shrink.
"""

from core.book import ZefsChapter, d2l
from core.demo_spec import ChartSpec, DemoSpec, Preset
from workers.demos.linear_regression.params import Params

DEMO = DemoSpec(
    id="linear-regression",
    title="Linear regression by minibatch SGD",
    summary="Fit the book's synthetic data with minibatch SGD, from scratch or with nn.Linear: "
    "watch ŵ travel over the loss surface, the fit close in on the data, and the errors of "
    "ŵ and b̂ shrink; learning rate and batch size live.",
    params=Params,
    package=__name__,
    book=[
        d2l(
            "3.4",
            "Linear Regression Implementation from Scratch",
            edition_0_14=("3.2", "Linear Regression Implementation from Scratch"),
        ),
        d2l(
            "3.5",
            "Concise Implementation of Linear Regression",
            edition_0_14=("3.3", "Concise Implementation of Linear Regression"),
        ),
        d2l("3.1", "Linear Regression"),
        d2l(
            "3.3",
            "Synthetic Regression Data",
            edition_0_14=("3.2", "Linear Regression Implementation from Scratch"),
        ),
    ],
    zefs=[
        ZefsChapter(2, "Loss functions"),
        ZefsChapter(2, "Parameter optimization"),
        ZefsChapter(3, "Learning via gradient descent"),
    ],
    charts=[
        ChartSpec("Loss", ["loss", "train_loss", "val_loss"], y_label="(ŷ − y)²/2", log_scale=True),
        ChartSpec(
            "Error of the estimates",
            ["w_error", "b_error"],
            y_label="‖ŵ − w‖, |b̂ − b|",
            log_scale=True,
        ),
        ChartSpec("Estimates", ["w1", "w2", "b"], y_label="value"),
    ],
    presets=[
        Preset(
            "classic",
            "Classic edition (0.14)",
            "Minibatches of 10 and no validation set, as in the 0.14 edition.",
            {"batch_size": 10, "num_val": 0},
        ),
        Preset(
            "current",
            "Current edition (d2l.ai)",
            "Minibatches of 32, and 1000 validation examples drawn with the training set, "
            "whose loss is reported after each epoch, as on d2l.ai today.",
            {"batch_size": 32, "num_val": 1000},
        ),
    ],
    # The book's run is 300 steps at 20 a second: a fork point every 2.5 seconds, 6 in all. A
    # snapshot (three numbers and the generators) takes about a millisecond, a step's wait 50.
    snapshot_every=50,
    what_to_try=[
        "Run the book's settings: in 3 epochs (300 steps) ŵ and b̂ come within about a "
        "thousandth of the true w and b. The features are independent with unit variance, so "
        "the contours are nearly circles and the path heads straight for the lowest point.",
        "Raise η while it runs: the job logs 2/λ_max, the largest step full-batch gradient "
        "descent survives (about 1.8: the features have unit variance, so the loss curves about "
        "equally in every direction). Below it the path zigzags across the bowl; past it each "
        "step overshoots by more than it corrects and ŵ blows up. Batches of 10 give way a "
        "little earlier.",
        "Set the batch size to 1 while it runs, then to 1000: single examples make a jittery "
        "path, the whole set a smooth one (plain gradient descent) with one step per epoch.",
        "Run `concise` with η = 0.015 and the same seed as a `scratch` run with η = 0.03: "
        "nn.MSELoss has no ½, so its gradient is twice as large, and at half the learning "
        "rate the concise version takes exactly the scratch version's steps.",
        "Raise the noise to 1: the fitted line still finds the trend, but the errors of ŵ and "
        "b̂ stop shrinking at a few hundredths, the limit the noise sets for 1000 examples.",
        "Pick the current edition: with minibatches of 32, 3 epochs are a third as many steps, "
        "and ŵ ends a tenth or two from w, as the current book prints; the validation loss "
        "after each epoch stays level with the training loss (nothing to overfit here).",
    ],
)

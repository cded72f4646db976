"""Softmax regression (book 3.4–3.7): one linear layer, the softmax and the cross-entropy loss
classify Fashion-MNIST, from scratch (3.6) or with `nn.Linear` and `nn.CrossEntropyLoss` (3.7).

Each class's weights are an image of what it looks for, and the learner watches the ten of
them take shape, one test image's class probabilities sharpen, and at the end the confusion
matrix. The book's settings are the same in both editions, so there are no edition presets.
"""

from core.book import ZefsChapter, d2l
from core.demo_spec import ChartSpec, DemoSpec
from workers.demos.softmax_regression.params import Params

DEMO = DemoSpec(
    id="softmax-regression",
    title="Softmax regression: what each class looks for",
    summary="Classify Fashion-MNIST (or digits) with one linear layer and the softmax: watch "
    "each class's weights turn into a picture of it, a test image's probabilities sharpen, "
    "and end with a confusion matrix.",
    params=Params,
    package=__name__,
    # A snapshot (≈ 55 KB, 1–2.5 ms) every 50 steps: 0.1% of a run at the default 30 steps/s
    # (up to 2% flat out on a CPU); one inside the digits' 60 steps, dozens in Fashion-MNIST's.
    snapshot_every=50,
    book=[
        d2l("4.1", "Softmax Regression", edition_0_14=("3.4", "Softmax Regression")),
        d2l(
            "4.2",
            "The Image Classification Dataset",
            edition_0_14=("3.5", "The Image Classification Dataset"),
        ),
        d2l(
            "4.4",
            "Softmax Regression Implementation from Scratch",
            edition_0_14=("3.6", "Implementation of Softmax Regression from Scratch"),
        ),
        d2l(
            "4.5",
            "Concise Implementation of Softmax Regression",
            edition_0_14=("3.7", "Concise Implementation of Softmax Regression"),
        ),
    ],
    zefs=[
        ZefsChapter(2, "Loss functions"),
        ZefsChapter(2, "Measuring performance"),
        ZefsChapter(3, "Output layers"),
    ],
    charts=[
        ChartSpec("Loss", ["train_loss"], y_label="cross-entropy"),
        ChartSpec("Accuracy", ["train_acc", "test_acc"], y_label="accuracy"),
        ChartSpec("Learning rate", ["lr"], y_label="η"),
    ],
    what_to_try=[
        "Watch the class weights: from noise, each turns into a blurry template of its class "
        "(a trouser's two legs, a sandal's straps, a digit's strokes), red where the class "
        "wants ink and blue where it wants none.",
        "The loss starts at ln 10 ≈ 2.30: with weights near zero every class gets a "
        "probability of about 0.1. Chance accuracy is 0.1 too.",
        "Pick another `probe_index` while it trains and see how sure the model is about that "
        "image; the true class's bar is highlighted.",
        "Raise the learning rate to 1, then 10, while it trains: the steps overshoot and the "
        "loss jumps far above ln 10 before it falls again, and the weight images turn grainy.",
        "Set `speed` to 0 to finish the book's 10 epochs at once: on Fashion-MNIST the test "
        "accuracy ends near 0.83, as in the book (about 0.93 on the digits).",
        "Switch to the `concise` implementation: the same model and loss, so the curves look "
        "the same (only the bias starts differently).",
        "Read the most confused pairs at the end: on Fashion-MNIST, shirts taken for coats, "
        "t-shirts and pullovers, and pullovers for coats; on the digits, 1s and 8s for 9s.",
    ],
)

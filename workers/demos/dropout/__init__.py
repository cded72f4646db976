"""Dropout (book 4.6): the MLP 784 → 256 → 256 → 10 with dropout after each hidden layer.

The learner watches which hidden units each step drops (a fresh random mask for every example
at every step), the first layer's weights, and the gap between training and test loss and
accuracy, both measured with dropout off. On a small training set the network overfits, and
turning dropout off mid-run widens the gap. The two editions differ in the dropout
probabilities and the learning rate, hence the presets.
"""

from core.book import ZefsChapter, d2l
from core.demo_spec import ChartSpec, DemoSpec, Preset
from workers.demos.dropout.params import Params

DEMO = DemoSpec(
    id="dropout",
    title="Dropout: noise that closes the generalization gap",
    summary="Train the book's 784 → 256 → 256 → 10 MLP with dropout on Fashion-MNIST (or "
    "digits): watch the random masks drop hidden units at every step, and the gap between "
    "training and test accuracy open when dropout is turned off on a small training set.",
    params=Params,
    package=__name__,
    # A snapshot is ≈ 1.1 MB (the 784 × 256 weights), 2–4 ms: every 100 steps costs 0.1% of a
    # run at the default 30 steps/s (under 1% flat out on a CPU), 24 in the book's 2,350 steps.
    snapshot_every=100,
    book=[d2l("5.6", "Dropout", edition_0_14=("4.6", "Dropout"))],
    zefs=[
        ZefsChapter(2, "Generalization and overfitting"),
        ZefsChapter(2, "Avoiding overfitting"),
        ZefsChapter(5, "Regularization"),
    ],
    charts=[
        ChartSpec("Loss", ["train_loss", "test_loss", "minibatch_loss"], y_label="cross-entropy"),
        ChartSpec("Accuracy", ["train_acc", "test_acc"], y_label="accuracy"),
        ChartSpec("Generalization gap", ["accuracy_gap", "loss_gap"], y_label="gap"),
        ChartSpec("Units dropped", ["dropped_*"], y_label="share dropped"),
        ChartSpec("Learning rate", ["lr"], y_label="η"),
    ],
    presets=[
        Preset(
            "classic",
            "Classic edition (0.14)",
            "Dropout 0.2 after the first hidden layer and 0.5 after the second; SGD with "
            "η = 0.5, batches of 256, 10 epochs.",
            {"dropout1": 0.2, "dropout2": 0.5, "lr": 0.5},
        ),
        Preset(
            "current",
            "Current edition (d2l.ai)",
            "Dropout 0.5 after both hidden layers; SGD with η = 0.1, batches of 256, 10 epochs.",
            {"dropout1": 0.5, "dropout2": 0.5, "lr": 0.1},
        ),
        Preset(
            "small-training-set",
            "Small training set (overfits)",
            "100 training images in minibatches of 25 with η = 0.1, for 250 epochs (1,000 "
            "steps, about half a minute at 30 steps/s): the network learns every one of them "
            "and the gap to the test set opens. The dropout probabilities stay as they are.",
            {"train_examples": 100, "batch_size": 25, "lr": 0.1, "epochs": 250},
        ),
    ],
    what_to_try=[
        "Watch the masks: every step draws new ones, a different set of units for every "
        "example (each row). About a fifth of the first layer's units are black and half of "
        "the second's; the titles count them.",
        "Pick `small training set` and train: the training accuracy reaches 1 while the test "
        "accuracy stays lower (about 0.88 on the digits), and the test loss keeps climbing "
        "away from the training loss, which falls to almost 0. That gap is overfitting.",
        "Train the small set again and, at about step 100, set both dropout probabilities to "
        "0: from that step the masks turn white, and the test loss climbs faster. On the "
        "digits the loss gap over the second half of the run is about 1.0 instead of 0.85 "
        "with dropout, while the accuracy gap hardly moves: what grows is how confidently "
        "the network is wrong.",
        "The train and test curves are measured with dropout off (`net.eval()`), as the "
        "network is used; `minibatch_loss` is the loss SGD sees with dropout on, higher than "
        "`train_loss`, since half the second layer is missing at each step.",
        "Set `dropout2` to 1 while it trains: nothing gets through the second layer, so "
        "`minibatch_loss` jumps to ln 10 ≈ 2.30 and no weight but the output biases changes "
        "any more. The test accuracy stays where it was: evaluation uses the whole network.",
        "Switch to the `concise` implementation (`nn.Dropout`): the same model. Its masks show "
        "grey where the ReLU gave 0: there was nothing to drop, and `nn.Dropout` keeps its "
        "mask to itself, so the demo can only see it where the output changed.",
        "The classic preset's η = 0.5 suits batches of 256; with the small set's batches of 25 "
        "it is too large and training collapses to near chance. The current edition uses "
        "η = 0.1 "
        "and drops half the units of both layers.",
    ],
)

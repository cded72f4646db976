"""Multilayer perceptrons (book 4.1–4.3): a hidden layer bends the decision boundary.

On points in a plane (two circles, moons, XOR, spirals, blobs) the learner watches the
boundary an MLP draws between the classes, and what each hidden unit responds to; with no
hidden layer (softmax regression) the boundaries stay straight. On images, the book's
784 → 256 → 10 network on Fashion-MNIST, its first layer's weights, a confusion matrix.
"""

from core.book import ZefsChapter, d2l
from core.demo_spec import ChartSpec, DemoSpec, Preset
from workers.demos.mlp.params import Params

DEMO = DemoSpec(
    id="mlp",
    title="A hidden layer bends the boundary",
    summary="Train a multilayer perceptron on points in a plane and watch its decision "
    "boundary bend around the classes (and each hidden unit's response), or train the book's "
    "784 → 256 → 10 network on Fashion-MNIST.",
    params=Params,
    package=__name__,
    # Today's 5.2 holds both the 0.14 edition's 4.2 (from scratch) and 4.3 (concise).
    book=[
        d2l("5.1", "Multilayer Perceptrons", edition_0_14=("4.1", "Multilayer Perceptrons")),
        d2l(
            "5.2",
            "Implementation of Multilayer Perceptrons",
            edition_0_14=("4.2", "Implementation of Multilayer Perceptrons from Scratch"),
        ),
    ],
    zefs=[
        ZefsChapter(3, "Activation functions"),
        ZefsChapter(3, "What a neural network does"),
    ],
    charts=[
        ChartSpec("Loss", ["train_loss", "test_loss"], y_label="cross-entropy"),
        ChartSpec("Accuracy", ["train_acc", "test_acc"], y_label="accuracy"),
        ChartSpec("Learning rate", ["lr"], y_label="η"),
    ],
    presets=[
        Preset(
            "book",
            "The book's settings (Fashion-MNIST)",
            "784 → 256 ReLU → 10, weights from N(0, 0.01²), SGD with η = 0.1, batches of "
            "256, 10 epochs: the same in both editions. Downloads Fashion-MNIST once.",
            {
                "dataset": "fashion-mnist",
                "hidden": [256],
                "activation": "relu",
                "init": "normal",
                "lr": 0.1,
                "weight_decay": 0.0,
                "batch_size": 256,
                "epochs": 10,
                "speed": 0.0,
            },
        ),
    ],
    what_to_try=[
        "Train on the two circles as it starts (one hidden layer of 8 ReLU units): the "
        "boundary closes into a polygon around the inner class. Each hidden unit's picture is "
        "one straight ramp across the plane; the output layer adds them up into the edges.",
        "Set `hidden` to [] (no hidden layer: softmax regression) and train again: a straight "
        "line is the best it can draw, and about half the test points stay wrong.",
        "Try `hidden` = [2], then [3] on the circles: two ReLU units cannot close the boundary; "
        "three can, into a triangle (on some seeds; try another if it stays open).",
        "Switch the activation to tanh with η = 0.3, or to GELU: the polygon's corners round "
        "off. Sigmoid learns far more slowly (its slope is at most ¼): at η = 0.1 the loss "
        "stays near ln 2 ≈ 0.69 for the whole run.",
        "Pick `init` = `normal`, the book's N(0, 0.01²): on the circles the tiny weights make a "
        "slow start, and 100 epochs end near 75% test accuracy instead of 95%.",
        "On `spirals` one hidden layer of 8 units is not enough. Try noise 0.05, `hidden` = "
        "[32, 32, 32], η = 0.3 and 300 epochs: the boundary winds along both arms.",
        "On `blobs`, [] does as well as any MLP: three classes that straight lines separate.",
        "Raise `weight_decay` to 0.01 while it trains: the tints pale as the network grows "
        "less sure, and the training loss rises.",
        "Pick the `book` preset (Fashion-MNIST): the book's plot ends near 85% test accuracy "
        "after 10 epochs, a little above softmax regression's (set `hidden` to []); the first "
        "layer's weights look like faint pieces of clothing.",
        "Offline, the `book` preset on `digits` makes only 60 steps: started from tiny weights, "
        "the MLP ends behind softmax regression (about 73% against 93%). Give both 50 epochs "
        "and they meet near 95%.",
    ],
)

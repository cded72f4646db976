"""Batch normalization (book 7.5; today's 8.5) and ResNet (7.6; today's 8.6): why the deep
networks of chapter 7 train at all.

The same deep network is trained plain, with batch normalization, with residual connections
or with both, side by side on the same minibatches. At depth 20 the plain network's signal
and gradient fade layer after layer and its loss sits near ln 10 while the others learn. The
learner watches each layer's activations, the gradient norm of each layer, and batch
normalization's learned scale γ and shift β. The book's LeNet with batch normalization and a
small ResNet come as presets.
"""

from core.book import ZefsChapter, d2l
from core.demo_spec import ChartSpec, DemoSpec, Preset
from workers.demos.deep_nets.params import Params

LENET = {"network": "lenet", "plain": True, "bn": True, "residual": False, "bn_residual": False}

DEMO = DemoSpec(
    id="deep-nets",
    title="Why deep networks train: batch norm and residual connections",
    summary="A 20-layer CNN trained plain, with batch normalization, with residual connections "
    "and with both, side by side on the same minibatches: the plain one barely moves while the "
    "others learn. Watch each layer's activations and gradient norm, and batch norm's γ and β.",
    params=Params,
    package=__name__,
    book=[
        d2l("8.5", "Batch Normalization", edition_0_14=("7.5", "Batch Normalization")),
        d2l(
            "8.6",
            "Residual Networks (ResNet) and ResNeXt",
            edition_0_14=("7.6", "Residual Networks (ResNet)"),
        ),
    ],
    zefs=[
        ZefsChapter(4, "What made deep networks possible"),
        ZefsChapter(5, "ResNet"),
        ZefsChapter(5, "Batch normalization"),
    ],
    # A snapshot holds every variant's weights, moving statistics and the generators: about
    # 0.8 MB for the default four 20-layer networks of width 8, a few ms to capture. A step of
    # the four takes ~40 ms on one CPU core, so 200 steps (8 s) between snapshots keep them
    # under 0.1% of the time; on Fashion-MNIST (470 steps an epoch) that is two an epoch.
    snapshot_every=200,
    charts=[
        ChartSpec("Training loss", ["train_loss_*"], y_label="cross-entropy", log_scale=True),
        ChartSpec("Test accuracy", ["test_acc_*"], y_label="accuracy"),
        ChartSpec("Training accuracy", ["train_acc_*"], y_label="accuracy"),
        ChartSpec("Learning rate", ["lr"], y_label="η"),
        ChartSpec("Throughput", ["examples_per_sec"], y_label="examples/s (all variants)"),
    ],
    presets=[
        Preset(
            "deep",
            "Depth 20, four ways",
            "A 20-layer network (ResNet-20's shape, 8 to 32 channels) plain, with batch norm, "
            "with shortcuts and with both: SGD with η = 0.2, batches of 64.",
            {
                "network": "resnet",
                "depth": 20,
                "width": 8,
                "plain": True,
                "bn": True,
                "residual": True,
                "bn_residual": True,
                "lr": 0.2,
                "batch_size": 64,
                "epochs": 10,
            },
        ),
        Preset(
            "classic",
            "LeNet + BN, classic edition (0.14)",
            "The book's LeNet with batch normalization against LeNet without it (sigmoid, max "
            "pooling): SGD with η = 1.0, batches of 256, 10 epochs.",
            {**LENET, "lr": 1.0, "batch_size": 256, "epochs": 10},
        ),
        Preset(
            "current",
            "LeNet + BN, current edition (d2l.ai)",
            "The same two networks with the current edition's settings: η = 0.1, batches of "
            "128, 10 epochs.",
            {**LENET, "lr": 0.1, "batch_size": 128, "epochs": 10},
        ),
        Preset(
            "resnet",
            "Small ResNet",
            "The book's ResNet-18 on Fashion-MNIST resized to 96×96 is too heavy for a CPU, so "
            "this is its design made small: 28×28 images, 3 stages of 2 Residual blocks "
            "(16, 32, 64 channels; 14 layers), against the same network plain. The book's "
            "classic settings: η = 0.05, batches of 256, 10 epochs (current: 0.01 and 128).",
            {
                "network": "resnet",
                "depth": 14,
                "width": 16,
                "plain": True,
                "bn": False,
                "residual": False,
                "bn_residual": True,
                "lr": 0.05,
                "batch_size": 256,
                "epochs": 10,
            },
        ),
    ],
    what_to_try=[
        "Run the defaults: within the first hundred steps the batch-normalized and residual "
        "networks' losses fall while the plain network's stays near ln 10 ≈ 2.3, chance "
        "among ten classes.",
        "Look at `gradient norms`: the plain network's first layers get gradients thousands "
        "of times smaller than its last, so they hardly learn; with batch norm or shortcuts "
        "every layer's gradient stays within a factor of ten or so. `activations (plain)` "
        "shows its outputs shrinking and more of them exactly zero, block after block.",
        "Lower `depth` to 6 and compare: the shallower the network, the closer the plain "
        "one's curve comes to the others'.",
        "Raise the learning rate to 1 while it trains: the batch-normalized networks take it, "
        "the residual one without batch norm may not (a NaN ends the run as diverged).",
        "Pick the classic LeNet preset: the book's sigmoid LeNet learns within the first "
        "epoch with batch normalization, and only slowly without it. `BN scale γ` shows the "
        "scales it learns per channel.",
        "Pick the small ResNet preset on Fashion-MNIST for the book's 7.6 network, made small "
        "enough for a CPU.",
    ],
)

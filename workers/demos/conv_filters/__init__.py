"""LeNet's filters and feature maps as it trains (book 6.6 LeNet, 7.5 Batch Normalization).

LeNet learns to classify 28×28 images; the learner watches the first layer's filters take
shape from noise and the feature maps of one test image change. The book's LeNet (sigmoid,
average pooling) trains next to its modern form (ReLU, max pooling, batch normalization).
"""

from core.book import ZefsChapter, d2l
from core.demo_spec import ChartSpec, DemoSpec
from workers.demos.conv_filters.params import Params

DEMO = DemoSpec(
    id="conv-filters",
    title="LeNet's filters and feature maps",
    summary="Train LeNet on Fashion-MNIST, MNIST or digits and watch its first-layer filters "
    "and the feature maps of a test image take shape; end with a confusion matrix.",
    params=Params,
    package=__name__,
    book=[
        d2l(
            "7.6",
            "Convolutional Neural Networks (LeNet)",
            edition_0_14=("6.6", "Convolutional Neural Networks (LeNet)"),
        ),
        d2l("8.5", "Batch Normalization", edition_0_14=("7.5", "Batch Normalization")),
    ],
    zefs=[
        ZefsChapter(5, "A basic CNN architecture"),
        ZefsChapter(5, "Batch normalization"),
    ],
    needs_gpu=True,  # minutes per run on a CPU, seconds on a GPU
    # A snapshot (≈ 270 KB, a few ms with the copy from the GPU) every 250 steps: about ten in
    # the book's 2,350 steps of Fashion-MNIST, about 1% of the seconds they take on a GPU.
    snapshot_every=250,
    charts=[
        ChartSpec("Loss", ["train_loss"], y_label="cross-entropy"),
        ChartSpec("Accuracy", ["train_acc", "test_acc"], y_label="accuracy"),
        ChartSpec("Learning rate", ["lr"], y_label="η"),
        ChartSpec("Throughput", ["examples_per_sec"], y_label="examples/s"),
    ],
    what_to_try=[
        "Watch the first-layer filters: within an epoch they turn from noise into edge and "
        "blob detectors, and the feature maps show which parts of the probe image each finds.",
        "Switch to the book's `lenet`: the loss sits near ln 10 ≈ 2.3 for a long while before "
        "the sigmoid network starts to learn (on the small digits set it may never start), "
        "and its filters stay blurry. Batch normalization (7.5) is what fixes this.",
        "Halve the learning rate while it trains, then raise it back: the loss curve bends "
        "within a few steps.",
        "Change `probe_index` while it trains to see how different images light up the maps.",
        "Use the `adam` optimizer with η = 1e-3, and compare its loss curve with SGD's.",
        "Look at the most confused pairs at the end: on Fashion-MNIST, shirts, t-shirts, "
        "pullovers and coats.",
    ],
)

"""LeNet (book 6.6) and a modern LeNet (7.5), trained while the learner watches inside.

The training loop is the book's (`train_ch6`): minibatch SGD on the cross-entropy loss, test
accuracy after each epoch. Two things make it fast enough to watch: the dataset lives on the
training device (shuffling is one permutation there, a minibatch one indexing), and the running
loss and accuracy stay on the device between reports, so the device never waits for Python.
"""

import math
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from backend.events import FrameKind
from workers import datasets
from workers.context import JobContext
from workers.datasets import ImageDataset, shuffled_minibatches
from workers.demos.conv_filters import Params
from workers.demos.conv_filters.pictures import diverging, grey, grid, png, side_by_side

IMAGE_SIDE = 28  # every dataset here is 28×28 greyscale
METRICS_EVERY_STEPS = 10
PICTURES_EVERY_SECONDS = 2.0  # often enough to look alive, rare enough to cost little
EVALUATION_BATCH = 1024
CONFUSED_SHOWN = 16
FEATURE_MAP_LAYERS = ("act1", "act2")  # the output of each conv block, as the next layer sees it

# -- The models -----------------------------------------------------------------------------


def flattened_side(kernel_size: int) -> int:
    """Side of the second block's output: the first conv keeps 28 (padded), pooling halves it,
    the second conv (unpadded) takes kernel_size − 1 away, pooling halves it again."""
    return (IMAGE_SIDE // 2 - kernel_size + 1) // 2


def lenet(
    conv1_channels: int, conv2_channels: int, kernel_size: int, num_classes: int
) -> nn.Sequential:
    """The book's LeNet-5 (6.6.1): sigmoid activations, average pooling, Xavier init."""
    side = flattened_side(kernel_size)
    net = nn.Sequential(
        OrderedDict(
            conv1=nn.Conv2d(1, conv1_channels, kernel_size, padding=kernel_size // 2),
            act1=nn.Sigmoid(),
            pool1=nn.AvgPool2d(kernel_size=2, stride=2),
            conv2=nn.Conv2d(conv1_channels, conv2_channels, kernel_size),
            act2=nn.Sigmoid(),
            pool2=nn.AvgPool2d(kernel_size=2, stride=2),
            flatten=nn.Flatten(),
            fc1=nn.Linear(conv2_channels * side * side, 120),
            act3=nn.Sigmoid(),
            fc2=nn.Linear(120, 84),
            act4=nn.Sigmoid(),
            fc3=nn.Linear(84, num_classes),
        )
    )
    net.apply(init_xavier)
    return net


def init_xavier(module: nn.Module) -> None:
    """The book's initialization: Xavier-uniform weights for conv and dense layers."""
    if isinstance(module, nn.Linear | nn.Conv2d):
        nn.init.xavier_uniform_(module.weight)


def lenet_modern(
    conv1_channels: int, conv2_channels: int, kernel_size: int, num_classes: int
) -> nn.Sequential:
    """LeNet with batch normalization (7.5), ReLU and max pooling, PyTorch's default init.

    Batch normalization follows each conv and dense layer, before the activation; its shift
    makes the layer's own bias redundant, so those layers have none.
    """
    side = flattened_side(kernel_size)
    return nn.Sequential(
        OrderedDict(
            conv1=nn.Conv2d(1, conv1_channels, kernel_size, padding=kernel_size // 2, bias=False),
            bn1=nn.BatchNorm2d(conv1_channels),
            act1=nn.ReLU(),
            pool1=nn.MaxPool2d(kernel_size=2, stride=2),
            conv2=nn.Conv2d(conv1_channels, conv2_channels, kernel_size, bias=False),
            bn2=nn.BatchNorm2d(conv2_channels),
            act2=nn.ReLU(),
            pool2=nn.MaxPool2d(kernel_size=2, stride=2),
            flatten=nn.Flatten(),
            fc1=nn.Linear(conv2_channels * side * side, 120, bias=False),
            bn3=nn.BatchNorm1d(120),
            act3=nn.ReLU(),
            fc2=nn.Linear(120, 84, bias=False),
            bn4=nn.BatchNorm1d(84),
            act4=nn.ReLU(),
            fc3=nn.Linear(84, num_classes),
        )
    )


MODELS = {"lenet": lenet, "lenet-modern": lenet_modern}


def build_model(params: Params, num_classes: int) -> nn.Sequential:
    make = MODELS[params.model]
    return make(params.conv1_channels, params.conv2_channels, params.kernel_size, num_classes)


def feature_maps(net: nn.Sequential, image: Tensor) -> dict[str, Tensor]:
    """The probe image's activations after each conv block, for one (1, 1, H, W) image."""
    maps: dict[str, Tensor] = {}
    x = image
    for name, layer in net.named_children():
        x = layer(x)
        if name in FEATURE_MAP_LAYERS:
            maps[name] = x[0]
        if len(maps) == len(FEATURE_MAP_LAYERS):
            return maps
    return maps


# -- The optimizer, with live hyperparameters ----------------------------------------------


def make_optimizer(net: nn.Module, params: Params) -> torch.optim.Optimizer:
    if params.optimizer == "adam":
        return torch.optim.Adam(net.parameters(), lr=params.lr, weight_decay=params.weight_decay)
    momentum = params.momentum if params.optimizer == "momentum" else 0.0
    return torch.optim.SGD(
        net.parameters(), lr=params.lr, momentum=momentum, weight_decay=params.weight_decay
    )


def set_live_hyperparameters(optimizer: torch.optim.Optimizer, params: Params) -> None:
    """Write the hyperparameters in force into the optimizer; its next step uses them."""
    for group in optimizer.param_groups:
        group["lr"] = params.lr
        group["weight_decay"] = params.weight_decay
        if params.optimizer == "momentum":
            group["momentum"] = params.momentum


# -- Training -------------------------------------------------------------------------------


def autocast(device: torch.device) -> torch.autocast:
    """bfloat16 mixed precision on a GPU (no loss scaling needed); full precision on a CPU."""
    return torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda")


class RunningTotals:
    """Loss and accuracy summed since the last report (the book's `Accumulator`).

    The sums stay on the device: reading one makes the device finish its queued work, so that
    happens once per report instead of once per step.
    """

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.reset()

    def reset(self) -> None:
        self.loss = torch.zeros((), device=self.device)
        self.correct = torch.zeros((), device=self.device, dtype=torch.long)
        self.examples = 0
        self.started = time.perf_counter()

    def add(self, loss: Tensor, y_hat: Tensor, y: Tensor) -> None:
        self.loss += loss.detach().float() * len(y)
        self.correct += (y_hat.argmax(dim=1) == y).sum()
        self.examples += len(y)

    def report(self) -> dict[str, float]:
        values = {
            "train_loss": self.loss.item() / self.examples,
            "train_acc": self.correct.item() / self.examples,
            "examples_per_sec": self.examples / (time.perf_counter() - self.started),
        }
        self.reset()
        return values


@dataclass
class Training:
    steps: int = 0
    examples: int = 0
    seconds: float = 0.0  # in the training loop, evaluation left out
    train_loss: float = math.nan
    train_acc: float = math.nan
    test_acc: float = math.nan
    test_probabilities: Tensor | None = None  # after the last epoch

    @property
    def examples_per_sec(self) -> float:
        return self.examples / self.seconds if self.seconds else 0.0


def fit(ctx: JobContext[Params], net: nn.Module, data: ImageDataset) -> Training:
    """Train for `epochs`, reporting as the book's `train_ch6` plots, and showing the insides."""
    params = ctx.params
    optimizer = make_optimizer(net, params)
    loss = nn.CrossEntropyLoss()
    shuffling = torch.Generator(device=data.device).manual_seed(params.seed)
    totals = RunningTotals(data.device)
    training = Training()
    pictures = PictureSchedule()
    pictures.show(ctx, net, data)

    for epoch in range(1, params.epochs + 1):
        epoch_started = time.perf_counter()
        totals.reset()
        batches = shuffled_minibatches(
            data.train_images, data.train_labels, params.batch_size, shuffling
        )
        for X, y in batches:
            training.steps += 1
            params = ctx.checkpoint(training.steps)
            set_live_hyperparameters(optimizer, params)
            l, y_hat = train_step(net, loss, optimizer, X, y)  # noqa: E741 - the book's name
            totals.add(l, y_hat, y)
            training.examples += len(y)
            if training.steps % METRICS_EVERY_STEPS == 0:
                report_training(ctx, totals, optimizer, training)
            if pictures.due(params.probe_index):
                pictures.show(ctx, net, data)
        if totals.examples:
            report_training(ctx, totals, optimizer, training)
        training.seconds += time.perf_counter() - epoch_started
        evaluate(ctx, net, data, training, epoch)
    pictures.show(ctx, net, data)
    return training


def train_step(
    net: nn.Module, loss: nn.Module, optimizer: torch.optim.Optimizer, X: Tensor, y: Tensor
) -> tuple[Tensor, Tensor]:
    """One minibatch step: forward, loss, gradients by backpropagation, update."""
    with autocast(X.device):
        y_hat = net(X)
        l = loss(y_hat, y)  # noqa: E741 - the book's name
    optimizer.zero_grad(set_to_none=True)
    l.backward()
    optimizer.step()
    return l, y_hat


def report_training(
    ctx: JobContext[Params],
    totals: RunningTotals,
    optimizer: torch.optim.Optimizer,
    training: Training,
) -> None:
    values = totals.report()
    training.train_loss, training.train_acc = values["train_loss"], values["train_acc"]
    ctx.metric({**values, "lr": optimizer.param_groups[0]["lr"]})


def evaluate(
    ctx: JobContext[Params], net: nn.Module, data: ImageDataset, training: Training, epoch: int
) -> None:
    """Test accuracy at the end of an epoch, and the epoch's line as the book prints it."""
    training.test_probabilities = predict(net, data.test_images)
    predicted = training.test_probabilities.argmax(dim=1)
    training.test_acc = (predicted == data.test_labels).float().mean().item()
    ctx.metric({"test_acc": training.test_acc})
    ctx.log(
        f"epoch {epoch}: loss {training.train_loss:.3f}, train acc {training.train_acc:.3f}, "
        f"test acc {training.test_acc:.3f}, {training.examples_per_sec:.0f} examples/sec"
    )


@torch.no_grad()
def predict(net: nn.Module, images: Tensor) -> Tensor:
    """Class probabilities for every image, in evaluation mode (batch norm's running stats)."""
    net.eval()
    with autocast(images.device):
        logits = [net(X) for X in images.split(EVALUATION_BATCH)]
    net.train()
    return torch.cat(logits).float().softmax(dim=1)


# -- What the learner sees ------------------------------------------------------------------


class PictureSchedule:
    """Shows filters and feature maps every PICTURES_EVERY_SECONDS, and at once when the
    learner picks another probe image."""

    def __init__(self) -> None:
        self.last_shown = -math.inf
        self.probe_index: int | None = None

    def due(self, probe_index: int) -> bool:
        elapsed = time.monotonic() - self.last_shown
        return elapsed >= PICTURES_EVERY_SECONDS or probe_index != self.probe_index

    @torch.no_grad()
    def show(self, ctx: JobContext[Params], net: nn.Sequential, data: ImageDataset) -> None:
        index = ctx.params.probe_index % len(data.test_labels)
        if ctx.params.probe_index != self.probe_index:
            probe = data.test_images[index, 0].cpu().numpy()
            ctx.frame("probe_image", FrameKind.image, png(grey(probe, 0, 1)))
        ctx.frame("conv1_filters", FrameKind.image_grid, first_layer_filters(net.conv1.weight))
        ctx.frame("conv2_filters", FrameKind.image_grid, second_layer_filters(net.conv2.weight))
        net.eval()
        maps = feature_maps(net, data.test_images[index : index + 1])
        net.train()
        for name, activations in maps.items():
            frame_name = name.replace("act", "conv") + "_maps"
            ctx.frame(frame_name, FrameKind.image_grid, feature_map_grid(activations))
        self.last_shown, self.probe_index = time.monotonic(), ctx.params.probe_index


def first_layer_filters(weight: Tensor) -> dict[str, Any]:
    """One picture per filter (out, 1, k, k); one colour scale for the whole layer, so a weak
    filter looks weak."""
    w = weight.detach().float().cpu().numpy()[:, 0]
    scale = float(np.abs(w).max())
    return grid([png(diverging(f, scale)) for f in w], columns=min(len(w), 8))


def second_layer_filters(weight: Tensor) -> dict[str, Any]:
    """One picture per output channel: its kernels over each input channel, side by side."""
    w = weight.detach().float().cpu().numpy()
    scale = float(np.abs(w).max())
    titles = [f"filter {i + 1}" for i in range(len(w))]
    images = [png(diverging(side_by_side(kernels), scale)) for kernels in w]
    return grid(images, columns=4, titles=titles)


def feature_map_grid(activations: Tensor) -> dict[str, Any]:
    """One grey picture per channel, black to white over the layer's range of values."""
    maps = activations.float().cpu().numpy()
    low, high = float(maps.min()), float(maps.max())
    return grid([png(grey(m, low, high)) for m in maps], columns=min(len(maps), 8))


def show_results(ctx: JobContext[Params], data: ImageDataset, probabilities: Tensor) -> None:
    """The confusion matrix of the test set, and the test images the model got most wrong."""
    probabilities, labels = probabilities.cpu(), data.test_labels.cpu()
    predicted = probabilities.argmax(dim=1)
    classes = len(data.class_names)
    confusion = torch.bincount(labels * classes + predicted, minlength=classes * classes)
    ctx.frame(
        "confusion_matrix",
        FrameKind.heatmap,
        {  # rows: the true class; columns: the predicted one
            "values": confusion.reshape(classes, classes).tolist(),
            "x_labels": list(data.class_names),
            "y_labels": list(data.class_names),
        },
    )
    wrong = (predicted != labels).nonzero().flatten()
    confidence = probabilities[wrong, predicted[wrong]]
    worst = wrong[confidence.argsort(descending=True)[:CONFUSED_SHOWN]].tolist()
    images = data.test_images[worst, 0].cpu().numpy()  # (n, 28, 28)
    titles = [
        f"{data.class_names[labels[i]]} → {data.class_names[predicted[i]]} "
        f"({probabilities[i, predicted[i]]:.0%})"
        for i in worst
    ]
    ctx.frame(
        "most_confused",
        FrameKind.image_grid,
        grid([png(grey(image, 0, 1)) for image in images], columns=8, titles=titles),
    )


# -- The job --------------------------------------------------------------------------------


def choose_dataset(ctx: JobContext[Params]) -> str:
    if ctx.params.dataset != "auto":
        return ctx.params.dataset
    if datasets.is_cached("fashion-mnist", ctx.data_dir):
        return "fashion-mnist"
    ctx.log(
        "Fashion-MNIST is not downloaded yet, so this run trains on scikit-learn's digits. "
        "Pick the `fashion-mnist` dataset to download it (about 30 MB, once)."
    )
    return "digits"


def prepare(net: nn.Module, device: torch.device) -> nn.Module:
    """On a GPU, channels-last layout suits its convolution kernels for mixed precision."""
    if device.type != "cuda":
        return net
    torch.backends.cudnn.benchmark = True  # the shapes repeat: pick the fastest algorithm once
    return net.to(memory_format=torch.channels_last)


def run(ctx: JobContext[Params]) -> dict[str, Any]:
    params = ctx.params
    data = datasets.load(choose_dataset(ctx), ctx.data_dir, ctx.device, ctx.log)
    ctx.log(
        f"{data.title}: {len(data.train_labels)} training and {len(data.test_labels)} test "
        f"images, on {ctx.device}."
    )
    torch.manual_seed(params.seed)
    net = prepare(build_model(params, len(data.class_names)).to(data.device), data.device)
    training = fit(ctx, net, data)
    show_results(ctx, data, training.test_probabilities)
    return {
        "test_accuracy": training.test_acc,
        "train_accuracy": training.train_acc,
        "train_loss": training.train_loss,
        "training_seconds": training.seconds,
        "examples_per_sec": training.examples_per_sec,
        "device": ctx.device,
        "dataset": data.name,
        "model": params.model,
        "parameters": sum(p.numel() for p in net.parameters()),
        "steps": training.steps,
    }

"""LeNet (book 6.6) and a modern LeNet (7.5), trained while the learner watches inside.

The training loop is the book's (`train_ch6`): minibatch SGD on the cross-entropy loss, test
accuracy after each epoch. Two things make it fast enough to watch: the dataset lives on the
training device (shuffling is one permutation there, a minibatch one indexing), and the running
loss and accuracy stay on the device between reports, so the device never waits for Python.
"""

import math
import time
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from workers.context import JobContext
from workers.demos.conv_filters.model import (
    OptimizerState,
    build_model,
    make_optimizer,
    predict,
    set_live_hyperparameters,
)
from workers.demos.conv_filters.params import Params
from workers.demos.conv_filters.views import PictureSchedule, show_results
from workers.kit.datasets import ImageDataset, choose, load_for
from workers.kit.device import convolution_layout
from workers.kit.minibatches import Minibatches
from workers.kit.running import RunningMeans
from workers.kit.seeding import generator
from workers.kit.training import accuracy, train_step

METRICS_EVERY_STEPS = 10


@dataclass
class Training:
    """What the loop last reported (part of the training state: a fork reports on from it)."""

    steps: int = 0
    examples: int = 0
    seconds: float = 0.0  # in the training loop, evaluation left out
    train_loss: float = math.nan
    train_acc: float = math.nan
    test_acc: float = math.nan

    @property
    def examples_per_sec(self) -> float:
        return self.examples / self.seconds if self.seconds else 0.0


def run(ctx: JobContext[Params]) -> dict[str, Any]:
    params = ctx.params
    data = load_for(ctx, choose(ctx, ctx.params.dataset))
    ctx.log(
        f"{data.title}: {len(data.train_labels)} training and {len(data.test_labels)} test "
        f"images, on {ctx.device}."
    )
    torch.manual_seed(params.seed)
    net = build_model(params, len(data.class_names)).to(data.device)
    net = convolution_layout(net, data.device)
    training = fit(ctx, net, data)
    # The final model's (recomputed, not kept in every snapshot: 10,000 × 10 on Fashion-MNIST)
    show_results(ctx, data, predict(net, data.test_images))
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


def fit(ctx: JobContext[Params], net: nn.Module, data: ImageDataset) -> Training:
    """Train for `epochs`, reporting as the book's `train_ch6` plots, and showing the insides."""
    params = ctx.params
    optimizer = make_optimizer(net, params)
    loss = nn.CrossEntropyLoss()
    shuffling = generator(params.seed, data.device)
    batches = Minibatches((data.train_images, data.train_labels), params.batch_size, shuffling)
    running = RunningMeans(data.device)  # the book's Accumulator: loss and accuracy
    training = Training()
    ctx.track(
        net=net,
        optimizer=OptimizerState(optimizer, params.optimizer),
        batches=batches,
        running=running,
        training=training,
    )
    pictures = PictureSchedule()
    pictures.show(ctx, net, data)

    for epoch in batches.epochs(params.epochs):
        epoch_started = time.perf_counter()
        if not running:  # a fork may start within an epoch, with the sums since its report
            running.reset()  # the throughput's clock: the evaluation does not count
        for X, y in batches:
            training.steps = batches.step
            params = ctx.checkpoint(training.steps)
            set_live_hyperparameters(optimizer, params)
            l, y_hat = train_step(net, loss, optimizer, X, y)  # noqa: E741 - the book's name
            metrics = {"train_loss": l, "train_acc": accuracy(y_hat, y)}
            running.add(metrics, weight=len(y), units=len(y))
            training.examples += len(y)
            if training.steps % METRICS_EVERY_STEPS == 0:
                report_training(ctx, running, optimizer, training)
            if pictures.due(params.probe_index):
                pictures.show(ctx, net, data)
        if running:
            report_training(ctx, running, optimizer, training)
        training.seconds += time.perf_counter() - epoch_started
        evaluate(ctx, net, data, training, epoch)
    pictures.show(ctx, net, data)
    return training


def report_training(
    ctx: JobContext[Params],
    running: RunningMeans,
    optimizer: torch.optim.Optimizer,
    training: Training,
) -> None:
    """The mean loss and accuracy since the last report (the device's first wait for them)."""
    means = running.read()
    training.train_loss, training.train_acc = means["train_loss"], means["train_acc"]
    ctx.metric(
        {
            "train_loss": training.train_loss,
            "train_acc": training.train_acc,
            "examples_per_sec": means["per_second"],
            "lr": optimizer.param_groups[0]["lr"],
        }
    )


def evaluate(
    ctx: JobContext[Params], net: nn.Module, data: ImageDataset, training: Training, epoch: int
) -> None:
    """Test accuracy at the end of an epoch, and the epoch's line as the book prints it."""
    probabilities = predict(net, data.test_images)
    training.test_acc = accuracy(probabilities, data.test_labels).item()
    ctx.metric({"test_acc": training.test_acc})
    ctx.log(
        f"epoch {epoch}: loss {training.train_loss:.3f}, train acc {training.train_acc:.3f}, "
        f"test acc {training.test_acc:.3f}, {training.examples_per_sec:.0f} examples/sec"
    )

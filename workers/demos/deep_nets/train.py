"""Batch normalization (book 7.5) and ResNet (7.6), side by side: why deep networks train.

The loop is the book's `train_ch6` run for several networks at once: each minibatch, drawn
once, takes one step of minibatch SGD on the cross-entropy loss in every variant, so the
variants differ only in their architecture (batch normalization, shortcuts), never in their
data, their order or the weights of the layers they share. Test accuracy after each epoch.
The variants (weights, γ, β, moving statistics, optimizers), the minibatch order, the sums
since the last report and the report schedule are the training state a fork continues.
"""

import math
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from workers.context import JobContext
from workers.demos.deep_nets.model import Variant, build_network, predict, weight_layers
from workers.demos.deep_nets.params import Params
from workers.demos.deep_nets.views import Pictures
from workers.kit.datasets import ImageDataset, choose, load_for
from workers.kit.minibatches import Minibatches
from workers.kit.reporting import ReportSchedule
from workers.kit.running import RunningMeans
from workers.kit.seeding import generator
from workers.kit.training import accuracy, train_step

# A long run reports every few steps, about this many times; a short one every step.
MAX_REPORTS = 300


@dataclass
class Latest:
    """What the loop last reported (training state: a fork's summary continues from it)."""

    values: dict[str, float] = field(default_factory=dict)


def run(ctx: JobContext[Params]) -> dict[str, Any]:
    params = ctx.params
    data = load_for(ctx, choose(ctx, params.dataset))
    classes = len(data.class_names)
    variants = [
        Variant(name, build_network(params, name, classes).to(data.device), params.lr)
        for name in params.variants
    ]
    layers = len(weight_layers(variants[0].net))
    ctx.log(
        f"{data.title}: {len(data.train_labels)} training and {len(data.test_labels)} test "
        f"images, on {ctx.device}. Network: {params.network} with {layers} layers of "
        f"weights; variants: {', '.join(params.variants)}. Every variant takes the same "
        "minibatches."
    )
    latest = fit(ctx, variants, data)
    return {
        **latest.values,
        "dataset": data.name,
        "network": params.network,
        "layers": layers,
        "variants": ", ".join(params.variants),
        **{f"parameters_{v.name}": sum(p.numel() for p in v.net.parameters()) for v in variants},
    }


def fit(ctx: JobContext[Params], variants: list[Variant], data: ImageDataset) -> Latest:
    """Train every variant for `epochs` on the same minibatches."""
    params = ctx.params
    loss = nn.CrossEntropyLoss()
    batches = Minibatches(
        (data.train_images, data.train_labels),
        params.batch_size,
        generator(params.seed, data.device),
    )
    steps_per_epoch = math.ceil(len(data.train_labels) / params.batch_size)
    reports = ReportSchedule.plan(params.epochs, steps_per_epoch, MAX_REPORTS)
    running = RunningMeans(data.device)  # the book's Accumulator, for every variant at once
    latest = Latest()
    ctx.track(
        batches=batches,
        reports=reports,
        running=running,
        latest=latest,
        **{f"variant_{v.name}": v for v in variants},
    )
    reports.follow(params.epochs, steps_per_epoch, MAX_REPORTS)  # a fork's epochs
    pictures = Pictures(variants, sigmoid=params.network == "lenet")

    for epoch in batches.epochs(params.epochs):
        if not running:  # a fork may start within an epoch, with the sums since its report
            running.reset()
        for X, y in batches:
            params = ctx.checkpoint(batches.step)
            drawn = pictures.arm(last_step=batches.epoch_done and epoch == params.epochs)
            values: dict[str, torch.Tensor] = {}
            for variant in variants:
                variant.set_lr(params.lr)  # live
                l, y_hat = train_step(variant.net, loss, variant.optimizer, X, y)  # noqa: E741
                values[f"train_loss_{variant.name}"] = l
                values[f"train_acc_{variant.name}"] = accuracy(y_hat, y)
            running.add(values, weight=len(y), units=len(y))
            if drawn:
                pictures.show(ctx)
            if reports.due(batches.step) or batches.epoch_done:
                report_training(ctx, running, latest, params.lr)
        evaluate(ctx, variants, data, latest, epoch)
    return latest


def report_training(
    ctx: JobContext[Params], running: RunningMeans, latest: Latest, lr: float
) -> None:
    """The mean loss and accuracy of each variant since the last report."""
    means = running.read()
    per_second = means.pop("per_second")
    latest.values.update(means)
    ctx.metric({**means, "examples_per_sec": per_second, "lr": lr})


def evaluate(
    ctx: JobContext[Params],
    variants: list[Variant],
    data: ImageDataset,
    latest: Latest,
    epoch: int,
) -> None:
    """Each variant's test accuracy, with its moving statistics; the book's line per epoch."""
    accuracies = {
        f"test_acc_{v.name}": accuracy(predict(v.net, data.test_images), data.test_labels).item()
        for v in variants
    }
    latest.values.update(accuracies)
    ctx.metric(accuracies)
    ctx.log(
        f"epoch {epoch}: "
        + "; ".join(
            f"{v.name} loss {latest.values[f'train_loss_{v.name}']:.3f}, "
            f"test acc {accuracies[f'test_acc_{v.name}']:.3f}"
            for v in variants
        )
    )

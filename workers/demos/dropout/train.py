"""Dropout (book 4.6.4, 4.6.5), trained while the learner watches the masks change.

The loop is the book's (`train_ch3`): minibatch SGD on the cross-entropy, dropout on while
training. The book's plot shows the training loss and accuracy measured along the way, with
dropout on, so worse than the network really does; here that running loss is reported as
`minibatch_loss`, and the training set is also evaluated with dropout off, as the test set is,
so that the two can be compared: their difference is the generalization gap.

The dataset lives on the training device (an epoch is one permutation there, a minibatch one
indexing), and the running sums stay there between reports.
"""

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from workers.context import JobContext
from workers.demos.dropout.model import (
    DropoutMLP,
    build_model,
    dropped_and_known,
    evaluate,
)
from workers.demos.dropout.params import Params
from workers.demos.dropout.views import (
    PictureSchedule,
    show_first_layer_weights,
    show_masks,
    show_model,
)
from workers.kit.datasets import ImageDataset, choose, load_for
from workers.kit.minibatches import Minibatches
from workers.kit.pacing import Pace
from workers.kit.running import RunningMeans
from workers.kit.seeding import generator
from workers.kit.training import train_step

METRICS_EVERY_STEPS = 10  # and at the end of every epoch
# Both sets are evaluated at the end of an epoch once this many steps have passed since the
# last evaluation (every epoch of a full training set; every few epochs of a small one).
EVALUATE_EVERY_STEPS = 10
TRAIN_EXAMPLES_EVALUATED = 10_000  # as many as Fashion-MNIST's test set
LOG_LINES = 10  # the log's epoch lines per run, however many epochs


@dataclass
class Training:
    """What the loop last reported, and when (part of the training state: a fork goes on from
    it)."""

    steps: int = 0
    train_loss: float = math.nan
    train_acc: float = math.nan
    test_loss: float = math.nan
    test_acc: float = math.nan
    evaluated_at: int = 0  # the step of the last evaluation of both sets
    log_from_epoch: int = 1  # the next epoch that may have a line in the log


def run(ctx: JobContext[Params]) -> dict[str, Any]:
    params = ctx.params
    data = first_examples(load_for(ctx, choose(ctx, params.dataset)), params.train_examples)
    ctx.log(
        f"{data.title}: {len(data.train_labels)} training and {len(data.test_labels)} test "
        f"images, on {ctx.device}."
    )
    torch.manual_seed(params.seed)
    randomness = generator(params.seed, data.device)  # the shuffling and the scratch masks
    net = build_model(params.implementation, (params.dropout1, params.dropout2), randomness)
    show_model(ctx, net)
    training = fit(ctx, net, data, randomness)
    return {
        "test_accuracy": training.test_acc,
        "train_accuracy": training.train_acc,
        "accuracy_gap": training.train_acc - training.test_acc,
        "test_loss": training.test_loss,
        "train_loss": training.train_loss,
        "loss_gap": training.test_loss - training.train_loss,
        "dataset": data.name,
        "train_examples": len(data.train_labels),
        "implementation": params.implementation,
        "parameters": sum(p.numel() for p in net.parameters()),
        "steps": training.steps,
        "device": ctx.device,
    }


def first_examples(data: ImageDataset, count: int) -> ImageDataset:
    """The first `count` training images (the order of the files, or the digits' fixed
    shuffle); the test set stays whole."""
    return dataclasses.replace(
        data, train_images=data.train_images[:count], train_labels=data.train_labels[:count]
    )


def fit(
    ctx: JobContext[Params], net: DropoutMLP, data: ImageDataset, randomness: torch.Generator
) -> Training:
    """Train for `epochs` with dropout on, evaluating both sets with it off."""
    params = ctx.params
    optimizer = torch.optim.SGD(net.parameters(), lr=params.lr)
    loss = nn.CrossEntropyLoss()
    batches = Minibatches((data.train_images, data.train_labels), params.batch_size, randomness)
    running = RunningMeans(data.device)  # the book's Accumulator
    training = Training()
    ctx.track(
        net=net,
        optimizer=optimizer,
        randomness=randomness,  # the scratch masks'; `nn.Dropout` draws from torch's own
        batches=batches,
        running=running,
        training=training,
    )
    pictures = PictureSchedule()
    pace = Pace(ctx)
    show_first_layer_weights(ctx, net)
    if not ctx.resumed_step:
        report_evaluation(ctx, net, data, training)  # at chance, before the first step
    for epoch in batches.epochs(params.epochs):
        for X, y in batches:
            training.steps = batches.step
            params = ctx.checkpoint(training.steps)
            set_live_hyperparameters(net, optimizer, params)
            l, _ = train_step(net, loss, optimizer, X, y)  # noqa: E741 - the book's name
            running.add({"minibatch_loss": l, **mask_counts(net, len(y))}, weight=len(y))
            if training.steps % METRICS_EVERY_STEPS == 0:
                report_training(ctx, running, optimizer)
            pictures.show_due(ctx, net)
            pace.wait(params.speed)
        if running:
            report_training(ctx, running, optimizer)
        if training.steps - training.evaluated_at >= EVALUATE_EVERY_STEPS or epoch == params.epochs:
            report_evaluation(ctx, net, data, training)
            training.evaluated_at = training.steps
            if epoch >= training.log_from_epoch or epoch == params.epochs:
                log_epoch(ctx, epoch, training)
                training.log_from_epoch = epoch + math.ceil(params.epochs / LOG_LINES)
    show_masks(ctx, net)
    show_first_layer_weights(ctx, net)
    return training


def set_live_hyperparameters(
    net: DropoutMLP, optimizer: torch.optim.Optimizer, params: Params
) -> None:
    """The dropout probabilities and η in force: the masks of this step and its update use
    them."""
    net.set_dropouts((params.dropout1, params.dropout2))
    for group in optimizer.param_groups:
        group["lr"] = params.lr


def mask_counts(net: DropoutMLP, batch_size: int) -> dict[str, torch.Tensor]:
    """Per example (the running means weigh by examples): the units each mask dropped, and
    those whose mask is known."""
    counts = {}
    for layer, mask in enumerate(net.masks, start=1):
        dropped, known = dropped_and_known(mask)
        counts[f"dropped_{layer}"] = dropped / batch_size
        counts[f"known_{layer}"] = known / batch_size
    return counts


def report_training(
    ctx: JobContext[Params], running: RunningMeans, optimizer: torch.optim.Optimizer
) -> None:
    """Since the last report: the mean loss SGD saw (dropout on) and the share of each hidden
    layer's units dropped (where any is known); and the learning rate in force."""
    means = running.read()
    values = {"minibatch_loss": means["minibatch_loss"], "lr": optimizer.param_groups[0]["lr"]}
    for layer in (1, 2):
        if means[f"known_{layer}"] > 0:
            values[f"dropped_{layer}"] = means[f"dropped_{layer}"] / means[f"known_{layer}"]
    ctx.metric(values)


def report_evaluation(
    ctx: JobContext[Params], net: DropoutMLP, data: ImageDataset, training: Training
) -> None:
    """Loss and accuracy on the training set (up to TRAIN_EXAMPLES_EVALUATED images) and the
    test set, dropout off for both, and the gaps between them: both grow as it overfits."""
    training.train_loss, training.train_acc = evaluate(
        net,
        data.train_images[:TRAIN_EXAMPLES_EVALUATED],
        data.train_labels[:TRAIN_EXAMPLES_EVALUATED],
    )
    training.test_loss, training.test_acc = evaluate(net, data.test_images, data.test_labels)
    ctx.metric(
        {
            "train_loss": training.train_loss,
            "test_loss": training.test_loss,
            "train_acc": training.train_acc,
            "test_acc": training.test_acc,
            "accuracy_gap": training.train_acc - training.test_acc,
            "loss_gap": training.test_loss - training.train_loss,
        }
    )


def log_epoch(ctx: JobContext[Params], epoch: int, training: Training) -> None:
    ctx.log(
        f"epoch {epoch}: train loss {training.train_loss:.3f}, acc {training.train_acc:.3f}; "
        f"test loss {training.test_loss:.3f}, acc {training.test_acc:.3f} (dropout off)"
    )

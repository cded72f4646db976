"""Multilayer perceptrons (book 4.2–4.3), trained while the learner watches.

The loop is the book's (`train_ch3`): minibatch SGD on the cross-entropy loss, the running
training loss and accuracy, the test loss and accuracy after each epoch. On the plane the
learner watches the decision boundary bend; on images, the first layer's weights.
"""

import math
from dataclasses import dataclass
from functools import partial
from typing import Any

import torch
from torch import Tensor, nn

from workers.context import JobContext
from workers.demos.mlp.model import (
    build_model,
    cross_entropy,
    make_optimizer,
    make_plane_data,
    predict,
    set_live_hyperparameters,
)
from workers.demos.mlp.params import PLANE_DATASETS, Params
from workers.demos.mlp.views import (
    Pictures,
    show_activation,
    show_confusion,
    show_first_layer_weights,
    show_model,
    show_plane,
)
from workers.kit.datasets import load_for
from workers.kit.minibatches import Minibatches
from workers.kit.pacing import Pace
from workers.kit.running import RunningMeans
from workers.kit.seeding import generator
from workers.kit.training import accuracy, train_step

METRICS_EVERY_STEPS = 50  # and at the end of every epoch
PLANE_PICTURES_EVERY_SECONDS = 0.3
WEIGHT_PICTURES_EVERY_SECONDS = 2.0
EPOCH_LINES = 10  # the log's epoch lines per run, however many epochs


@dataclass
class Split:
    """Training and test examples with their labels, on the training device."""

    train_X: Tensor
    train_y: Tensor
    test_X: Tensor
    test_y: Tensor


@dataclass
class Training:
    """What the loop last reported (part of the training state: a fork reports on from it)."""

    steps: int = 0
    train_loss: float = math.nan
    train_acc: float = math.nan
    test_loss: float = math.nan
    test_acc: float = math.nan


@dataclass
class Problem:
    """What a run trains on and what it shows: points on a plane, or images."""

    split: Split
    net: nn.Sequential
    pictures: Pictures
    device: str
    class_names: tuple[str, ...] | None = None  # images only: the confusion matrix's


def run(ctx: JobContext[Params]) -> dict[str, Any]:
    params = ctx.params
    torch.manual_seed(params.seed)
    problem = on_plane(ctx) if params.dataset in PLANE_DATASETS else on_images(ctx)
    split, net = problem.split, problem.net
    ctx.log(
        f"{params.dataset}: {len(split.train_y)} training and {len(split.test_y)} test "
        f"examples, on {problem.device}."
    )
    show_model(ctx, net)
    show_activation(ctx, params.activation)
    training = fit(ctx, net, split, problem.pictures)
    if problem.class_names:
        show_confusion(ctx, test_probabilities(net, split), split.test_y, problem.class_names)
    return {
        "test_accuracy": training.test_acc,
        "train_accuracy": training.train_acc,
        "test_loss": training.test_loss,
        "train_loss": training.train_loss,
        "dataset": params.dataset,
        "hidden": params.hidden,
        "activation": params.activation,
        "parameters": sum(p.numel() for p in net.parameters()),
        "steps": training.steps,
        "device": problem.device,
    }


def on_plane(ctx: JobContext[Params]) -> Problem:
    """Points made in code, on the CPU: a few hundred of them, where any GPU launch costs more
    than the arithmetic."""
    plane = make_plane_data(ctx.params)
    net = build_model(ctx.params, inputs=2, outputs=plane.classes, flatten=False)
    return Problem(
        split=Split(plane.train_X, plane.train_y, plane.test_X, plane.test_y),
        net=net,
        pictures=Pictures(partial(show_plane, ctx, net, plane), PLANE_PICTURES_EVERY_SECONDS),
        device="cpu",
    )


def on_images(ctx: JobContext[Params]) -> Problem:
    """The book's images, resident on the training device, flattened by the network."""
    data = load_for(ctx, ctx.params.dataset)
    inputs = data.train_images[0].numel()
    net = build_model(ctx.params, inputs, len(data.class_names), flatten=True).to(data.device)
    draw = partial(show_first_layer_weights, ctx, net, data.class_names)
    return Problem(
        split=Split(data.train_images, data.train_labels, data.test_images, data.test_labels),
        net=net,
        pictures=Pictures(draw, WEIGHT_PICTURES_EVERY_SECONDS),
        device=str(data.device),
        class_names=data.class_names,
    )


def fit(ctx: JobContext[Params], net: nn.Module, split: Split, pictures: Pictures) -> Training:
    """Train for `epochs`, reporting as the book's `train_ch3` plots, with pictures between."""
    params = ctx.params
    optimizer = make_optimizer(net, params)
    loss = nn.CrossEntropyLoss()
    shuffling = generator(params.seed, split.train_y.device)
    batches = Minibatches((split.train_X, split.train_y), params.batch_size, shuffling)
    running = RunningMeans(split.train_y.device)  # the book's Accumulator
    training = Training()
    ctx.track(net=net, optimizer=optimizer, batches=batches, running=running, training=training)
    pace = Pace(ctx)
    log_every = math.ceil(params.epochs / EPOCH_LINES)
    pictures.show()
    for epoch in batches.epochs(params.epochs):
        for X, y in batches:
            training.steps = batches.step
            params = ctx.checkpoint(training.steps)
            set_live_hyperparameters(optimizer, params)
            l, y_hat = train_step(net, loss, optimizer, X, y)  # noqa: E741 - the book's name
            running.add({"train_loss": l, "train_acc": accuracy(y_hat, y)}, weight=len(y))
            if training.steps % METRICS_EVERY_STEPS == 0:
                report_training(ctx, running, optimizer, training)
            pictures.show_if_due()
            pace.wait(params.speed)
        if running:
            report_training(ctx, running, optimizer, training)
        evaluate(ctx, net, split, training)
        if epoch % log_every == 0 or epoch == params.epochs:
            ctx.log(
                f"epoch {epoch}: loss {training.train_loss:.3f}, "
                f"train acc {training.train_acc:.3f}, test loss {training.test_loss:.3f}, "
                f"test acc {training.test_acc:.3f}"
            )
    pictures.show()
    return training


def report_training(
    ctx: JobContext[Params],
    running: RunningMeans,
    optimizer: torch.optim.Optimizer,
    training: Training,
) -> None:
    """The mean loss and accuracy since the last report, and the learning rate in force."""
    means = running.read()
    training.train_loss, training.train_acc = means["train_loss"], means["train_acc"]
    ctx.metric(
        {
            "train_loss": training.train_loss,
            "train_acc": training.train_acc,
            "lr": optimizer.param_groups[0]["lr"],
        }
    )


def test_probabilities(net: nn.Module, split: Split) -> Tensor:
    net.eval()
    probabilities = predict(net, split.test_X)
    net.train()
    return probabilities


def evaluate(ctx: JobContext[Params], net: nn.Module, split: Split, training: Training) -> None:
    """Test loss and accuracy, at the end of an epoch."""
    probabilities = test_probabilities(net, split)
    training.test_acc = accuracy(probabilities, split.test_y).item()
    training.test_loss = cross_entropy(probabilities, split.test_y)
    ctx.metric({"test_loss": training.test_loss, "test_acc": training.test_acc})

"""Softmax regression (book 3.6, 3.7), trained while the learner watches its weights.

The training loop is the book's (`train_ch3`): minibatch SGD on the cross-entropy loss, the
training loss and accuracy as it goes, the test accuracy after each epoch. The dataset lives on
the training device (an epoch is one permutation there, a minibatch one indexing), and the
running loss and accuracy stay there between reports.
"""

import math
from dataclasses import dataclass
from typing import Any

import torch

from workers.context import JobContext
from workers.demos.softmax_regression.model import SoftmaxRegression, build_model, predict
from workers.demos.softmax_regression.params import Params
from workers.demos.softmax_regression.views import PictureSchedule, show_results
from workers.kit.datasets import ImageDataset, choose, load_for
from workers.kit.minibatches import Minibatches
from workers.kit.pacing import Pace
from workers.kit.running import RunningMeans
from workers.kit.seeding import generator
from workers.kit.training import accuracy

METRICS_EVERY_STEPS = 10


@dataclass
class Training:
    """What the loop last reported (part of the training state: a fork reports on from it)."""

    steps: int = 0
    train_loss: float = math.nan
    train_acc: float = math.nan
    test_acc: float = math.nan


def run(ctx: JobContext[Params]) -> dict[str, Any]:
    params = ctx.params
    data = load_for(ctx, choose(ctx, params.dataset))
    num_inputs = math.prod(data.train_images.shape[1:])  # each image flattened: 784 pixels
    num_outputs = len(data.class_names)
    ctx.log(
        f"{data.title}: {len(data.train_labels)} training and {len(data.test_labels)} test "
        f"images, on {ctx.device}; W is {num_inputs} × {num_outputs}."
    )
    torch.manual_seed(params.seed)
    model = build_model(params.implementation, num_inputs, num_outputs, data.device)
    training = fit(ctx, model, data)
    # The final model's (recomputed, not kept in every snapshot: 10,000 × 10 on Fashion-MNIST)
    confused = show_results(ctx, data, predict(model, data.test_images))
    return {
        "test_accuracy": training.test_acc,
        "train_accuracy": training.train_acc,
        "train_loss": training.train_loss,
        "most_confused": confused,
        "dataset": data.name,
        "implementation": params.implementation,
        "parameters": num_inputs * num_outputs + num_outputs,
        "steps": training.steps,
        "device": ctx.device,
    }


def fit(ctx: JobContext[Params], model: SoftmaxRegression, data: ImageDataset) -> Training:
    """Train for `epochs`, reporting as the book's `train_ch3` plots, and showing the weights."""
    params = ctx.params
    shuffling = generator(params.seed, data.device)
    batches = Minibatches((data.train_images, data.train_labels), params.batch_size, shuffling)
    running = RunningMeans(data.device)  # the book's Accumulator: loss and accuracy
    training = Training()
    ctx.track(model=model, batches=batches, running=running, training=training)
    pictures = PictureSchedule()
    pictures.show(ctx, model, data)
    pace = Pace(ctx)

    for epoch in batches.epochs(params.epochs):
        for X, y in batches:
            training.steps = batches.step
            params = ctx.checkpoint(training.steps)
            l, logits = model.step(X, y, params.lr)  # noqa: E741 - the book's name
            running.add({"train_loss": l, "train_acc": accuracy(logits, y)}, weight=len(y))
            if training.steps % METRICS_EVERY_STEPS == 0:
                report_training(ctx, running, training, params.lr)
            if pictures.due(params.probe_index):
                pictures.show(ctx, model, data)
            pace.wait(params.speed)
        if running:
            report_training(ctx, running, training, params.lr)
        evaluate(ctx, model, data, training, epoch)
    pictures.show(ctx, model, data)
    return training


def report_training(
    ctx: JobContext[Params], running: RunningMeans, training: Training, lr: float
) -> None:
    """The mean loss and accuracy over the examples since the last report."""
    means = running.read()
    training.train_loss, training.train_acc = means["train_loss"], means["train_acc"]
    ctx.metric({"train_loss": training.train_loss, "train_acc": training.train_acc, "lr": lr})


def evaluate(
    ctx: JobContext[Params],
    model: SoftmaxRegression,
    data: ImageDataset,
    training: Training,
    epoch: int,
) -> None:
    """Test accuracy at the end of an epoch, and the epoch's line as the book prints it."""
    probabilities = predict(model, data.test_images)
    training.test_acc = accuracy(probabilities, data.test_labels).item()
    ctx.metric({"test_acc": training.test_acc})
    ctx.log(
        f"epoch {epoch}: loss {training.train_loss:.3f}, train acc {training.train_acc:.3f}, "
        f"test acc {training.test_acc:.3f}"
    )

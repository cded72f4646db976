"""Training the Transformer (book 10.7.4): Adam on the cross-entropy of every target token.

Each step draws a fresh batch of the task's examples and trains every decoder position at once
by teacher forcing. Every few steps the model is read: its greedy outputs on a fixed held-out
set give the accuracies, and the learner's probe shows what each head attends to.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from workers.context import JobContext
from workers.demos.transformer_attention.model import (
    PAD_ID,
    Batch,
    Transformer,
    Vocabs,
    greedy_decode,
    make_batch,
    output_tokens,
)
from workers.demos.transformer_attention.params import Params
from workers.demos.transformer_attention.tasks import TASKS, Task, held_out_pairs, training_pair
from workers.demos.transformer_attention.views import ProbeReading, read_probe, report_probe
from workers.kit.device import autocast
from workers.kit.running import RunningMeans

HELD_OUT_EXAMPLES = 128
REPORTS_PER_RUN = 40


@dataclass(frozen=True)
class Accuracy:
    token: float  # share of target tokens (and the final <eos>) predicted right
    sequence: float  # share of outputs entirely right
    outputs: Tensor  # the greedy outputs


@dataclass(frozen=True)
class Evaluation:
    accuracy: Accuracy
    probe: ProbeReading


def run(ctx: JobContext[Params]) -> dict[str, Any]:
    params = ctx.params
    task = TASKS[params.task]
    vocabs = Vocabs.of(task)
    torch.manual_seed(params.seed)  # the initial weights and dropout's masks
    model = Transformer(vocabs, params).to(ctx.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=params.lr)
    batches = training_batches(task, params, vocabs, ctx.device)
    held_out = held_out_pairs(task, params.seq_len, HELD_OUT_EXAMPLES)
    held_out_batch = make_batch(held_out, vocabs, ctx.device)
    running = RunningMeans(ctx.device)  # the mean loss and throughput, evaluation left out
    ctx.track(model=model, optimizer=optimizer, batches=batches, running=running)
    report_every = max(1, params.steps // REPORTS_PER_RUN)

    # Dropout is off while the model is read, so no random number is drawn here: a fork's
    # first reading (of the snapshot's model) leaves its training exactly as its parent's.
    evaluation = evaluate(ctx, model, held_out_batch, vocabs, {})
    running.restart_clock()  # the throughput leaves the reading out
    for step in ctx.steps(params.steps):
        params = ctx.checkpoint(step)
        apply_live_params(params, model, optimizer)
        batch = next(batches)
        running.add({"loss": train_step(model, optimizer, batch)}, units=batch.tokens)
        if step % report_every == 0 or step == params.steps:
            means = running.read()  # waits for the device to finish the steps
            training = {"loss": means["loss"], "tokens_per_sec": means["per_second"]}
            evaluation = evaluate(ctx, model, held_out_batch, vocabs, training)
            running.reset()

    return summary(params, task, vocabs, held_out, evaluation)


def training_batches(task: Task, params: Params, vocabs: Vocabs, device: str) -> "Batches":
    """Fresh random examples forever, never from the held-out inputs; seeded by `seed`."""
    return Batches(task, params, vocabs, device, random.Random(params.seed))


class Batches(Iterator[Batch]):
    """The batches of `training_batches`. Its generator's state is training state: a fork
    draws the batches its parent would have drawn next."""

    def __init__(
        self, task: Task, params: Params, vocabs: Vocabs, device: str, rng: random.Random
    ) -> None:
        self.task, self.seq_len, self.batch_size = task, params.seq_len, params.batch_size
        self.vocabs, self.device, self.rng = vocabs, device, rng

    def __next__(self) -> Batch:
        pairs = [training_pair(self.task, self.rng, self.seq_len) for _ in range(self.batch_size)]
        return make_batch(pairs, self.vocabs, self.device)

    def state_dict(self) -> dict[str, Any]:
        return {"rng": self.rng.getstate()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        version, internal, gauss = state["rng"]
        self.rng.setstate((version, tuple(internal), gauss))


def apply_live_params(params: Params, model: Transformer, optimizer: torch.optim.Optimizer) -> None:
    for group in optimizer.param_groups:
        group["lr"] = params.lr
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.p = params.dropout


def train_step(model: Transformer, optimizer: torch.optim.Optimizer, batch: Batch) -> Tensor:
    """One teacher-forced step; returns the loss without waiting for the device."""
    with autocast(batch.source.device):
        logits = model(batch.source, batch.decoder_input)
        loss = F.cross_entropy(logits.flatten(0, 1), batch.labels.flatten(), ignore_index=PAD_ID)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)  # the book clips at 1
    optimizer.step()
    return loss.detach()


def evaluate(
    ctx: JobContext[Params],
    model: Transformer,
    held_out: Batch,
    vocabs: Vocabs,
    training: dict[str, float],
) -> Evaluation:
    """Report held-out accuracy (with the training metrics since the last report) and the
    probe's attention maps; dropout is off while the model is read."""
    task = TASKS[ctx.params.task]
    model.eval()
    accuracy = held_out_accuracy(model, held_out, vocabs)
    ctx.metric(
        {**training, "token_accuracy": accuracy.token, "sequence_accuracy": accuracy.sequence}
    )
    probe = read_probe(model, task, ctx.params.probe, vocabs)
    report_probe(ctx, probe, task, vocabs)
    model.train()
    return Evaluation(accuracy, probe)


def held_out_accuracy(model: Transformer, batch: Batch, vocabs: Vocabs) -> Accuracy:
    steps = batch.labels.shape[1]
    outputs = greedy_decode(model, batch.source, vocabs, steps)
    real = batch.labels != PAD_ID
    right = (outputs == batch.labels) & real
    return Accuracy(
        token=(right.sum() / real.sum()).item(),
        sequence=(right | ~real).all(dim=1).float().mean().item(),
        outputs=outputs,
    )


def summary(
    params: Params,
    task: Task,
    vocabs: Vocabs,
    held_out: list[tuple[list[str], list[str]]],
    evaluation: Evaluation,
) -> dict[str, Any]:
    examples = []
    outputs = evaluation.accuracy.outputs.tolist()
    for (source, target), ids in zip(held_out[:6], outputs, strict=False):
        output = output_tokens(ids, vocabs)
        examples.append(
            {
                "input": task.detokenize(source),
                "target": task.detokenize(target),
                "output": task.detokenize(output),
                "correct": output == target,
            }
        )
    return {
        "task": params.task,
        "steps": params.steps,
        "token_accuracy": evaluation.accuracy.token,
        "sequence_accuracy": evaluation.accuracy.sequence,
        "examples": examples,
        "probe": {
            "input": task.detokenize(evaluation.probe.source),
            "output": evaluation.probe.output(task),
        },
    }

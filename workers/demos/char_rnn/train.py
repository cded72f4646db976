"""Training a character-level language model (book 8.5.5: `train_epoch_ch8`, `train_ch8`).

The text is read once (the book's *The Time Machine*, or offline a labelled stand-in), cut into
the 28-token vocabulary, and its first 10,000 characters train. Each step takes a minibatch
of subsequences, predicts every next character, and takes one SGD step on the mean
cross-entropy with the gradients clipped to norm θ. With sequential partitioning the hidden
state goes on from one minibatch to the next (detached, so gradients stop at the minibatch),
and starts from zeros each epoch. Perplexity, exp of the mean cross-entropy, is reported on the
training characters and on the 5,000 after them.

The model, the carried hidden state, the minibatch source, the running means and the gradient
norms are the training state that a fork continues.
"""

import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from workers.context import JobContext
from workers.demos.char_rnn.data import (
    CharVocab,
    SequentialBatches,
    preprocess,
    validation_windows,
    windows,
)
from workers.demos.char_rnn.model import (
    CharRNN,
    State,
    cross_entropy,
    detach,
    grad_clipping,
    safe_exp,
    sgd,
)
from workers.demos.char_rnn.params import NUM_TRAIN, NUM_VAL, Params
from workers.demos.char_rnn.views import GradNorms, Pictures, generated_text
from workers.kit.corpora import load_corpus
from workers.kit.minibatches import Minibatches
from workers.kit.pacing import Pace
from workers.kit.reporting import ReportSchedule
from workers.kit.running import RunningMeans
from workers.kit.seeding import generator, seed_everything

MAX_REPORTS = 400  # a long run reports every few steps, about this many times in all
BOOK_PREFIXES = ("time traveller", "traveller")  # what the book's train_ch8 prints


@dataclass
class Training:
    """What the next report says of the steps since the last one (training state)."""

    largest_norm: float = 0.0  # ‖g‖ before clipping, the largest since the last report


class Carry:
    """The hidden state carried from one minibatch to the next (sequential partitioning);
    None at the start of an epoch."""

    def __init__(self, device: str) -> None:
        self.device = device
        self.state: State | None = None

    def state_dict(self) -> dict[str, Any]:
        return {"state": list(self.state) if self.state is not None else None}

    def load_state_dict(self, saved: dict[str, Any]) -> None:
        parts = saved["state"]
        self.state = tuple(s.to(self.device) for s in parts) if parts is not None else None


def run(ctx: JobContext[Params]) -> dict[str, Any]:
    params = ctx.params
    corpus = load_corpus(ctx, "time-machine")
    ctx.log(corpus.note)
    text = preprocess(corpus.lines)
    vocab = CharVocab(text)  # from the whole text, as the book's load_corpus_time_machine
    ids = torch.tensor(vocab.ids(text[: NUM_TRAIN + NUM_VAL]), device=ctx.device)
    train, val = ids[:NUM_TRAIN], ids[NUM_TRAIN:]
    val_X, val_Y = validation_windows(val, params.num_steps)

    seed_everything(params.seed)  # the initial weights, drawn as the book draws them
    net = CharRNN(params.model, len(vocab), params.hidden, params.layers).to(ctx.device)
    order = generator(params.seed, ctx.device)  # each epoch's offset or order
    batches: SequentialBatches | Minibatches
    if params.sampling == "sequential":
        batches = SequentialBatches(train, params.batch_size, params.num_steps, order)
        per_epoch = batches.per_epoch()
    else:
        batches = Minibatches(windows(train, params.num_steps), params.batch_size, order)
        per_epoch = math.ceil(batches.examples / params.batch_size)
    carry, norms = Carry(ctx.device), GradNorms()
    reports, training = ReportSchedule.plan(params.epochs, per_epoch, MAX_REPORTS), Training()
    running = RunningMeans(ctx.device)  # the mean loss and the tokens per second
    ctx.track(
        net=net,
        carry=carry,
        batches=batches,
        running=running,
        norms=norms,
        reports=reports,
        training=training,
    )
    reports.follow(params.epochs, per_epoch, MAX_REPORTS)
    ctx.log(
        f"{len(train):,} training and {len(val):,} validation characters, {len(vocab)} tokens "
        f"({' '.join(vocab.idx_to_token)}); {per_epoch} minibatches an epoch. Model: {net}"
    )

    weights = list(net.parameters())
    pictures = Pictures(ctx, net, vocab, norms)
    pictures.show()
    pace = Pace(ctx)
    values: dict[str, float] = {}
    for epoch in batches.epochs(params.epochs):
        for step in batches.steps():
            params = ctx.checkpoint(step)
            X, Y = batches.take(params.batch_size)
            if carry.state is None:  # an epoch's first minibatch, or random sampling
                state = net.begin_state(len(X), ctx.device)
            else:
                state = detach(carry.state)
            y_hat, state = net(X, state)
            loss = cross_entropy(y_hat, Y)
            loss.backward()
            before, after = grad_clipping(weights, params.clip)
            sgd(weights, params.lr)
            carry.state = state if params.sampling == "sequential" else None
            running.add({"loss": loss.detach()}, weight=Y.numel(), units=Y.numel())
            norms.add(step, before, after)
            training.largest_norm = max(training.largest_norm, before)
            diverging = not math.isfinite(before)
            if reports.due(step) or diverging:
                values = report(ctx, net, val_X, val_Y, running, training)
                pictures.show_if_due()
            pace.wait(params.speed)
        carry.state = None  # the book's train_epoch_ch8 starts each epoch from a zero state
        if epoch % 10 == 0:  # as the book prints a sample every 10 epochs
            read, written = generated_text(net, vocab, BOOK_PREFIXES[0], params.predict_chars)
            ctx.log(f"epoch {epoch}: {read}{written}")
    if running:
        values = report(ctx, net, val_X, val_Y, running, training)
    pictures.show()
    return summary(ctx, net, vocab, train, val, values, corpus.title, corpus.note)


@torch.no_grad()
def val_perplexity(net: CharRNN, X: Tensor, Y: Tensor) -> float:
    """exp of the mean cross-entropy on the validation windows, each from a zero state."""
    y_hat, _ = net(X, net.begin_state(len(X), X.device))
    return safe_exp(cross_entropy(y_hat, Y).item())


def report(
    ctx: JobContext[Params],
    net: CharRNN,
    val_X: Tensor,
    val_Y: Tensor,
    running: RunningMeans,
    training: Training,
) -> dict[str, float]:
    """The training perplexity since the last report (train_epoch_ch8's), the validation
    perplexity, the largest ‖g‖ and the throughput; a NaN or infinite one ends the run as
    diverged, with its name and step."""
    means = running.read()
    values = {
        "perplexity": safe_exp(means["loss"]),
        "grad_norm": training.largest_norm,
        "val_perplexity": val_perplexity(net, val_X, val_Y),
        "tokens_per_sec": means["per_second"],
    }
    training.largest_norm = 0.0
    ctx.metric(values)
    running.restart_clock()  # the throughput leaves the validation and the frames out
    return values


def unigram_perplexity(vocab: CharVocab, train: Tensor, val: Tensor) -> float:
    """What a model blind to context scores: each validation character predicted by its
    frequency in the training text (add-one smoothed, so that no character is impossible)."""
    counts = torch.bincount(train.cpu(), minlength=len(vocab)).double() + 1
    log_p = (counts / counts.sum()).log()
    return math.exp(-log_p[val.cpu()].mean().item())


def summary(
    ctx: JobContext[Params],
    net: CharRNN,
    vocab: CharVocab,
    train: Tensor,
    val: Tensor,
    values: dict[str, float],
    corpus: str,
    corpus_note: str,
) -> dict[str, Any]:
    """As the book's train_ch8 prints: the perplexity, the speed, and its two samples (and
    the learner's prefix)."""
    params = ctx.params
    samples = {}
    for prefix in dict.fromkeys((*BOOK_PREFIXES, params.prefix)):
        read, written = generated_text(net, vocab, prefix, params.predict_chars)
        samples[prefix] = read + written
    unigram = unigram_perplexity(vocab, train, val)
    if values:  # (a fork of a finished run's last snapshot trains no step)
        ctx.log(
            f"perplexity {values['perplexity']:.1f}, validation {values['val_perplexity']:.1f} "
            f"(a unigram model: {unigram:.1f}), {values['tokens_per_sec']:.0f} tokens/sec on "
            f"{ctx.device}"
        )
    for sample in samples.values():
        ctx.log(sample)
    return {
        **values,
        "unigram_perplexity": unigram,
        "model": params.model,
        "steps": ctx.step,
        "samples": samples,
        "corpus": corpus,
        "corpus_note": corpus_note,
    }

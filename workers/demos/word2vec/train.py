"""Pretraining word2vec (book 14.4; today's 15.4): the book's `train` on its PTB examples.

The examples are prepared once from the seed (vocabulary, subsampling, context windows, noise
words; see `data`); then the initial vectors are drawn, and each epoch's order of the
examples. Each minibatch of center words, padded with its mask and labels, takes one step of
Adam on the sum of the examples' losses. Every few steps the loss since the last report is
reported, and the vectors are read: the probe's nearest words, the analogy, the projection.
The vectors, Adam's moments, the minibatch order and the sums for the book's loss are the
training state that a fork continues.
"""

from dataclasses import dataclass
from typing import Any

import torch

from workers.context import JobContext
from workers.demos.word2vec.data import batchify, prepare
from workers.demos.word2vec.model import MaskedSigmoidBCE, skip_gram_net, train_batch
from workers.demos.word2vec.params import Params
from workers.demos.word2vec.views import Pictures
from workers.kit.corpora import load_corpus
from workers.kit.minibatches import Minibatches
from workers.kit.running import RunningMeans
from workers.kit.seeding import generator

REPORTS_PER_EPOCH = 10  # the book's animator plots 5 points an epoch


@dataclass
class BookLoss:
    """The book's `Accumulator(2)`: the sum of the examples' losses and their number since the
    start of training, whose ratio it prints at the end ("loss 0.410")."""

    total: float = 0.0
    examples: float = 0.0

    @property
    def mean(self) -> float:
        return self.total / self.examples if self.examples else float("nan")


def run(ctx: JobContext[Params]) -> dict[str, Any]:
    params = ctx.params
    corpus = load_corpus(ctx, "ptb")
    ctx.log(corpus.note)
    data = prepare(
        corpus.lines, params.max_window_size, params.num_noise_words, params.seed, params.sentences
    )
    vocab, examples = data.vocab, data.examples
    ctx.log(
        f"{data.tokens:,} tokens of {len(vocab) - 1:,} words seen at least 10 times; "
        f"{data.kept:,} kept by subsampling; {len(examples.centers):,} center words, with "
        f"{examples.num_contexts.float().mean():.2f} context words each on average."
    )
    if len(examples.centers) == 0:
        raise ValueError("No center word has a context: train on more sentences.")

    device = ctx.device  # a GPU gathers the embedding rows faster; the CPU does the book's run
    rng = generator(params.seed)
    net = skip_gram_net(len(vocab), params.embed_size, rng).to(device)
    loss = MaskedSigmoidBCE()
    optimizer = torch.optim.Adam(net.parameters(), lr=params.lr)
    tensors = tuple(t.to(device) for t in examples.tensors())
    batches = Minibatches(tensors, params.batch_size, generator(params.seed, device))
    running = RunningMeans(device)  # the loss and throughput since the last report
    book = BookLoss()
    ctx.track(net=net, optimizer=optimizer, batches=batches, running=running, book=book)
    steps_per_epoch = -(-len(examples.centers) // params.batch_size)
    report_every = max(1, steps_per_epoch // REPORTS_PER_EPOCH)

    pictures = Pictures(ctx, net, vocab)
    pictures.show()
    running.restart_clock()
    for epoch in batches.epochs(params.epochs):
        for centers, contexts_negatives, num_contexts in batches:
            params = ctx.checkpoint(batches.step)
            pictures.show_if_asked()  # reads the vectors, changes nothing
            for group in optimizer.param_groups:
                group["lr"] = params.lr  # live
            batch = batchify(centers, contexts_negatives, num_contexts, examples.num_noise)
            total = train_batch(net, loss, optimizer, batch)
            running.add({"loss": total / len(centers)}, weight=len(centers), units=len(centers))
            if batches.step % report_every == 0 or batches.epoch_done:
                report(ctx, running, book)
                pictures.show_if_due()
                running.restart_clock()  # the pictures are not training
        ctx.log(f"epoch {epoch}, loss {book.mean:.3f} (the mean since the start, as the book's)")
    pictures.show()
    return {
        "loss": book.mean,
        "steps": batches.step,
        "vocabulary": len(vocab),
        "examples": len(examples.centers),
        "probe": params.probe,
        "nearest": pictures.neighbours,
        "analogy": params.analogy,
        "analogy_answer": pictures.answer,
        "corpus": "fallback" if corpus.fallback else corpus.id,
        "corpus_note": corpus.note,
    }


def report(ctx: JobContext[Params], running: RunningMeans, book: BookLoss) -> None:
    """The mean loss since the last report, and the throughput; the book's sums go on."""
    examples = running.weight
    means = running.read()
    book.total += means["loss"] * examples
    book.examples += examples
    ctx.metric({"loss": means["loss"], "examples_per_sec": means["per_second"]})

"""Training throughput of the word2vec demo's loop against the book's plain loop.

Both train the book's skip-gram (two 100-dimensional embedding tables, Adam with η = 0.002,
batches of 512) on the same examples: those the demo prepares from the offline stand-in text
(PTB cannot be downloaded everywhere; the speed depends on the batch's shape, not its words).

- book: its `train` as printed, a DataLoader over a Dataset of lists with its `batchify` as
  collate_fn (padding in Python every batch), the loss read back after every step (its
  `Accumulator`);
- demo: the demo's `run` in a worker's job context, everything included (the text read and
  the examples prepared once as padded tensors, cut per batch, live-param checkpoints,
  snapshots at their schedule, running sums read once per report, pictures at theirs), its
  wall clock, like the book loop's (which starts from examples already prepared).

    .venv/bin/python bench/word2vec_throughput.py [--epochs 3] [--threads 1] [--repeats 1]

Prints center words (examples) per second for each loop and their ratio, on the CPU.
"""

import argparse
import sys
import time
from functools import partial
from pathlib import Path

import torch
from torch import nn

from workers.demos.word2vec import DEMO, Params
from workers.demos.word2vec.data import prepare
from workers.demos.word2vec.model import MaskedSigmoidBCE, skip_gram
from workers.demos.word2vec.train import run
from workers.kit.corpora import documentation_sentences

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.throughput import best_of, offline_texts, parse_arguments, report, timed_demo


def book_batchify(data: list) -> tuple:
    """The book's `batchify`, as printed."""
    max_len = max(len(c) + len(n) for _, c, n in data)
    centers, contexts_negatives, masks, labels = [], [], [], []
    for center, context, negative in data:
        cur_len = len(context) + len(negative)
        centers += [center]
        contexts_negatives += [context + negative + [0] * (max_len - cur_len)]
        masks += [[1] * cur_len + [0] * (max_len - cur_len)]
        labels += [[1] * len(context) + [0] * (max_len - len(context))]
    return (
        torch.tensor(centers).reshape((-1, 1)),
        torch.tensor(contexts_negatives),
        torch.tensor(masks),
        torch.tensor(labels),
    )


def book_loop(epochs: int) -> float:
    """The book's `train` on the demo's examples as lists; returns examples per second."""
    ex = prepare(documentation_sentences(), 5, 5, 0).examples
    rows = []
    for center, row, n in zip(*ex.tensors(), strict=True):
        n = int(n)
        rows.append((int(center), row[:n].tolist(), row[n : n * 6].tolist()))
    loader = torch.utils.data.DataLoader(rows, 512, shuffle=True, collate_fn=book_batchify)
    net = nn.Sequential(nn.Embedding(838, 100), nn.Embedding(838, 100))
    for m in net:
        nn.init.xavier_uniform_(m.weight)
    loss = MaskedSigmoidBCE()
    optimizer = torch.optim.Adam(net.parameters(), lr=0.002)
    total, count, started = 0.0, 0, time.perf_counter()
    for _ in range(epochs):
        for center, context_negative, mask, label in loader:
            optimizer.zero_grad()
            pred = skip_gram(center, context_negative, net[0], net[1])
            l = loss(pred.reshape(label.shape).float(), label.float(), mask)  # noqa: E741
            l = l / mask.sum(axis=1) * mask.shape[1]  # noqa: E741
            l.sum().backward()
            optimizer.step()
            total, count = total + l.sum().item(), count + l.numel()
    return count / (time.perf_counter() - started)


def demo_loop(epochs: int) -> float:
    summary, seconds = timed_demo(DEMO, run, Params(epochs=epochs))  # it trains flat out
    return summary["examples"] * epochs / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3)
    args = parse_arguments(parser, repeats=1)
    offline_texts()
    demo, book = best_of(
        args.repeats, partial(demo_loop, args.epochs), partial(book_loop, args.epochs)
    )
    report(f"word2vec, {args.epochs} epochs on the stand-in:", demo, book)


if __name__ == "__main__":
    main()

"""Training throughput of the char-rnn demo against the book's plain loop, side by side.

Both train on the same 10,000 characters (the offline stand-in text: the speed does not depend
on which text), batches of 32 subsequences of 35 characters, at the classic sizes: the
scratch RNN with 512 hidden units and the GRU with 256.

- book: the 0.14 edition's code as printed: `get_params`, `rnn`/`gru` over the one-hot
  inputs step by step (X_t W_xh inside the loop), `seq_data_iter_sequential`,
  `train_epoch_ch8` with `grad_clipping` and `d2l.sgd`, the loss read after every step;
- demo: the demo's `run` in a worker's job context, everything included (checkpoints, a report
  with the validation perplexity every few steps, the frames once a second), its wall-clock
  tokens/s.

    .venv/bin/python bench/char_rnn_throughput.py [--epochs 3] [--threads 1] [--repeats 1]
"""

import argparse
import math
import random
import re
import sys
import time
from functools import partial
from pathlib import Path

import torch
from torch.nn import functional as F

from workers.demos.char_rnn import DEMO, Params
from workers.demos.char_rnn.train import run
from workers.kit.corpora import documentation_lines

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.throughput import best_of, offline_texts, parse_arguments, report, timed_demo

NUM_STEPS, BATCH = 35, 32


def corpus_ids() -> tuple[list[int], int]:
    cleaned = (re.sub("[^A-Za-z]+", " ", line).strip().lower() for line in documentation_lines())
    text = " ".join(line for line in cleaned if line)
    vocab = ["<unk>", " ", *"abcdefghijklmnopqrstuvwxyz"]
    index = {t: i for i, t in enumerate(vocab)}
    return [index.get(c, 0) for c in text[:10_000]], len(vocab)


def get_params(kind: str, vocab_size: int, h: int) -> list[torch.Tensor]:
    def normal(shape: tuple[int, ...]) -> torch.Tensor:
        return torch.randn(size=shape) * 0.01

    def three() -> list[torch.Tensor]:
        return [normal((vocab_size, h)), normal((h, h)), torch.zeros(h)]

    params = three() if kind == "rnn" else three() + three() + three()
    params += [normal((h, vocab_size)), torch.zeros(vocab_size)]
    for p in params:
        p.requires_grad_(True)
    return params


def rnn(inputs, state, params):
    W_xh, W_hh, b_h, W_hq, b_q = params
    (H,) = state
    outputs = []
    for X in inputs:
        H = torch.tanh(torch.mm(X, W_xh) + torch.mm(H, W_hh) + b_h)
        outputs.append(torch.mm(H, W_hq) + b_q)
    return torch.cat(outputs, dim=0), (H,)


def gru(inputs, state, params):
    W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q = params
    (H,) = state
    outputs = []
    for X in inputs:
        Z = torch.sigmoid((X @ W_xz) + (H @ W_hz) + b_z)
        R = torch.sigmoid((X @ W_xr) + (H @ W_hr) + b_r)
        H_tilda = torch.tanh((X @ W_xh) + ((R * H) @ W_hh) + b_h)
        H = Z * H + (1 - Z) * H_tilda
        outputs.append(H @ W_hq + b_q)
    return torch.cat(outputs, dim=0), (H,)


def seq_data_iter_sequential(corpus, batch_size, num_steps):
    offset = random.randint(0, num_steps)
    num_tokens = ((len(corpus) - offset - 1) // batch_size) * batch_size
    Xs = torch.tensor(corpus[offset : offset + num_tokens]).reshape(batch_size, -1)
    Ys = torch.tensor(corpus[offset + 1 : offset + 1 + num_tokens]).reshape(batch_size, -1)
    for i in range(0, num_steps * (Xs.shape[1] // num_steps), num_steps):
        yield Xs[:, i : i + num_steps], Ys[:, i : i + num_steps]


def book(kind: str, hidden: int, epochs: int) -> float:
    corpus, V = corpus_ids()
    params = get_params(kind, V, hidden)
    forward = rnn if kind == "rnn" else gru
    tokens, started = 0, time.perf_counter()
    for _ in range(epochs):  # train_epoch_ch8
        state = None
        for X, Y in seq_data_iter_sequential(corpus, BATCH, NUM_STEPS):
            if state is None:
                state = (torch.zeros((X.shape[0], hidden)),)
            else:
                state = tuple(s.detach_() for s in state)
            y_hat, state = forward(F.one_hot(X.T, V).float(), state, params)
            loss = F.cross_entropy(y_hat, Y.T.reshape(-1))
            loss.backward()
            norm = torch.sqrt(sum(torch.sum(p.grad**2) for p in params))  # grad_clipping
            if norm > 1:
                for p in params:
                    p.grad[:] *= 1 / norm
            with torch.no_grad():  # d2l.sgd, batch_size 1
                for p in params:
                    p -= 1.0 * p.grad
                    p.grad.zero_()
            tokens += Y.numel()
            math.exp(loss.item())  # the Accumulator reads the loss every step
    return tokens / (time.perf_counter() - started)


def demo(kind: str, hidden: int, epochs: int) -> float:
    params = Params(model=kind, hidden=hidden, epochs=epochs, speed=0)
    summary, seconds = timed_demo(DEMO, run, params)
    return summary["steps"] * BATCH * NUM_STEPS / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    args = parse_arguments(parser, repeats=1)
    offline_texts()
    print(f"{args.epochs} epochs, batch {BATCH} × {NUM_STEPS} steps, CPU; wall clock")
    for kind, hidden in (("rnn", 512), ("gru", 256)):
        torch.manual_seed(0)
        random.seed(0)
        ours, plain = best_of(
            args.repeats,
            partial(demo, kind, hidden, args.epochs),
            partial(book, kind, hidden, args.epochs),
        )
        report(f"{kind:>4} h={hidden}:", ours, plain, unit="tokens/s")


if __name__ == "__main__":
    main()

"""Training throughput of the transformer-attention demo's loop against a plain PyTorch loop.

Both train the same Transformer (`workers.demos.transformer_attention.model.Transformer`) on the
same generated batches, step for step:

- demo: `train.run`, everything it does included: a checkpoint per step (live params), and
  every few steps the held-out evaluation (greedy decoding), the probe's attention maps and
  their events; bfloat16 autocast on a GPU that has it. Reported twice: end to end (all of
  that counted) and its own `tokens_per_sec` metric (training steps only, evaluation left out).
- plain: the bare loop (batch, forward, loss, backward, clip, step), float32; on a GPU also
  under the same bfloat16 autocast as the demo, to show what mixed precision buys.

    .venv/bin/python bench/attention_throughput.py [--steps 200] [--threads 1] [--repeats 3]

Tokens are the real (non-padding) source and target tokens of each batch. Prints tokens/sec
for each loop and the ratio demo / plain, on the CPU and, when one is visible, on the GPU.
"""

import argparse
import contextlib
import sys
import time
from itertools import islice
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from workers.demos.transformer_attention import DEMO, Params
from workers.demos.transformer_attention import train as demo
from workers.demos.transformer_attention.model import PAD_ID, Transformer, Vocabs
from workers.demos.transformer_attention.tasks import TASKS

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.throughput import DiscardingChannel, devices, job_context, parse_arguments, synchronize

CONFIGS = {  # name -> params; "book" is the book's model size
    "default": {},
    "book": {"hidden": 256, "num_heads": 4, "num_layers": 2, "batch_size": 128},
}


class MetricsChannel(DiscardingChannel):
    """A job channel that keeps the metric events only and never asks for a change."""

    def __init__(self) -> None:
        self.metrics: list[dict[str, float]] = []

    def emit(self, draft: dict[str, Any]) -> None:
        if draft["type"] == "metric":
            self.metrics.append(draft["values"])


def total_tokens(params: Params) -> int:
    """Tokens in the batches a run of `params.steps` steps trains on (the same in both loops)."""
    task = TASKS[params.task]
    batches = demo.training_batches(task, params, Vocabs.of(task), "cpu")
    return sum(batch.tokens for batch in islice(batches, params.steps))


def demo_loop(params: Params, device: str) -> tuple[float, float]:
    """(end-to-end tokens/sec, the demo's own training-only tokens/sec)."""
    channel = MetricsChannel()
    ctx = job_context(DEMO, params, device, channel)
    started = time.perf_counter()
    demo.run(ctx)
    synchronize(device)
    seconds = time.perf_counter() - started
    rates = [m["tokens_per_sec"] for m in channel.metrics if "tokens_per_sec" in m]
    # Reports come every equal number of steps, so the harmonic mean of the rates is the
    # rate over all training steps (the plain mean would favour the fast intervals).
    return total_tokens(params) / seconds, len(rates) / sum(1 / rate for rate in rates)


def plain_loop(params: Params, device: str, autocast: bool) -> float:
    task = TASKS[params.task]
    vocabs = Vocabs.of(task)
    torch.manual_seed(params.seed)
    model = Transformer(vocabs, params).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=params.lr)
    precision = (
        torch.autocast("cuda", dtype=torch.bfloat16) if autocast else contextlib.nullcontext()
    )
    tokens = 0
    synchronize(device)
    started = time.perf_counter()
    for batch in islice(demo.training_batches(task, params, vocabs, device), params.steps):
        with precision:
            logits = model(batch.source, batch.decoder_input)
            loss = F.cross_entropy(
                logits.flatten(0, 1), batch.labels.flatten(), ignore_index=PAD_ID
            )
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        tokens += batch.tokens
    synchronize(device)
    return tokens / (time.perf_counter() - started)


def measure(config: str, steps: int, device: str, repeats: int) -> None:
    """The best of `repeats` alternating runs of each loop: on a shared machine the best run
    is the one least disturbed by others."""
    params = Params(**CONFIGS[config], steps=steps)
    amp = device == "cuda" and torch.cuda.is_bf16_supported()
    warm_up = params.model_copy(update={"steps": 20})
    demo_loop(warm_up, device)  # first calls pay for imports, kernel selection and caches
    plain_loop(warm_up, device, autocast=False)
    end_to_end, training, plain, plain_amp = 0.0, 0.0, 0.0, 0.0
    for _ in range(repeats):
        run_end_to_end, run_training = demo_loop(params, device)
        end_to_end, training = max(end_to_end, run_end_to_end), max(training, run_training)
        plain = max(plain, plain_loop(params, device, autocast=False))
        if amp:
            plain_amp = max(plain_amp, plain_loop(params, device, autocast=True))
    every = max(1, steps // demo.REPORTS_PER_RUN)
    size = f"hidden {params.hidden}, batch {params.batch_size}"
    print(
        f"{device:>4}  {config:<8} ({size}, {steps} steps, evaluation every {every})\n"
        f"      demo end to end {end_to_end:>9.0f} tok/s   demo training steps {training:>9.0f}"
        f" tok/s\n      plain fp32      {plain:>9.0f} tok/s   demo/plain {end_to_end / plain:.2f}×"
        f" end to end, {training / plain:.2f}× training steps"
    )
    if amp:
        print(f"      plain bf16      {plain_amp:>9.0f} tok/s   bf16/fp32 {plain_amp / plain:.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", choices=list(CONFIGS), action="append")
    parser.add_argument("--steps", type=int, default=400, help="training steps per CPU run")
    args = parse_arguments(parser)
    for device in devices():
        steps = args.steps * (5 if device == "cuda" else 1)  # a GPU needs more to time
        for config in args.config or (["default", "book"] if device == "cuda" else ["default"]):
            measure(config, steps, device, args.repeats)


if __name__ == "__main__":
    main()

"""The params of the `transformer-attention` demo: ranges, units, and which are live."""

from typing import Literal

from pydantic import ValidationInfo, field_validator

from core import params as common
from core.param_fields import DemoParams, param_field
from workers.demos.transformer_attention.tasks import TASKS

TaskName = Literal["reverse", "sort", "copy", "translate"]


class Params(DemoParams):
    task: TaskName = param_field(
        "reverse",
        description="What to learn: reverse, sort or copy a string of letters, or translate a "
        "short English sentence into French (adjectives move after their noun).",
    )
    seq_len: int = param_field(
        8,
        description="Longest input, in tokens; inputs range from 1 token up to it.",
        ge=3,
        le=16,
        unit="tokens",
    )
    num_layers: int = param_field(
        2,
        description="Transformer blocks in the encoder and in the decoder; the book uses 2.",
        ge=1,
        le=6,
    )
    num_heads: int = param_field(
        4, description="Attention heads per multi-head attention; the book uses 4.", ge=1, le=8
    )
    hidden: int = param_field(
        64,
        description="Width d of every token's representation (the book's num_hiddens); "
        "a multiple of num_heads, each head getting d / num_heads.",
        ge=8,
        le=512,
    )
    dropout: float = param_field(
        0.1,
        description="Dropout on attention weights, positional encodings and sublayer outputs "
        "(the book uses 0.2).",
        ge=0,
        le=0.9,
        live=True,
    )
    lr: float = common.learning_rate(0.002, "Learning rate of Adam (the book uses 0.001).", le=0.1)
    batch_size: int = common.batch_size(
        64, "Sequences per training step.", le=1024, unit="sequences"
    )
    steps: int = common.steps(1500, "Training steps, each on a fresh batch.", le=100_000)
    seed: int = common.seed("Seeds the initial weights, data and dropout.")
    probe: str = param_field(
        "",
        description="The input whose attention is shown; edit it while the model trains. "
        "Letters for reverse/sort/copy, English words for translate; empty picks an example.",
        max_length=200,
        live=True,
        validate_default=True,
    )

    @field_validator("hidden")
    @classmethod
    def _heads_split_hidden(cls, hidden: int, info: ValidationInfo) -> int:
        num_heads = info.data.get("num_heads")
        if num_heads and hidden % num_heads:
            raise ValueError(f"must be a multiple of num_heads ({num_heads})")
        return hidden

    @field_validator("probe")
    @classmethod
    def _probe_fits_task(cls, probe: str, info: ValidationInfo) -> str:
        if "task" not in info.data or "seq_len" not in info.data:
            return probe  # the task or seq_len is itself invalid and reported
        task, seq_len = TASKS[info.data["task"]], info.data["seq_len"]
        if not probe.strip():
            return task.default_probe(seq_len)
        errors = task.probe_errors(probe, seq_len)
        if errors:
            raise ValueError("; ".join(errors))
        return probe

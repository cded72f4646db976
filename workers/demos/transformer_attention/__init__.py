"""A Transformer whose attention heads a learner watches learn (book 10.5–10.7).

A small encoder–decoder Transformer, written the book's way, learns a sequence-to-sequence
task generated in code. Every few steps it reads a probe sentence, chosen and edited by the
learner while it trains, and shows each head's attention on it: encoder self-attention,
decoder self-attention and encoder–decoder attention, layer by layer.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from workers.demos.contract import ChartSpec, DemoSpec, param_field
from workers.demos.transformer_attention.tasks import TASKS

TaskName = Literal["reverse", "sort", "copy", "translate"]


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

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
    lr: float = param_field(
        0.002,
        description="Learning rate of Adam (the book uses 0.001).",
        gt=0,
        le=0.1,
        live=True,
        log_scale=True,
    )
    batch_size: int = param_field(
        64, description="Sequences per training step.", ge=1, le=1024, unit="sequences"
    )
    steps: int = param_field(
        1500,
        description="Training steps, each on a fresh batch.",
        ge=1,
        le=100_000,
        unit="steps",
    )
    seed: int = param_field(0, description="Seeds the initial weights, data and dropout.", ge=0)
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


DEMO = DemoSpec(
    id="transformer-attention",
    title="Transformer attention, head by head",
    chapter="10.7 The Transformer Architecture",
    summary="Train a small encoder–decoder Transformer to reverse, sort, copy or translate, "
    "and watch every head's attention on a sentence you choose.",
    params=Params,
    train_module="workers.demos.transformer_attention.train",
    charts=[
        ChartSpec("Loss", ["loss"], y_label="cross-entropy", log_scale=True),
        ChartSpec("Held-out accuracy", ["*_accuracy"], y_label="accuracy"),
        ChartSpec("Throughput", ["tokens_per_sec"], y_label="tokens/s"),
    ],
    what_to_try=[
        "On `reverse`, watch the last layer's encoder–decoder attention: it ends up as an "
        "anti-diagonal, each output letter looking at its mirror in the input.",
        "Switch to `copy`: the same map becomes the diagonal. `sort` looks letters up by rank.",
        "On `translate`, look at the French article (le, la, un, une): to agree in gender it "
        "must attend to the noun that comes after it in English.",
        'Edit the probe while it trains: try a repeated letter ("aaaa") on `reverse`, or an '
        "ungrammatical sentence on `translate`, and see which heads get confused.",
        "Raise dropout to 0.5 mid-run and watch held-out accuracy; raise lr to 0.05 and watch "
        "the loss jump.",
    ],
)

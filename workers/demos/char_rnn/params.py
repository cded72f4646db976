"""The params of the `char-rnn` demo: ranges, units, and which are live."""

from typing import Literal, Self

from pydantic import model_validator

from core import params as common
from core.param_fields import DemoParams, param_field

ModelName = Literal["rnn", "nn-rnn", "gru", "lstm"]
SamplingName = Literal["sequential", "random"]

NUM_TRAIN = 10_000  # characters that train, in both editions
NUM_VAL = 5_000  # the current edition's validation characters, right after the training ones


class Params(DemoParams):
    model: ModelName = param_field(
        "rnn",
        description="`rnn`: the RNN written from scratch as in 8.5 (W_xh, W_hh, b_h, W_hq, b_q, "
        "tanh, one-hot inputs; stacked as today's deep RNN when layers > 1). `nn-rnn`: the "
        "same network with PyTorch's `nn.RNN` (8.6). `gru` and `lstm`: the gated units "
        "written from the book's equations (9.1, 9.2; today's 10.2, 10.1), gates shown.",
    )
    hidden: int = param_field(
        512,
        description="Hidden units h per layer; the classic edition uses 512 for the scratch RNN "
        "and 256 for nn.RNN, GRU and LSTM, the current edition 32.",
        ge=2,
        le=1024,
        unit="units",
    )
    layers: int = param_field(
        1,
        description="Recurrent layers, each reading the hidden states of the one below "
        "(deep RNNs, 9.3); the book's character models use 1.",
        ge=1,
        le=4,
    )
    sampling: SamplingName = param_field(
        "sequential",
        description="How minibatches are cut from the 10,000 training characters. "
        "`sequential` (the classic edition's default): each epoch starts at a random offset and "
        "cuts the text into batch_size rows; consecutive minibatches continue each other's "
        "rows, so the hidden state is carried over (detached) within an epoch. `random` (the "
        "current edition): every num_steps-character window, shuffled, each read from a zero "
        "hidden state.",
    )
    num_steps: int = param_field(
        35,
        description="Time steps per subsequence (characters back-propagated through); the "
        "classic edition uses 35, the current 32.",
        ge=2,
        le=200,
        unit="characters",
    )
    batch_size: int = common.batch_size(
        32,
        "Subsequences per minibatch; the classic edition uses 32, the current 1024.",
        le=1024,
        unit="sequences",
    )
    lr: float = common.learning_rate(
        1.0,
        "Learning rate η of minibatch SGD; the book uses 1 (the current edition 4 for GRU and "
        "LSTM). Try 50 with clipping off to watch the gradients explode.",
        le=1000,
    )
    clip: float = param_field(
        1.0,
        description="Gradient clipping threshold θ: when the norm ‖g‖ of all the gradients "
        "together exceeds θ, every gradient is scaled by θ/‖g‖; the book uses 1. 0 turns "
        "clipping off.",
        ge=0,
        le=1000,
        unit="‖g‖",
        live=True,
    )
    epochs: int = common.epochs(
        500,
        "Passes over the training text; the classic edition uses 500, the current 100 (RNN) "
        "or 50 (GRU, LSTM).",
        le=2000,
    )
    prefix: str = param_field(
        "time traveller",
        description="The text the model continues (the book's predict_ch8: it reads the prefix, "
        "then writes the likeliest next character again and again). Lowercased; characters "
        "outside the 28-token vocabulary become <unk>. Edit it while the model trains.",
        min_length=1,
        max_length=100,
        live=True,
    )
    predict_chars: int = param_field(
        50,
        description="Characters generated after the prefix; the book generates 50.",
        ge=1,
        le=500,
        unit="characters",
        live=True,
    )
    seed: int = common.seed(
        "Seeds the initial weights and each epoch's offset (sequential) or order (random)."
    )
    speed: float = common.speed(
        0.0,
        "Steps (minibatches) per second, so the text can be watched as it changes; 0 runs flat "
        "out.",
    )

    @model_validator(mode="after")
    def _rows_fit_the_text(self) -> Self:
        """Sequential partitioning lays the text out as batch_size rows: each must hold at
        least one subsequence (after the largest random offset) for an epoch to have a step."""
        if self.sampling == "sequential":
            most = (NUM_TRAIN - self.num_steps - 1) // self.num_steps
            if self.batch_size > most:
                raise ValueError(
                    f"sequential partitioning of {NUM_TRAIN:,} characters into rows of at "
                    f"least num_steps = {self.num_steps} takes at most {most} rows: lower "
                    "batch_size or num_steps, or sample at random (as the current edition "
                    "does for its batches of 1024)"
                )
        return self

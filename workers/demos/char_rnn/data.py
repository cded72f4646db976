"""Text as characters (book 8.2–8.4; today's 9.2–9.3): preprocessing, the vocabulary, and the
two ways of cutting a long text into minibatches of subsequences.

The book keeps letters only, lowercased (`re.sub('[^A-Za-z]+', ' ', line).strip().lower()`),
and splits the text into character tokens: 26 letters and the space, plus `<unk>` for
anything else, 28 tokens. The first 10,000 characters train; the next 5,000 validate (as the
current edition does).
"""

import re
import string
from collections import Counter
from collections.abc import Iterator
from typing import Any

import torch
from torch import Tensor

UNK = "<unk>"


def preprocess(lines: list[str]) -> str:
    """Letters only, lowercase, one line after another. The 0.14 edition glues the lines
    together with nothing between them ("him" + "was"); today's edition cleans the whole text
    at once, so a line break becomes a space: we do as today, so words stay words."""
    cleaned = (re.sub("[^A-Za-z]+", " ", line).strip().lower() for line in lines)
    return " ".join(line for line in cleaned if line)


class CharVocab:
    """The book's `Vocab` of characters: index 0 is `<unk>`, then the tokens from the most
    frequent down (ties in order of first appearance, as Python's stable sort leaves them).
    A letter the text never uses is appended, so the vocabulary is always the 28 tokens."""

    def __init__(self, text: str) -> None:
        counts = Counter(text)
        frequent = sorted(counts.items(), key=lambda item: item[1], reverse=True)
        tokens = [token for token, _ in frequent]
        missing = [c for c in " " + string.ascii_lowercase if c not in counts]
        self.idx_to_token: list[str] = [UNK, *tokens, *missing]
        self.token_to_idx = {token: i for i, token in enumerate(self.idx_to_token)}
        self.counts = counts

    def __len__(self) -> int:
        return len(self.idx_to_token)

    def ids(self, text: str) -> list[int]:
        """Each character's index; anything outside the vocabulary is `<unk>` (0)."""
        return [self.token_to_idx.get(c, 0) for c in text]

    def tokens(self, ids: list[int]) -> list[str]:
        return [self.idx_to_token[i] for i in ids]


def prefix_ids(vocab: CharVocab, prefix: str) -> list[int]:
    """A learner's prefix, lowercased as the text was; other characters become `<unk>`."""
    return vocab.ids(prefix.lower())


class SequentialBatches:
    """The classic edition's `seq_data_iter_sequential`: each epoch drops a random offset of
    0..num_steps characters, keeps the largest multiple of batch_size of what is left (less one
    character, for the labels) and lays it out as batch_size rows; minibatch i takes columns
    i·num_steps to (i+1)·num_steps, so row r of one minibatch goes on where row r of the one
    before ended, and the hidden state can be carried over.

    The offset, the position in the epoch and the generator are the training state; the
    interface is `kit.minibatches.Minibatches`' (`epochs`, `steps`, `take`)."""

    def __init__(
        self, corpus: Tensor, batch_size: int, num_steps: int, generator: torch.Generator
    ) -> None:
        self.corpus, self.batch_size, self.num_steps = corpus, batch_size, num_steps
        self.generator = generator
        self.epoch = 1  # the epoch in progress (or next)
        self.offset: int | None = None  # drawn when the epoch starts
        self.taken = 0  # minibatches of the epoch handed out
        self.step = 0  # minibatches handed out in all

    def rows(self) -> tuple[Tensor, Tensor]:
        """The epoch's inputs and labels, (batch_size, columns) each."""
        assert self.offset is not None
        num_tokens = (len(self.corpus) - self.offset - 1) // self.batch_size * self.batch_size
        Xs = self.corpus[self.offset : self.offset + num_tokens]
        Ys = self.corpus[self.offset + 1 : self.offset + 1 + num_tokens]
        return Xs.reshape(self.batch_size, -1), Ys.reshape(self.batch_size, -1)

    def per_epoch(self) -> int:
        """Minibatches in an epoch at the largest offset (a smaller one may give one more)."""
        columns = (len(self.corpus) - self.num_steps - 1) // self.batch_size
        return columns // self.num_steps

    @property
    def epoch_start(self) -> bool:
        """The next minibatch opens an epoch: the hidden state starts again from zeros."""
        return self.taken == 0

    def epochs(self, last: int) -> Iterator[int]:
        while self.epoch <= last:
            yield self.epoch

    def steps(self) -> Iterator[int]:
        if self.offset is None:  # the book's random.randint(0, num_steps), from our generator
            self.offset = int(torch.randint(0, self.num_steps + 1, (1,), generator=self.generator))
        while self.taken < self.rows()[0].shape[1] // self.num_steps:
            yield self.step + 1
        self.epoch, self.taken, self.offset = self.epoch + 1, 0, None

    def take(self, batch_size: int | None = None) -> tuple[Tensor, Tensor]:
        """The next minibatch, (batch_size, num_steps) inputs and labels."""
        Xs, Ys = self.rows()
        i = self.taken * self.num_steps
        self.taken += 1
        self.step += 1
        return Xs[:, i : i + self.num_steps], Ys[:, i : i + self.num_steps]

    def state_dict(self) -> dict[str, Any]:
        return {
            "epoch": self.epoch,
            "offset": self.offset,
            "taken": self.taken,
            "step": self.step,
            "generator": self.generator.get_state(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.epoch, self.offset = state["epoch"], state["offset"]
        self.taken, self.step = state["taken"], state["step"]
        self.generator.set_state(state["generator"])


def windows(corpus: Tensor, num_steps: int) -> tuple[Tensor, Tensor]:
    """The current edition's examples: every window of num_steps + 1 characters, the first
    num_steps the inputs, the last num_steps the labels."""
    starts = torch.arange(len(corpus) - num_steps)
    array = corpus[starts[:, None] + torch.arange(num_steps + 1)]
    return array[:, :-1], array[:, 1:]


def validation_windows(corpus: Tensor, num_steps: int) -> tuple[Tensor, Tensor]:
    """The validation characters in windows of num_steps that do not overlap, each read from a
    zero hidden state: every num_steps-th of the current edition's validation windows (the
    same mean loss, in expectation, for a num_steps-th of the work)."""
    X, Y = windows(corpus, num_steps)
    return X[::num_steps], Y[::num_steps]

"""Epochs of shuffled minibatches that stop and resume at any step.

The data order and the position within the epoch are training state: a fork must see the
batches its parent would have seen next. Each epoch is one permutation drawn from the loop's
own generator; the state keeps the generator as it was before that draw (a few bytes, not the
permutation) and how many examples of the epoch the loop has used.

    batches = Minibatches((X, y), batch_size, generator(seed, device))
    ctx.track(..., batches=batches)
    for epoch in batches.epochs(params.epochs):
        for X, y in batches:
            params = ctx.checkpoint(batches.step)
            ...
        evaluate(...)  # after every epoch

Where the batch size is live, the batch is taken after the checkpoint, in the size in force:

        for step in batches.steps():
            params = ctx.checkpoint(step)
            X, y = batches.take(params.batch_size)
"""

from collections.abc import Iterator
from typing import Any

import torch
from torch import Tensor


class Minibatches:
    def __init__(
        self, tensors: tuple[Tensor, ...], batch_size: int, generator: torch.Generator
    ) -> None:
        self.tensors = tensors
        self.batch_size = batch_size
        self.generator = generator
        self.epoch = 1  # the epoch in progress (or next)
        self.taken = 0  # examples of it handed out
        self.step = 0  # batches handed out in all
        self._order: Tensor | None = None
        self._order_drawn_from: Tensor | None = None  # the generator's state before the draw
        self._in_step = 0  # examples handed out for the step in progress, before its checkpoint

    @property
    def examples(self) -> int:
        return len(self.tensors[0])

    @property
    def epoch_done(self) -> bool:
        return self.taken == self.examples

    def epochs(self, last: int) -> Iterator[int]:
        """The epoch numbers from the one in progress (after a fork, the snapshot's) to `last`."""
        while self.epoch <= last:
            yield self.epoch

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        """The rest of the epoch in progress in batches of `batch_size`."""
        for _ in self.steps():
            yield self.take(self.batch_size)

    def steps(self) -> Iterator[int]:
        """The number of each step of the epoch in progress, until its examples are used; at
        its end the next epoch is due."""
        if self._order is None:
            self._draw_order()
        while self.taken < self.examples:
            yield self.step + 1
            self._in_step = 0
        self.epoch += 1
        self.taken = 0
        self._order = None

    def take(self, batch_size: int) -> tuple[Tensor, ...]:
        """The next minibatch (shorter at the end of the epoch), inside `steps()`."""
        assert self._order is not None, "take a batch inside `for step in batches.steps()`"
        batch = self._order[self.taken : self.taken + batch_size]
        self.taken += len(batch)
        self.step += 1
        self._in_step = len(batch)
        return tuple(t[batch] for t in self.tensors)

    def _draw_order(self) -> None:
        self._order_drawn_from = self.generator.get_state()
        device = self.tensors[0].device
        self._order = torch.randperm(self.examples, device=device, generator=self.generator)

    def state_dict(self) -> dict[str, Any]:
        """Where the loop stands at the start of the step in progress (a batch already handed
        out for it is handed out again on a resume)."""
        return {
            "epoch": self.epoch,
            "taken": self.taken - self._in_step,
            "step": self.step - (1 if self._in_step else 0),
            "order_drawn_from": self._order_drawn_from if self._order is not None else None,
            "generator": self.generator.get_state(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.epoch, self.taken, self.step = state["epoch"], state["taken"], state["step"]
        self._in_step = 0
        self._order = None
        if state["order_drawn_from"] is not None:
            self.generator.set_state(state["order_drawn_from"])
            self._draw_order()
        self.generator.set_state(state["generator"])

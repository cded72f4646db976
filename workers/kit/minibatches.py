"""Epochs of shuffled minibatches that stop and resume at any step.

The data order and the position within the epoch are training state: a fork must see the
batches its parent would have seen next. Each epoch is one permutation drawn from the loop's
own generator; the state keeps the generator as it was before that draw (a few bytes, not the
permutation) and how far into the epoch the loop has come.

    batches = Minibatches((X, y), batch_size, generator(seed, device))
    ctx.track(..., batches=batches)
    for epoch in batches.epochs(params.epochs):
        for X, y in batches:
            params = ctx.checkpoint(batches.step)
            ...
        evaluate(...)  # after every epoch
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
        self.position = 0  # batches of it handed out
        self.step = 0  # batches handed out in all
        self._order: Tensor | None = None
        self._order_drawn_from: Tensor | None = None  # the generator's state before the draw
        self._in_step = False  # a batch is out and its step has not ended

    @property
    def examples(self) -> int:
        return len(self.tensors[0])

    @property
    def per_epoch(self) -> int:
        return -(-self.examples // self.batch_size)

    def epochs(self, last: int) -> Iterator[int]:
        """The epoch numbers from the one in progress (after a fork, the snapshot's) to `last`."""
        while self.epoch <= last:
            yield self.epoch

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        """The rest of the epoch in progress; at its end the next epoch is due."""
        if self._order is None:
            self._draw_order()
        assert self._order is not None
        while self.position < self.per_epoch:
            start = self.position * self.batch_size
            batch = self._order[start : start + self.batch_size]
            self.position += 1
            self.step += 1
            self._in_step = True
            yield tuple(t[batch] for t in self.tensors)
            self._in_step = False
        self.epoch += 1
        self.position = 0
        self._order = None

    def _draw_order(self) -> None:
        self._order_drawn_from = self.generator.get_state()
        device = self.tensors[0].device
        self._order = torch.randperm(self.examples, device=device, generator=self.generator)

    def state_dict(self) -> dict[str, Any]:
        """Where the loop stands at the start of the step in progress (its batch is handed
        out again on a resume)."""
        handed_out = 1 if self._in_step else 0
        return {
            "epoch": self.epoch,
            "position": self.position - handed_out,
            "step": self.step - handed_out,
            "order_drawn_from": self._order_drawn_from if self._order is not None else None,
            "generator": self.generator.get_state(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.epoch, self.position, self.step = state["epoch"], state["position"], state["step"]
        self._in_step = False
        self._order = None
        if state["order_drawn_from"] is not None:
            self.generator.set_state(state["order_drawn_from"])
            self._draw_order()
        self.generator.set_state(state["generator"])

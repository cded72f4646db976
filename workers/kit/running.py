"""Running means of training metrics, summed on the device between reports.

Reading a value from a GPU makes it finish its queued work, so a loop that read its loss every
step would make the GPU wait for Python at every step. These sums stay on the device and are
read once per report (the book's `Accumulator`, without the per-step `.item()`).
"""

import time
from typing import Any

import torch
from torch import Tensor


class RunningMeans:
    def __init__(self, device: str | torch.device) -> None:
        self.device = torch.device(device)
        self.reset()

    def reset(self) -> None:
        self._sums: dict[str, Tensor] = {}
        self.weight = 0.0  # examples (or steps) added since the last report
        self.units = 0  # what throughput counts: examples, tokens...
        self.started = time.perf_counter()

    def add(self, values: dict[str, Tensor | float], weight: float = 1, units: int = 0) -> None:
        """Add each value, weighted (a batch's mean loss, weighted by its size)."""
        for name, value in values.items():
            term = torch.as_tensor(value, device=self.device).detach().float() * weight
            self._sums[name] = self._sums[name] + term if name in self._sums else term
        self.weight += weight
        self.units += units

    def read(self) -> dict[str, float]:
        """The weighted means since the last read, and `per_second` (units per second); the
        sums and the clock start again from zero (reset again after work that should not
        count, such as an evaluation)."""
        means = {name: total.item() / self.weight for name, total in self._sums.items()}
        seconds = time.perf_counter() - self.started
        means["per_second"] = self.units / seconds if seconds > 0 else 0.0
        self.reset()
        return means

    def restart_clock(self) -> None:
        """Time the throughput from now (after work that should not count, an evaluation)."""
        self.started = time.perf_counter()

    def state_dict(self) -> dict[str, Any]:
        """The sums since the last report (a fork's first report continues them) and the
        time they took."""
        seconds = time.perf_counter() - self.started
        return {
            "sums": dict(self._sums),
            "weight": self.weight,
            "units": self.units,
            "seconds": seconds,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._sums = {name: total.to(self.device) for name, total in state["sums"].items()}
        self.weight, self.units = state["weight"], state["units"]
        self.started = time.perf_counter() - state["seconds"]

    def __bool__(self) -> bool:
        return self.weight > 0

"""Seeds: one call for the global generators, one for a generator of a demo's own."""

import random

import numpy as np
import torch


def seed_everything(seed: int) -> None:
    """Python's, NumPy's and torch's global generators (CPU and every GPU)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def generator(seed: int, device: str | torch.device = "cpu") -> torch.Generator:
    """A torch generator of the demo's own (data order, noise), seeded, on `device`."""
    return torch.Generator(device=device).manual_seed(seed)

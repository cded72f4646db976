"""Dropout (book 4.6): the MLP 784 → 256 → 256 → 10 with dropout after each hidden layer.

While training, dropout zeroes each hidden unit's output with probability p, independently for
every example at every step, and scales the survivors by 1/(1 − p), so that the expected value
of each output is unchanged: E[h′] = p·0 + (1 − p)·h/(1 − p) = h. No unit can count on any other
being there, which keeps the network from fitting the training set by co-adapted accidents. At
evaluation dropout is off (the book stresses it): the network is used whole.

Two implementations, which compute the same thing:

- `ScratchDropoutMLP` (4.6.4): the book's `dropout_layer` applied after each hidden ReLU when
  `self.training` is set. Its masks come from a generator of the demo's own, so a run is
  reproducible and a test can draw the same masks.
- `ConciseDropoutMLP` (4.6.5): `nn.Dropout` layers in an `nn.Sequential`; their masks come from
  torch's global generator, and are read back from each layer's input and output.

Both start from PyTorch's default initialization, as the scratch code of both editions and
today's concise code do (the 0.14 edition's concise code draws the weights from N(0, 0.01²)).
"""

import torch
from torch import Tensor, nn

from workers.kit.device import autocast
from workers.kit.training import accuracy

NUM_INPUTS, NUM_HIDDENS1, NUM_HIDDENS2, NUM_OUTPUTS = 784, 256, 256, 10


def dropout_mask(shape: torch.Size, dropout: float, generator: torch.Generator | None) -> Tensor:
    """1 where a unit is kept, 0 where it is dropped, each dropped with probability `dropout`.
    Nothing is drawn when the answer is certain (as the book's `dropout_layer` returns early)."""
    device = generator.device if generator is not None else None
    if dropout == 0:
        return torch.ones(shape, device=device)
    if dropout == 1:
        return torch.zeros(shape, device=device)
    return (torch.rand(shape, generator=generator, device=device) > dropout).float()


def dropout_layer(X: Tensor, dropout: float, mask: Tensor | None = None) -> Tensor:
    """The book's `dropout_layer`: X with each element zeroed with probability `dropout` and the
    rest scaled by 1/(1 − dropout). `mask` (from `dropout_mask`) fixes which are kept."""
    assert 0 <= dropout <= 1
    if dropout == 1:  # every element dropped (and no division by zero)
        return torch.zeros_like(X)
    if dropout == 0:  # every element kept
        return X
    if mask is None:
        mask = (torch.rand(X.shape, device=X.device) > dropout).float()
    return mask * X / (1.0 - dropout)


class ScratchDropoutMLP(nn.Module):
    """4.6.4: two hidden ReLU layers, each followed by `dropout_layer` while training.
    `masks` holds the masks of the last training forward pass (batch × units, 1 = kept)."""

    def __init__(self, dropouts: tuple[float, float], generator: torch.Generator) -> None:
        super().__init__()
        self.lin1 = nn.Linear(NUM_INPUTS, NUM_HIDDENS1)
        self.lin2 = nn.Linear(NUM_HIDDENS1, NUM_HIDDENS2)
        self.lin3 = nn.Linear(NUM_HIDDENS2, NUM_OUTPUTS)
        self.relu = nn.ReLU()
        self.dropouts = dropouts
        self.generator = generator
        self.masks: list[Tensor | None] = [None, None]

    def forward(self, X: Tensor) -> Tensor:
        H1 = self.relu(self.lin1(X.reshape((-1, NUM_INPUTS))))
        if self.training:  # dropout only while training (4.6.4)
            H1 = self.drop(H1, layer=0)
        H2 = self.relu(self.lin2(H1))
        if self.training:
            H2 = self.drop(H2, layer=1)
        return self.lin3(H2)

    def drop(self, H: Tensor, layer: int) -> Tensor:
        dropout = self.dropouts[layer]
        mask = dropout_mask(H.shape, dropout, self.generator)
        self.masks[layer] = mask
        return dropout_layer(H, dropout, mask)

    def set_dropouts(self, dropouts: tuple[float, float]) -> None:
        self.dropouts = dropouts

    def extra_repr(self) -> str:
        return "dropout_layer(H, p) after each hidden ReLU, while training"

    @property
    def first_layer(self) -> nn.Linear:
        return self.lin1


class ConciseDropoutMLP(nn.Module):
    """4.6.5: `nn.Dropout` after each hidden ReLU; `net.eval()` turns both off.

    `nn.Dropout` keeps its mask to itself, so it is read back from the layer's input and output:
    where the input is positive, a zero output means dropped. Where the ReLU gave 0 there is
    nothing to drop and the mask cannot be seen (NaN in `masks`); it changes nothing there."""

    def __init__(self, dropouts: tuple[float, float]) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(NUM_INPUTS, NUM_HIDDENS1),
            nn.ReLU(),
            nn.Dropout(dropouts[0]),
            nn.Linear(NUM_HIDDENS1, NUM_HIDDENS2),
            nn.ReLU(),
            nn.Dropout(dropouts[1]),
            nn.Linear(NUM_HIDDENS2, NUM_OUTPUTS),
        )
        self.masks: list[Tensor | None] = [None, None]
        for layer, dropout in enumerate(self.dropout_layers):
            dropout.register_forward_hook(self.mask_recorder(layer))

    @property
    def dropout_layers(self) -> list[nn.Dropout]:
        return [module for module in self.net if isinstance(module, nn.Dropout)]

    def mask_recorder(self, layer: int):
        def record(module: nn.Module, inputs: tuple[Tensor], output: Tensor) -> None:
            if module.training:
                seen = inputs[0].detach() > 0
                kept = (output.detach() != 0).float()
                self.masks[layer] = torch.where(seen, kept, torch.nan)

        return record

    def forward(self, X: Tensor) -> Tensor:
        return self.net(X)

    def set_dropouts(self, dropouts: tuple[float, float]) -> None:
        for module, dropout in zip(self.dropout_layers, dropouts, strict=True):
            module.p = dropout

    @property
    def first_layer(self) -> nn.Linear:
        return self.net[1]


DropoutMLP = ScratchDropoutMLP | ConciseDropoutMLP


def build_model(
    implementation: str, dropouts: tuple[float, float], generator: torch.Generator
) -> DropoutMLP:
    """The network on the generator's device (the scratch masks are drawn from `generator`)."""
    if implementation == "scratch":
        return ScratchDropoutMLP(dropouts, generator).to(generator.device)
    return ConciseDropoutMLP(dropouts).to(generator.device)


def dropped_and_known(mask: Tensor) -> tuple[Tensor, Tensor]:
    """How many units a mask dropped, and of how many it is known: all from scratch; with
    `nn.Dropout`, those the ReLU let through (none, in a layer whose units all died)."""
    return (mask == 0).sum(), (~mask.isnan()).sum()


@torch.no_grad()
def evaluate(net: DropoutMLP, X: Tensor, y: Tensor) -> tuple[float, float]:
    """Mean cross-entropy and accuracy with dropout off (`net.eval()`), as the network is
    meant to be used; training resumes with dropout on."""
    net.eval()
    with autocast(X.device):
        logits = net(X)
    net.train()
    logits = logits.float()
    loss = nn.functional.cross_entropy(logits, y).item()
    return loss, accuracy(logits, y).item()

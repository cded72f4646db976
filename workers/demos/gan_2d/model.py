"""Generative adversarial networks (book 17.1; today's 20.1): the data, the two networks, and
the book's `update_D` and `update_G`.

The discriminator D is a binary classifier: its logit o(x) gives D(x) = sigmoid(o(x)), the
probability that x is real. It minimises the cross-entropy of real examples labelled 1 and
generated ones labelled 0. The generator G maps noise z ~ N(0, I) to the plane; rather than
maximising D's loss it minimises −log D(G(z)), the cross-entropy of its samples labelled 1
(the book's choice: its gradient does not vanish when D rejects them with confidence).
"""

import math
from typing import Any

import torch
from torch import Tensor, nn

NUM_EXAMPLES = 1000  # the book's 1000 real points
A = [[1.0, 2.0], [-0.1, 0.5]]  # data = X A + b, X ~ N(0, I): mean b, covariance AᵀA
B = [1.0, 2.0]
INIT_STD = 0.02  # the book draws every weight and bias from N(0, 0.02²)
RING_MODES, RING_RADIUS, RING_STD = 8, 2.0, 0.1
MOONS_NOISE = 0.05


def book_gaussian(rng: torch.Generator) -> Tensor:
    """The book's data: X A + b for X ~ N(0, I), 1000 × 2."""
    X = torch.normal(0.0, 1.0, (NUM_EXAMPLES, 2), generator=rng)
    return X @ torch.tensor(A) + torch.tensor(B)


def ring_of_gaussians(rng: torch.Generator) -> Tensor:
    """8 Gaussians of standard deviation 0.1 centred on a circle of radius 2, each point's
    mode drawn uniformly: the classic picture of mode collapse."""
    mode = torch.randint(0, RING_MODES, (NUM_EXAMPLES,), generator=rng)
    angle = 2 * math.pi * mode / RING_MODES
    centres = RING_RADIUS * torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)
    return centres + torch.normal(0.0, RING_STD, (NUM_EXAMPLES, 2), generator=rng)


def two_moons(rng: torch.Generator) -> Tensor:
    """Two interleaving half circles (as scikit-learn's `make_moons`), 500 points each, evenly
    spaced along each arc, plus noise N(0, 0.05²)."""
    t = torch.linspace(0, math.pi, NUM_EXAMPLES // 2)
    upper = torch.stack([torch.cos(t), torch.sin(t)], dim=1)
    lower = torch.stack([1 - torch.cos(t), 0.5 - torch.sin(t)], dim=1)
    moons = torch.cat([upper, lower])
    return moons + torch.normal(0.0, MOONS_NOISE, moons.shape, generator=rng)


def make_real_data(target: str, rng: torch.Generator) -> Tensor:
    makers = {"gaussian": book_gaussian, "ring": ring_of_gaussians, "moons": two_moons}
    return makers[target](rng)


def tanh_mlp(inputs: int, hidden: int, outputs: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(inputs, hidden),
        nn.Tanh(),
        nn.Linear(hidden, hidden),
        nn.Tanh(),
        nn.Linear(hidden, outputs),
    )


def generator_net(kind: str, latent_dim: int, hidden: int) -> nn.Sequential:
    """The book's net_G is one linear layer: G(z) = z W + c makes N(c, WᵀW) from N(0, I)."""
    if kind == "linear":
        return nn.Sequential(nn.Linear(latent_dim, 2))
    return tanh_mlp(latent_dim, hidden, 2)


def discriminator_net(kind: str, hidden: int) -> nn.Sequential:
    """The book's net_D: 2 → 5 tanh → 3 tanh → 1 (a logit)."""
    if kind == "book":
        return nn.Sequential(
            nn.Linear(2, 5), nn.Tanh(), nn.Linear(5, 3), nn.Tanh(), nn.Linear(3, 1)
        )
    return tanh_mlp(2, hidden, 1)


def init_normal(net: nn.Module, rng: torch.Generator) -> None:
    """The book's `nn.init.normal_(w, 0, 0.02)` for every parameter, biases included."""
    with torch.no_grad():
        for w in net.parameters():
            w.normal_(0.0, INIT_STD, generator=rng)


class GAN:
    """The two nets, the loss `nn.BCEWithLogitsLoss(reduction='sum')` and an Adam for each,
    as the book's `train` makes them; `update_D` and `update_G` are the book's."""

    def __init__(
        self,
        generator: str,
        discriminator: str,
        latent_dim: int,
        hidden: int,
        lr_D: float,
        lr_G: float,
        rng: torch.Generator,
    ) -> None:
        self.latent_dim = latent_dim
        self.net_G = generator_net(generator, latent_dim, hidden)
        self.net_D = discriminator_net(discriminator, hidden)
        init_normal(self.net_D, rng)  # the book initialises D first, then G
        init_normal(self.net_G, rng)
        self.loss = nn.BCEWithLogitsLoss(reduction="sum")
        self.trainer_D = torch.optim.Adam(self.net_D.parameters(), lr=lr_D)
        self.trainer_G = torch.optim.Adam(self.net_G.parameters(), lr=lr_G)

    def update_D(self, X: Tensor, Z: Tensor, lr_D: float) -> float:
        """One step of D on real X (labels 1) and G(Z) (labels 0, detached: G does not learn
        here); returns the book's loss_D, (Σ real + Σ fake) / 2 over the batch."""
        self.trainer_D.param_groups[0]["lr"] = lr_D  # live
        batch_size = X.shape[0]
        ones, zeros = torch.ones((batch_size, 1)), torch.zeros((batch_size, 1))
        self.trainer_D.zero_grad()
        real_Y = self.net_D(X)
        fake_X = self.net_G(Z)
        fake_Y = self.net_D(fake_X.detach())
        loss_D = (self.loss(real_Y, ones) + self.loss(fake_Y, zeros)) / 2
        loss_D.backward()
        self.trainer_D.step()
        return loss_D.item()

    def update_G(self, Z: Tensor, lr_G: float) -> float:
        """One step of G: its samples labelled 1 (the non-saturating loss −Σ log D(G(z)));
        D's parameters get gradients too, but only G's optimizer steps."""
        self.trainer_G.param_groups[0]["lr"] = lr_G  # live
        ones = torch.ones((Z.shape[0], 1))
        self.trainer_G.zero_grad()
        fake_Y = self.net_D(self.net_G(Z))  # recomputed: D has just changed
        loss_G = self.loss(fake_Y, ones)
        loss_G.backward()
        self.trainer_G.step()
        return loss_G.item()

    @torch.no_grad()
    def generate(self, Z: Tensor) -> Tensor:
        return self.net_G(Z)

    @torch.no_grad()
    def discriminate(self, X: Tensor) -> Tensor:
        """D(x), the probability that each point is real, (n,)."""
        return torch.sigmoid(self.net_D(X))[:, 0]

    def pull(self, X: Tensor) -> Tensor:
        """∇ₓ log D(x) at each point, (n, 2): the direction in which the generator's loss
        −log D(x) falls fastest for a sample at x, the way the generator would move it."""
        X = X.detach().clone().requires_grad_(True)
        log_D = nn.functional.logsigmoid(self.net_D(X)).sum()
        (gradient,) = torch.autograd.grad(log_D, X)
        return gradient

    def state_dict(self) -> dict[str, Any]:
        """The weights and both optimizers' state: what a fork trains on from."""
        return {
            "net_G": self.net_G.state_dict(),
            "net_D": self.net_D.state_dict(),
            "trainer_G": self.trainer_G.state_dict(),
            "trainer_D": self.trainer_D.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.net_G.load_state_dict(state["net_G"])
        self.net_D.load_state_dict(state["net_D"])
        self.trainer_G.load_state_dict(state["trainer_G"])
        self.trainer_D.load_state_dict(state["trainer_D"])


# -- how far the generated points are from the real ones -------------------------------------

SLICES = 32  # directions θ_k = kπ/32: the sliced distance averages over them


def moments(X: Tensor) -> tuple[Tensor, Tensor]:
    """The sample mean and covariance (divided by n − 1), in float64."""
    X = X.double()
    return X.mean(dim=0), torch.cov(X.T)


def frechet_distance(mu1: Tensor, S1: Tensor, mu2: Tensor, S2: Tensor) -> float:
    """W₂² between N(μ₁, Σ₁) and N(μ₂, Σ₂): ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^½ Σ₂ Σ₁^½)^½.

    In 2-D the last trace has a closed form: M = Σ₁^½ Σ₂ Σ₁^½ has eigenvalues λ₁, λ₂ ≥ 0, and
    tr √M = √λ₁ + √λ₂ = √(tr M + 2 √det M), with tr M = tr Σ₁Σ₂ and det M = det Σ₁ det Σ₂
    (no matrix square root, so a NaN passes through instead of raising).
    """
    cross = torch.trace(S1 @ S2) + 2 * torch.sqrt((torch.det(S1) * torch.det(S2)).clamp(min=0))
    value = (mu1 - mu2).square().sum() + torch.trace(S1) + torch.trace(S2)
    return (value - 2 * torch.sqrt(cross.clamp(min=0))).clamp(min=0).item()


def sliced_wasserstein(X: Tensor, Y: Tensor) -> float:
    """The sliced 1-Wasserstein distance of two samples of equal size: project both on each
    direction θ_k, and average |sorted projections of X − sorted projections of Y| (the 1-D
    optimal transport matches them in order) over points and directions."""
    angles = torch.arange(SLICES, dtype=torch.float64) * math.pi / SLICES
    directions = torch.stack([torch.cos(angles), torch.sin(angles)])  # (2, K)
    x = torch.sort(X.double() @ directions, dim=0).values
    y = torch.sort(Y.double() @ directions, dim=0).values
    return (x - y).abs().mean().item()

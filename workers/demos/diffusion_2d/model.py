"""Denoising diffusion (DDPM, Ho et al. 2020) on the plane: the schedule, the forward process,
the denoiser ε_θ(x_t, t), its loss and the ancestral sampler.

The forward process adds Gaussian noise in T small steps, q(x_t | x_{t−1}) =
N(√(1 − β_t) x_{t−1}, β_t I); with α_t = 1 − β_t and ᾱ_t = α_1 ⋯ α_t it has the closed form
q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I), so x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε in one draw. A network
learns to predict the noise ε from x_t and t (the squared error ‖ε − ε_θ(x_t, t)‖²), and the
reverse process runs the chain back from x_T ~ N(0, I), one denoising step at a time.
"""

import math
from typing import Any

import torch
from torch import Tensor, nn

LINEAR_BETAS = (1e-4, 0.02)  # DDPM's β_1 and β_T
COSINE_S = 0.008  # Nichol & Dhariwal's offset: β_1 is not too small near t = 0
MAX_BETA = 0.999  # ... and β_t is clipped, so that the last steps do not divide by zero
EMBEDDING = 64  # features of the sinusoidal embedding of t
BLOCKS = 3  # GELU blocks of the denoiser


class Schedule:
    """β_t, α_t = 1 − β_t and ᾱ_t = ∏ α_s for t = 1..T, stored at index t − 1 (float64, so
    that ᾱ_T of T = 1000 steps keeps its digits)."""

    def __init__(self, betas: Tensor) -> None:
        self.betas = betas
        self.alphas = 1 - betas
        self.alpha_bars = torch.cumprod(self.alphas, 0)
        # ᾱ_0 = 1 (no noise yet) in front, so that ᾱ_t is at index t
        self._alpha_bars_from_0 = torch.cat([torch.ones(1, dtype=betas.dtype), self.alpha_bars])

    @property
    def T(self) -> int:
        return len(self.betas)

    def alpha_bar(self, t: Tensor | int) -> Tensor:
        """ᾱ_t for t in 0..T."""
        return self._alpha_bars_from_0[t]


def linear_schedule(T: int) -> Schedule:
    """DDPM's: β_t evenly spaced from 1e-4 to 0.02."""
    return Schedule(torch.linspace(*LINEAR_BETAS, T, dtype=torch.float64))


def cosine_schedule(T: int) -> Schedule:
    """Nichol & Dhariwal (2021): ᾱ_t = f(t)/f(0), f(t) = cos²((t/T + s)/(1 + s) · π/2), and
    β_t = 1 − ᾱ_t/ᾱ_{t−1} clipped at 0.999."""
    t = torch.arange(T + 1, dtype=torch.float64)
    f = torch.cos((t / T + COSINE_S) / (1 + COSINE_S) * math.pi / 2) ** 2
    alpha_bars = f / f[0]
    return Schedule(torch.clamp(1 - alpha_bars[1:] / alpha_bars[:-1], max=MAX_BETA))


def make_schedule(kind: str, T: int) -> Schedule:
    return linear_schedule(T) if kind == "linear" else cosine_schedule(T)


def diffuse(schedule: Schedule, x0: Tensor, t: Tensor, noise: Tensor) -> Tensor:
    """x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε: a draw of q(x_t | x₀) for each row, t of shape (n,)."""
    alpha_bar = schedule.alpha_bar(t).to(x0.dtype)[:, None]
    return alpha_bar.sqrt() * x0 + (1 - alpha_bar).sqrt() * noise


def posterior(schedule: Schedule, x_t: Tensor, x0: Tensor, t: int) -> tuple[Tensor, float]:
    """q(x_{t−1} | x_t, x₀) = N(μ̃_t, β̃_t I), Ho et al.'s eq. 7: μ̃_t = √ᾱ_{t−1} β_t /
    (1 − ᾱ_t) x₀ + √α_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t) x_t and β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t)
    β_t. The sampler does not need it (it predicts ε), the tests check the algebra with it."""
    beta = schedule.betas[t - 1].item()
    alpha_bar, alpha_bar_prev = schedule.alpha_bar(t).item(), schedule.alpha_bar(t - 1).item()
    mean = (
        math.sqrt(alpha_bar_prev) * beta / (1 - alpha_bar) * x0
        + math.sqrt(1 - beta) * (1 - alpha_bar_prev) / (1 - alpha_bar) * x_t
    )
    return mean, (1 - alpha_bar_prev) / (1 - alpha_bar) * beta


def time_embedding(t: Tensor, features: int = EMBEDDING) -> Tensor:
    """The Transformer's sinusoidal position encoding of the step t: sin(t ω_i), cos(t ω_i),
    ω_i = 10000^(−i / (features/2)), so nearby steps get nearby codes."""
    half = features // 2
    omega = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    angles = t.float()[:, None] * omega[None, :]
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)


class GeluBlock(nn.Module):
    """x + GELU(W x + b): a residual block, so three of them train as easily as one."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.linear = nn.Linear(width, width)
        self.gelu = nn.GELU()

    def forward(self, x: Tensor) -> Tensor:
        return x + self.gelu(self.linear(x))


class Denoiser(nn.Module):
    """ε_θ(x_t, t): the point and the embedding of t → a GELU layer of `hidden` units →
    3 residual GELU blocks → the predicted noise, 2 numbers."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(2 + EMBEDDING, hidden),
            nn.GELU(),
            *(GeluBlock(hidden) for _ in range(BLOCKS)),
            nn.Linear(hidden, 2),
        )

    def forward(self, x_t: Tensor, t: Tensor) -> Tensor:
        return self.net(torch.cat([x_t, time_embedding(t)], dim=1))


def epsilon_loss(
    net: nn.Module, schedule: Schedule, x0: Tensor, t: Tensor, noise: Tensor
) -> Tensor:
    """Ho et al.'s simplified objective: the mean over the batch (and both coordinates) of
    (ε − ε_θ(√ᾱ_t x₀ + √(1 − ᾱ_t) ε, t))²."""
    return ((noise - net(diffuse(schedule, x0, t, noise), t)) ** 2).mean()


class Diffusion:
    """The denoiser, its AdamW and the schedule; `step` is one minibatch of Algorithm 1."""

    def __init__(self, hidden: int, schedule: Schedule, lr: float, rng: torch.Generator) -> None:
        # PyTorch's default initialisation, drawn from a seed that `rng` draws (so the global
        # generator is left as it was)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(torch.randint(2**31, (1,), generator=rng)))
            self.net = Denoiser(hidden)
        self.schedule = schedule
        self.trainer = torch.optim.AdamW(self.net.parameters(), lr=lr)

    def step(self, x0: Tensor, lr: float, rng: torch.Generator) -> Tensor:
        """t ~ Uniform{1..T}, ε ~ N(0, I), one step of AdamW on the ε-loss; the loss, detached."""
        t = torch.randint(1, self.schedule.T + 1, (len(x0),), generator=rng)
        noise = torch.randn(x0.shape, generator=rng)
        self.trainer.param_groups[0]["lr"] = lr  # the learning rate is live
        loss = epsilon_loss(self.net, self.schedule, x0, t, noise)
        self.trainer.zero_grad()
        loss.backward()
        self.trainer.step()
        return loss.detach()

    @torch.no_grad()
    def predict_noise(self, x_t: Tensor, t: int) -> Tensor:
        return self.net(x_t, torch.full((len(x_t),), t))

    def state_dict(self) -> dict[str, Any]:
        return {"net": self.net.state_dict(), "trainer": self.trainer.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.net.load_state_dict(state["net"])
        self.trainer.load_state_dict(state["trainer"])


def sampling_timesteps(T: int, steps: int) -> list[int]:
    """`steps` of the T timesteps, evenly spaced, from T down to 1 (all of them when steps ≥ T)."""
    steps = min(steps, T)
    if steps == 1:
        return [T]
    return sorted({round(1 + i * (T - 1) / (steps - 1)) for i in range(steps)}, reverse=True)


@torch.no_grad()
def sample(
    diffusion: Diffusion,
    x_T: Tensor,
    steps: int,
    rng: torch.Generator,
) -> list[Tensor]:
    """Ho et al.'s Algorithm 2 from x_T, with σ_t² = β_t, on the timesteps
    τ_S > … > τ_1 of `sampling_timesteps`; the chain x_T, …, x_0 (S + 1 tensors).

    Skipping steps makes a shorter Markov chain with the same marginals ᾱ_τ: its steps have
    β'_i = 1 − ᾱ_{τ_i}/ᾱ_{τ_{i−1}} (ᾱ_{τ_0} = ᾱ_0 = 1), as Nichol & Dhariwal respace a trained
    model. With all T steps, β' = β and this is Algorithm 2 exactly. Each step but the last
    adds σ z, z ~ N(0, I) drawn from `rng`."""
    schedule = diffusion.schedule
    taus = sampling_timesteps(schedule.T, steps)
    chain, x = [x_T], x_T
    for i, tau in enumerate(taus):
        previous = taus[i + 1] if i + 1 < len(taus) else 0
        alpha_bar = schedule.alpha_bar(tau).item()
        beta = min(1 - alpha_bar / schedule.alpha_bar(previous).item(), MAX_BETA)
        epsilon = diffusion.predict_noise(x, tau)
        x = (x - beta / math.sqrt(1 - alpha_bar) * epsilon) / math.sqrt(1 - beta)
        if previous > 0:
            x = x + math.sqrt(beta) * torch.randn(x.shape, generator=rng)
        chain.append(x)
    return chain


@torch.no_grad()
def score(diffusion: Diffusion, x_t: Tensor, t: int) -> Tensor:
    """The learned denoising direction at x_t: ∇ log q(x_t) ≈ −ε_θ(x_t, t) / √(1 − ᾱ_t), where
    the density of noisy points rises (towards the data, as t → 0)."""
    alpha_bar = diffusion.schedule.alpha_bar(t).item()
    return -diffusion.predict_noise(x_t, t) / math.sqrt(1 - alpha_bar)


def sliced_wasserstein(a: Tensor, b: Tensor, directions: int = 64) -> float:
    """The sliced 2-Wasserstein distance between two equal-sized point clouds: both projected
    on `directions` lines through the origin at angles πk/directions (fixed, so the distance
    draws nothing), the sorted projections matched, √(mean squared difference)."""
    angles = torch.arange(directions, dtype=torch.float64) * math.pi / directions
    lines = torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
    pa = torch.sort(a.double() @ lines.T, dim=0).values
    pb = torch.sort(b.double() @ lines.T, dim=0).values
    return ((pa - pb) ** 2).mean().sqrt().item()

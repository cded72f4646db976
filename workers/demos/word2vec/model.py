"""Pretraining word2vec (book 14.4 in the 0.14 edition; 15.4 today): the skip-gram model with
negative sampling, and reading the embeddings it learns.

Each word has two vectors: v_w when it is a center word (the table `embed_v`) and u_w when it
is a context or noise word (`embed_u`). The model scores a pair by the dot product u_o · v_c,
and the loss is the binary cross-entropy of σ(u_o · v_c) against 1 for a context word o and 0
for a noise word: −log σ(u_o · v_c) − Σ_k log σ(−u_k · v_c). After training, a word's v is its
embedding: words used in similar contexts get vectors pointing the same way (high cosine).
"""

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F


def skip_gram_net(vocab_size: int, embed_size: int, rng: torch.Generator) -> nn.Sequential:
    """The book's `net`: two embedding tables, Xavier-uniform initialized (its
    `init_weights`); net[0] holds the center vectors v, net[1] the context vectors u."""
    net = nn.Sequential(nn.Embedding(vocab_size, embed_size), nn.Embedding(vocab_size, embed_size))
    for table in net:
        nn.init.xavier_uniform_(table.weight, generator=rng)
    return net


def skip_gram(
    center: Tensor, contexts_and_negatives: Tensor, embed_v: nn.Module, embed_u: nn.Module
) -> Tensor:
    """The book's `skip_gram`: (B, 1) centers and (B, L) words → (B, 1, L) scores u · v by a
    batched matrix product."""
    v = embed_v(center)  # (B, 1, d)
    u = embed_u(contexts_and_negatives)  # (B, L, d)
    return torch.bmm(v, u.permute(0, 2, 1))


class MaskedSigmoidBCE(nn.Module):
    """The book's `SigmoidBCELoss`: binary cross-entropy on the logits, padding weighted 0,
    averaged over each row's L entries (padding included: the caller rescales)."""

    def forward(self, inputs: Tensor, target: Tensor, mask: Tensor) -> Tensor:
        out = F.binary_cross_entropy_with_logits(inputs, target, weight=mask, reduction="none")
        return out.mean(dim=1)


def example_losses(
    net: nn.Sequential, loss: MaskedSigmoidBCE, batch: tuple[Tensor, Tensor, Tensor, Tensor]
) -> Tensor:
    """Each example's loss as the book's `train` computes it: the masked mean rescaled by
    L / (real entries), the mean over the example's real labels."""
    center, context_negative, mask, label = batch
    pred = skip_gram(center, context_negative, net[0], net[1])
    return loss(pred.reshape(label.shape), label, mask) / mask.sum(dim=1) * mask.shape[1]


def train_batch(
    net: nn.Sequential,
    loss: MaskedSigmoidBCE,
    optimizer: torch.optim.Optimizer,
    batch: tuple[Tensor, Tensor, Tensor, Tensor],
) -> Tensor:
    """One step of Adam on the sum of the batch's losses; returns that sum, detached."""
    optimizer.zero_grad()
    l = example_losses(net, loss, batch)  # noqa: E741 - the book's name
    l.sum().backward()
    optimizer.step()
    return l.sum().detach()


# -- reading the embeddings ------------------------------------------------------------------


def cosines(W: Tensor, x: Tensor) -> Tensor:
    """cos(W_i, x) for every row, as the book's `get_similar_tokens` (1e-9 for stability)."""
    return torch.mv(W, x) / torch.sqrt(torch.sum(W * W, dim=1) * torch.sum(x * x) + 1e-9)


@dataclass(frozen=True)
class Neighbour:
    index: int
    cosine: float


def nearest(W: Tensor, query: int, k: int) -> list[Neighbour]:
    """The k words with the highest cosine to `query`, the query itself left out; index 0
    (`<unk>`, never trained as a center) too."""
    cos = cosines(W, W[query])
    cos[[0, query]] = -torch.inf
    top = torch.topk(cos, k=min(k, len(W) - 2))
    return [Neighbour(int(i), float(c)) for c, i in zip(top.values, top.indices, strict=True)]


def analogy(W: Tensor, a: int, b: int, c: int, k: int) -> list[Neighbour]:
    """a : b :: c : ?, the words whose vectors have the highest cosine to v_b − v_a + v_c
    (the book's `get_analogy`), a, b and c themselves and `<unk>` left out."""
    cos = cosines(W, W[b] - W[a] + W[c])
    cos[[0, a, b, c]] = -torch.inf
    top = torch.topk(cos, k=min(k, len(W) - 4))
    return [Neighbour(int(i), float(c)) for c, i in zip(top.values, top.indices, strict=True)]


def pca_2d(X: np.ndarray, previous: dict[int, np.ndarray] | None, rows: list[int]) -> np.ndarray:
    """The rows of X (n, d) projected on their first two principal components (the top two
    right singular vectors of the centered X). A component's sign is arbitrary: each is
    turned to agree with the previous projection's points of the same words (`previous`:
    row id → point), so the picture does not flip between frames; without one, so that its
    largest loading is positive."""
    centered = X - X.mean(axis=0)
    _, _, vt = np.linalg.svd(centered, full_matrices=False)
    vt = vt[:2] if len(vt) >= 2 else np.vstack([vt, np.zeros((2 - len(vt), X.shape[1]))])
    points = centered @ vt.T
    shared = [i for i, row in enumerate(rows) if previous and row in previous]
    for axis in range(2):
        if shared:
            before = np.array([previous[rows[i]][axis] for i in shared])  # type: ignore[index]
            flip = float(points[shared, axis] @ before) < 0
        else:
            flip = vt[axis][np.argmax(np.abs(vt[axis]))] < 0
        if flip:
            points[:, axis] *= -1
    return points

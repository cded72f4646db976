"""Batch normalization (book 7.5; today's 8.5) and residual blocks (7.6; today's 8.6), and
the networks built from them: the same deep network plain, with batch normalization, with
residual connections, or with both.

Batch normalization standardizes each feature (each channel, for a conv layer) over the
minibatch and lets the layer learn the scale and shift it wants back:

    BN(x) = γ ⊙ (x − μ̂_B) / √(σ̂²_B + ε) + β,

with μ̂_B and σ̂²_B the mean and (biased) variance over the batch, and over the height and width
for a conv layer. In training it uses the batch's statistics and keeps moving averages of them
(the 0.14 edition's convention: moving = 0.9 · moving + 0.1 · batch; today's edition writes
the same update with momentum 0.1 on the batch's side); in prediction it uses the moving ones.

A residual block learns F(x) = f(x) − x instead of f(x): its output is ReLU(F(x) + x), with
a 1×1 conv on the shortcut where the block changes the channels or the side. The identity is
then within a block's reach, and the gradient has a path past every block.
"""

import zlib
from collections import OrderedDict
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from workers.demos.deep_nets.params import Params

EPS = 1e-5
MOMENTUM = 0.9  # the 0.14 edition's: moving = 0.9 · moving + 0.1 · batch
STAGES = 3  # of the `resnet` network: width, 2·width, 4·width channels

# -- Batch normalization from scratch (7.5.3) -------------------------------------------------


def batch_norm(
    X: Tensor,
    gamma: Tensor,
    beta: Tensor,
    moving_mean: Tensor,
    moving_var: Tensor,
    eps: float,
    momentum: float,
    training: bool,
) -> tuple[Tensor, Tensor, Tensor]:
    """The book's `batch_norm`: Y and the updated moving statistics. In training, the batch's
    mean and variance (over the examples, and over height and width for (N, C, H, W) inputs);
    in prediction, the moving ones. (The book tells the two apart by whether autograd is on;
    the module's own `training` flag says it directly, as `net.eval()` sets it.)"""
    if not training:
        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
    else:
        assert len(X.shape) in (2, 4)
        if len(X.shape) == 2:  # a dense layer: the mean and variance of each feature
            mean = X.mean(dim=0)
            var = ((X - mean) ** 2).mean(dim=0)
        else:  # a conv layer: of each channel, over the examples, height and width
            mean = X.mean(dim=(0, 2, 3), keepdim=True)
            var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)
        X_hat = (X - mean) / torch.sqrt(var + eps)
        moving_mean = momentum * moving_mean + (1.0 - momentum) * mean.detach()
        moving_var = momentum * moving_var + (1.0 - momentum) * var.detach()
    Y = gamma * X_hat + beta  # scale and shift
    return Y, moving_mean, moving_var


class BatchNorm(nn.Module):
    """The book's `BatchNorm` layer: γ (ones) and β (zeros) learned, one per feature or
    channel. The moving statistics are buffers, not parameters: they are part of the net's
    `state_dict` (and so of a snapshot) but gradient descent leaves them alone."""

    def __init__(self, num_features: int, num_dims: int) -> None:
        super().__init__()
        shape = (1, num_features) if num_dims == 2 else (1, num_features, 1, 1)
        self.gamma = nn.Parameter(torch.ones(shape))
        self.beta = nn.Parameter(torch.zeros(shape))
        self.register_buffer("moving_mean", torch.zeros(shape))
        self.register_buffer("moving_var", torch.ones(shape))

    def forward(self, X: Tensor) -> Tensor:
        Y, moving_mean, moving_var = batch_norm(
            X,
            self.gamma,
            self.beta,
            self.moving_mean,
            self.moving_var,
            eps=EPS,
            momentum=MOMENTUM,
            training=self.training,
        )
        self.moving_mean.copy_(moving_mean)  # in place: the buffers stay the snapshot's
        self.moving_var.copy_(moving_var)
        return Y


def norm(channels: int, num_dims: int, batch_normalized: bool) -> nn.Module:
    """Batch normalization where the variant has it; elsewhere the identity."""
    return BatchNorm(channels, num_dims) if batch_normalized else nn.Identity()


# -- The residual block (7.6.2) -----------------------------------------------------------------


class Residual(nn.Module):
    """The book's `Residual` block: two 3×3 convs, batch normalization after each, and the
    input (through a 1×1 conv when the shape changes) added before the last ReLU. The plain
    and batch-normalized variants use it without the shortcut, the residual one without the
    batch normalization: the same convs, so the variants differ only in what is compared."""

    def __init__(
        self,
        input_channels: int,
        num_channels: int,
        use_1x1conv: bool = False,
        strides: int = 1,
        batch_normalized: bool = True,
        shortcut: bool = True,
    ) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(
            input_channels, num_channels, kernel_size=3, padding=1, stride=strides
        )
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1)
        self.conv3 = (
            nn.Conv2d(input_channels, num_channels, kernel_size=1, stride=strides)
            if use_1x1conv and shortcut
            else None
        )
        self.bn1 = norm(num_channels, 4, batch_normalized)
        self.bn2 = norm(num_channels, 4, batch_normalized)
        self.shortcut = shortcut

    def forward(self, X: Tensor) -> Tensor:
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.shortcut:
            Y = Y + (self.conv3(X) if self.conv3 is not None else X)
        return F.relu(Y)


# -- The networks -------------------------------------------------------------------------------


def blocks_per_stage(depth: int) -> list[int]:
    """(depth − 2) / 2 blocks spread over the stages, the first ones taking any extra; a
    stage left without a block is dropped."""
    blocks = (depth - 2) // 2
    spread = [blocks // STAGES + (1 if i < blocks % STAGES else 0) for i in range(STAGES)]
    return [n for n in spread if n]


def resnet(
    depth: int, width: int, batch_normalized: bool, shortcut: bool, num_classes: int
) -> nn.Sequential:
    """The book's ResNet (7.6.3) for 28×28 images: its 7×7 stride-2 stem (made for 224×224)
    becomes a 3×3 conv, then its max pooling halves 28 to 14; the stages follow as the book's
    `resnet_block` builds them (the first keeps the shape, each later one halves the side and
    doubles the channels), then global average pooling and a dense layer."""
    stem = nn.Sequential(
        nn.Conv2d(1, width, kernel_size=7, stride=2, padding=3),
        norm(width, 4, batch_normalized),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
    )
    layers: list[tuple[str, nn.Module]] = [("stem", stem)]
    channels = width
    for stage, blocks in enumerate(blocks_per_stage(depth)):
        out = width * 2**stage
        for i in range(blocks):
            first_of_later_stage = i == 0 and stage > 0
            block = Residual(
                channels,
                out,
                use_1x1conv=first_of_later_stage,
                strides=2 if first_of_later_stage else 1,
                batch_normalized=batch_normalized,
                shortcut=shortcut,
            )
            layers.append((f"block{len(layers)}", block))
            channels = out
    layers += [
        ("pool", nn.AdaptiveAvgPool2d((1, 1))),
        ("flatten", nn.Flatten()),
        ("output", nn.Linear(channels, num_classes)),
    ]
    return nn.Sequential(OrderedDict(layers))


def lenet(batch_normalized: bool, num_classes: int) -> nn.Sequential:
    """The 0.14 edition's LeNet with batch normalization (7.5.4): `BatchNorm` after each conv
    and dense layer but the last, before the sigmoid; max pooling. Without it, the same
    network plain."""
    sigmoid = nn.Sigmoid
    return nn.Sequential(
        OrderedDict(
            conv1=nn.Sequential(nn.Conv2d(1, 6, kernel_size=5), norm(6, 4, batch_normalized)),
            act1=sigmoid(),
            pool1=nn.MaxPool2d(kernel_size=2, stride=2),
            conv2=nn.Sequential(nn.Conv2d(6, 16, kernel_size=5), norm(16, 4, batch_normalized)),
            act2=sigmoid(),
            pool2=nn.MaxPool2d(kernel_size=2, stride=2),
            flatten=nn.Flatten(),
            fc1=nn.Sequential(nn.Linear(16 * 4 * 4, 120), norm(120, 2, batch_normalized)),
            act3=sigmoid(),
            fc2=nn.Sequential(nn.Linear(120, 84), norm(84, 2, batch_normalized)),
            act4=sigmoid(),
            output=nn.Linear(84, num_classes),
        )
    )


def build_network(params: Params, variant: str, num_classes: int) -> nn.Sequential:
    """One variant's network, its weights drawn as the book's `train_ch6` draws them."""
    batch_normalized = variant in ("bn", "bn_residual")
    if params.network == "lenet":
        net = lenet(batch_normalized, num_classes)
    else:
        shortcut = variant in ("residual", "bn_residual")
        net = resnet(params.depth, params.width, batch_normalized, shortcut, num_classes)
    init_weights(net, params.seed)
    return net


def init_weights(net: nn.Module, seed: int) -> None:
    """The book's `init_weights`: Xavier-uniform weights for every conv and dense layer, and
    PyTorch's default biases U(−1/√fan_in, 1/√fan_in). Each layer draws from a generator of
    its own, seeded by the seed and the layer's name: a layer that several variants share
    (`block3.conv1`) starts from the same weights in all of them."""
    for name, module in net.named_modules():
        if isinstance(module, nn.Conv2d | nn.Linear):
            rng = torch.Generator().manual_seed(seed * 7919 + zlib.crc32(name.encode()))
            nn.init.xavier_uniform_(module.weight, generator=rng)
            if module.bias is not None:
                bound = 1 / module.weight[0].numel() ** 0.5
                nn.init.uniform_(module.bias, -bound, bound, generator=rng)


def weight_layers(net: nn.Module) -> list[tuple[str, nn.Module]]:
    """The conv and dense layers that `depth` counts, in order (not the 1×1 shortcuts)."""
    return [
        (name, module)
        for name, module in net.named_modules()
        if isinstance(module, nn.Conv2d | nn.Linear) and not name.endswith("conv3")
    ]


def batch_norms(net: nn.Module) -> list[tuple[str, BatchNorm]]:
    return [(name, m) for name, m in net.named_modules() if isinstance(m, BatchNorm)]


# -- A variant in training ----------------------------------------------------------------------


class Variant:
    """One variant's network and its minibatch SGD: part of the job's training state (the
    weights, γ and β, the moving statistics)."""

    def __init__(self, name: str, net: nn.Sequential, lr: float) -> None:
        self.name = name
        self.net = net
        self.optimizer = torch.optim.SGD(net.parameters(), lr=lr)

    def set_lr(self, lr: float) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def state_dict(self) -> dict[str, Any]:
        return {"net": self.net.state_dict(), "optimizer": self.optimizer.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.net.load_state_dict(state["net"])
        self.optimizer.load_state_dict(state["optimizer"])


EVALUATION_BATCH = 1024


@torch.no_grad()
def predict(net: nn.Module, images: Tensor) -> Tensor:
    """Class scores for every image, in prediction mode (batch norm's moving statistics)."""
    net.eval()
    scores = torch.cat([net(X) for X in images.split(EVALUATION_BATCH)])
    net.train()
    return scores

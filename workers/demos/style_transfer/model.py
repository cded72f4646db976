"""Neural style transfer (book 13.12): the images, the features, the losses, the synthesis.

The parameter being trained is the synthesized image itself. A fixed, pretrained VGG19 turns
images into features: the content loss compares the synthesized image's conv4_4 features with
the content image's, the style loss compares Gram matrices of conv1_1 ... conv5_1 features
with the style image's, and the total-variation loss penalizes neighbouring pixels that
differ. The sections below follow the book's order.

Beyond the book: the loss weights and the learning rate may change at any step; without
VGG19's weights a labelled fallback of random filters stands in (`RandomFeatures`); the
network computes no gradients for its own weights and, on a GPU, runs in bfloat16.
"""

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image
from torch import Tensor, nn
from torch.nn import functional as F

from workers.demos.style_transfer.params import Params
from workers.kit.device import autocast

# -- Reading the content and style images (13.12.2) -----------------------------------------

RGB_MEAN = torch.tensor([0.485, 0.456, 0.406])  # ImageNet's, which VGG19 was trained on
RGB_STD = torch.tensor([0.229, 0.224, 0.225])
MIN_SIDE = 32  # VGG19 halves the image four times before conv5_1
MAX_ASPECT = 4.0  # a wider (or taller) content image is squeezed to this, bounding the pixels


def synthesized_shape(content: Image.Image, height: int) -> tuple[int, int]:
    """(height, width): the requested height and the content image's aspect ratio."""
    aspect = min(max(content.width / content.height, 1 / MAX_ASPECT), MAX_ASPECT)
    return height, max(MIN_SIDE, round(height * aspect))


def preprocess(img: Image.Image, image_shape: tuple[int, int]) -> Tensor:
    """Resize, scale to [0, 1] and standardize each channel: a (1, 3, h, w) batch."""
    resized = img.resize((image_shape[1], image_shape[0]), Image.Resampling.BILINEAR)
    pixels = torch.from_numpy(np.asarray(resized, dtype=np.float32) / 255)
    X = pixels.permute(2, 0, 1).contiguous()  # channels first in memory too, as ToTensor gives
    return ((X - RGB_MEAN[:, None, None]) / RGB_STD[:, None, None]).unsqueeze(0)


def postprocess(X: Tensor) -> Image.Image:
    """Undo the standardization and clip to valid pixel values."""
    img = X[0].detach().float().cpu()
    img = torch.clamp(img * RGB_STD[:, None, None] + RGB_MEAN[:, None, None], 0, 1)
    return Image.fromarray((img.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8))


# -- Extracting features (13.12.3) ----------------------------------------------------------

# Indices into torchvision's `vgg19().features`: conv1_1, conv2_1, conv3_1, conv4_1, conv5_1
# for style and conv4_4 for content. Nothing after conv5_1 (index 28) is ever built.
STYLE_LAYERS, CONTENT_LAYERS = [0, 5, 10, 19, 28], [25]
# VGG19's convolutional part up to conv5_1: output channels of each 3×3 conv, "M" a max-pool.
VGG19_UP_TO_CONV5_1 = [
    *[64, 64, "M"],
    *[128, 128, "M"],
    *[256, 256, 256, 256, "M"],
    *[512, 512, 512, 512, "M"],
    512,
]


def vgg19_features() -> nn.Sequential:
    """VGG19's `features` up to conv5_1, numbered as torchvision numbers them."""
    layers: list[nn.Module] = []
    in_channels = 3
    for out_channels in VGG19_UP_TO_CONV5_1:
        if out_channels == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            # Not in place (torchvision's ReLU is): the conv outputs we keep must stay
            # pre-activation, as the book takes them.
            layers += [nn.Conv2d(in_channels, int(out_channels), 3, padding=1), nn.ReLU()]
            in_channels = int(out_channels)
    return nn.Sequential(*layers[:-1])  # conv5_1 is the last layer used; its ReLU is not


class VGG19Features(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = vgg19_features()

    def forward(self, X: Tensor) -> tuple[list[Tensor], list[Tensor]]:
        """The book's `extract_features`: the outputs of the content and the style layers."""
        contents, styles = [], []
        for i, layer in enumerate(self.net):
            X = layer(X)
            if i in STYLE_LAYERS:
                styles.append(X)
            if i in CONTENT_LAYERS:
                contents.append(X)
        return contents, styles


class RandomFeatures(nn.Module):
    """The fallback when VGG19's weights cannot be had: random filters, never trained.

    Random convolutional filters followed by a ReLU capture enough texture statistics for
    Gram matrices to match (Ustyuzhaninov et al., "What does it take to generate natural
    textures?", ICLR 2017). Five scales, each half the size of the last, stand in for the five
    style layers; the 1/8 scale, where conv4_4 sits in VGG19, gives the content features.
    The filters come from a fixed seed, so every run uses the same features.
    """

    SCALES, CONTENT_SCALE = 5, 3
    # Responses 8× larger than unit variance: with the book's loss weights, style and content
    # then outweigh total variation as they do with VGG19 (at 1× the image only blurs).
    GAIN = 8.0

    def __init__(self, channels: int = 128, kernel_size: int = 5, seed: int = 0) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        fan_in = 3 * kernel_size**2
        self.convs = nn.ModuleList()
        for _ in range(self.SCALES):
            conv = nn.Conv2d(3, channels, kernel_size, padding=kernel_size // 2, bias=False)
            with torch.no_grad():
                conv.weight.copy_(torch.randn(conv.weight.shape, generator=generator))
                conv.weight.mul_(self.GAIN / fan_in**0.5)
            self.convs.append(conv)

    def forward(self, X: Tensor) -> tuple[list[Tensor], list[Tensor]]:
        styles = [F.relu(conv(downsampled(X, 2**scale))) for scale, conv in enumerate(self.convs)]
        return [styles[self.CONTENT_SCALE]], styles


def downsampled(X: Tensor, factor: int) -> Tensor:
    """Smoothly (antialiased), so gradients do not come back in blocks as from pooling."""
    if factor == 1:
        return X
    return F.interpolate(X, scale_factor=1 / factor, mode="bilinear", antialias=True)


# -- Defining the loss functions (13.12.5) ---------------------------------------------------


def content_loss(Y_hat: Tensor, Y: Tensor) -> Tensor:
    return torch.square(Y_hat - Y).mean()


def gram(X: Tensor) -> Tensor:
    """Correlations between channels, normalized by the number of elements c·h·w."""
    num_channels, n = X.shape[1], X.numel() // X.shape[1]
    X = X.reshape((num_channels, n))
    return torch.matmul(X, X.T) / (num_channels * n)


def style_loss(Y_hat: Tensor, gram_Y: Tensor) -> Tensor:
    return torch.square(gram(Y_hat) - gram_Y).mean()


def tv_loss(Y_hat: Tensor) -> Tensor:
    """Total variation: how much neighbouring pixels differ, down and across."""
    return 0.5 * (
        torch.abs(Y_hat[:, :, 1:, :] - Y_hat[:, :, :-1, :]).mean()
        + torch.abs(Y_hat[:, :, :, 1:] - Y_hat[:, :, :, :-1]).mean()
    )


METRICS = ("content", "style", "tv", "total")


@dataclass(frozen=True)
class Losses:
    content: Tensor
    style: Tensor
    tv: Tensor
    total: Tensor

    def stacked(self) -> Tensor:
        """The four values in METRICS order, detached, still on the device."""
        return torch.stack([self.content, self.style, self.tv, self.total]).detach()


def compute_loss(
    X: Tensor,
    contents_Y_hat: list[Tensor],
    styles_Y_hat: list[Tensor],
    contents_Y: list[Tensor],
    styles_Y_gram: list[Tensor],
    params: Params,
) -> Losses:
    """The weighted sum of the three losses, with the weights in force at this step.

    Features are cast to float32 first: Gram matrices sum many products, too many for
    bfloat16's precision.
    """
    layer_weights = params.style_layer_weights.model_dump().values()
    content = params.content_weight * sum(
        content_loss(Y_hat.float(), Y) for Y_hat, Y in zip(contents_Y_hat, contents_Y, strict=True)
    )
    style = params.style_weight * sum(
        w * style_loss(Y_hat.float(), gram_Y)
        for w, Y_hat, gram_Y in zip(layer_weights, styles_Y_hat, styles_Y_gram, strict=True)
    )
    tv = params.tv_weight * tv_loss(X)
    return Losses(content, style, tv, content + style + tv)  # type: ignore[arg-type]


# -- Initializing the synthesized image and training (13.12.6-7) ----------------------------

LR_DECAY_EVERY, LR_DECAY = 50, 0.8  # the book's StepLR(trainer, 50, 0.8)
LBFGS_HISTORY = 20  # steps of curvature L-BFGS remembers (see make_optimizer)


def decayed_lr(lr: float, step: int) -> float:
    """StepLR's learning rate at `step` (from 1), computed from the live `lr` every step."""
    return lr * LR_DECAY ** ((step - 1) // LR_DECAY_EVERY)


def initial_image(content_X: Tensor, init: str, seed: int) -> Tensor:
    if init == "content":  # the book copies the content image into the synthesized image
        return content_X.clone()
    noise = torch.rand(content_X.shape, generator=torch.Generator().manual_seed(seed))
    return (noise - RGB_MEAN[:, None, None]) / RGB_STD[:, None, None]


def make_optimizer(name: str, X: Tensor, lr: float) -> torch.optim.Optimizer:
    if name == "lbfgs":
        # One L-BFGS iteration per step, so live changes and frames keep their rhythm; its
        # curvature history carries over from step to step. That history is two image-sized
        # tensors per step remembered, all in every snapshot: 20 steps (not torch's 100) keep
        # a 300-pixel run's snapshot near 70 MB instead of 330, and lower the loss as fast.
        return torch.optim.LBFGS(
            [X], lr=lr, max_iter=1, history_size=LBFGS_HISTORY, line_search_fn="strong_wolfe"
        )
    return torch.optim.Adam([X], lr=lr)


@torch.no_grad()
def fixed_targets(
    extractor: nn.Module, content_X: Tensor, style_X: Tensor
) -> tuple[list[Tensor], list[Tensor]]:
    """The content image's content features and the style image's Gram matrices. Neither
    changes during training, so both are computed once, without a graph."""
    with autocast(content_X.device):
        contents_Y, _ = extractor(content_X)
        _, styles_Y = extractor(style_X)
    return [Y.float() for Y in contents_Y], [gram(Y.float()) for Y in styles_Y]


@dataclass
class Synthesis:
    """The synthesized image X, the targets it is pulled towards and the optimizer moving it."""

    X: nn.Parameter
    extractor: nn.Module
    contents_Y: list[Tensor]
    styles_Y_gram: list[Tensor]
    optimizer: torch.optim.Optimizer

    def loss(self, params: Params) -> Losses:
        with autocast(self.X.device):
            contents_Y_hat, styles_Y_hat = self.extractor(self.X)
        return compute_loss(
            self.X, contents_Y_hat, styles_Y_hat, self.contents_Y, self.styles_Y_gram, params
        )

    def step(self, params: Params, lr: float) -> Losses:
        """Update X once; return the losses of the image the step started from."""
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        evaluations: list[Losses] = []

        def closure() -> Tensor:  # Adam calls it once, L-BFGS also during its line search
            self.optimizer.zero_grad(set_to_none=True)
            losses = self.loss(params)
            losses.total.backward()
            evaluations.append(losses)
            return losses.total

        self.optimizer.step(closure)
        return evaluations[0]

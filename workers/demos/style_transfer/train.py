"""Neural style transfer, the way book section 13.12 does it, with live weights.

The parameter being trained is the synthesized image itself. A fixed, pretrained VGG19 turns
images into features: the content loss compares the synthesized image's conv4_4 features with
the content image's, the style loss compares Gram matrices of conv1_1 ... conv5_1 features
with the style image's, and the total-variation loss penalizes neighbouring pixels that
differ. The sections below follow the book's order.

Beyond the book: the loss weights and the learning rate may change at any step; without
VGG19's weights (offline, nothing cached) a labelled fallback of random filters stands in; the
network computes no gradients for its own weights, runs on `channels_last` tensors and, on a
GPU, in bfloat16.
"""

import io
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from PIL import Image
from torch import Tensor, nn
from torch.nn import functional as F

from backend.events import FrameKind, image_data
from backend.images.service import open_rgb
from backend.settings import VGG19_WEIGHTS_URL, get_settings
from workers.context import JobContext
from workers.demos.style_transfer import Params

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


# -- VGG19's pretrained weights --------------------------------------------------------------

VGG19_FILE = "vgg19-dcbb9e9d.pth"  # torchvision's; "dcbb9e9d" starts the file's SHA-256
VGG19_URL = VGG19_WEIGHTS_URL
DOWNLOAD_TIMEOUT_S = 30.0  # per network read: an unreachable network fails instead of hanging


def vgg19_url() -> str:
    """Where the weights are downloaded from: the setting DIVELAB_VGG19_WEIGHTS_URL."""
    return get_settings().vgg19_weights_url


def weights_dir(data_dir: str) -> Path:
    return Path(data_dir) / "weights"


class CorruptWeightsError(RuntimeError):
    """The cached weights file is damaged or is not VGG19's (the job's log has the details)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"The cached VGG19 weights {path} cannot be used: {reason}. Delete the file so "
            f"that the next job downloads it again, or replace it with torchvision's "
            f"{VGG19_FILE} from {VGG19_URL}."
        )


@dataclass(frozen=True)
class Features:
    extractor: nn.Module  # X -> (content features, style features)
    kind: Literal["vgg19", "random"]
    note: str  # for the learner: which features, and how to get VGG19's


def feature_extractor(ctx: JobContext[Params]) -> Features:
    """VGG19 with torchvision's ImageNet weights when they can be had, else random features."""
    cache = weights_dir(ctx.data_dir)
    state_dict = vgg19_state_dict(ctx, cache)
    if state_dict is not None:
        return Features(
            vgg19_with(state_dict, cache / VGG19_FILE),
            "vgg19",
            f"Features: VGG19 with torchvision's ImageNet weights ({cache / VGG19_FILE}).",
        )
    return Features(
        RandomFeatures(),
        "random",
        "Features: RANDOM FILTERS (fallback), not VGG19. VGG19's weights are not in "
        f"{cache} and could not be downloaded from {vgg19_url()}. Random multi-scale filters "
        "still capture textures, but the results are cruder than the book's. To use VGG19, "
        f"let this worker reach download.pytorch.org once, or copy {VGG19_FILE} (548 MB, "
        f"from {VGG19_URL}) into {cache}.",
    )


def vgg19_state_dict(ctx: JobContext[Params], cache: Path) -> dict[str, Tensor] | None:
    """torchvision's VGG19 weights, downloaded (hash-checked) into the cache the first time;
    None when they are not cached and cannot be downloaded."""
    cached = (cache / VGG19_FILE).exists()
    if not cached:
        ctx.log(f"VGG19's ImageNet weights are not in {cache}: downloading them (548 MB), once.")
    try:
        with download_progress_logged(ctx):
            return torch.hub.load_state_dict_from_url(
                vgg19_url(),
                model_dir=str(cache),
                map_location="cpu",
                progress=True,
                check_hash=True,
                file_name=VGG19_FILE,
                weights_only=True,
            )
    except Exception as error:
        if cached:
            reason = "it is not a readable PyTorch checkpoint"
            raise CorruptWeightsError(cache / VGG19_FILE, reason) from error
        if isinstance(error, OSError):  # offline: no route, refused, timed out
            return None
        raise RuntimeError(
            f"Downloading VGG19's weights from {vgg19_url()} failed ({error}); nothing was "
            "kept. If the hash did not match, the server did not send torchvision's file."
        ) from error


def vgg19_with(state_dict: dict[str, Tensor], path: Path) -> VGG19Features:
    """Our VGG19 with torchvision's weights: its `features.N.weight` is our layer N's weight.
    Layers past conv5_1 (and the classifier) are left out."""
    with torch.device("meta"):  # no time or memory spent on random weights replaced at once
        extractor = VGG19Features()
    kept = {
        name: state_dict[f"features.{name}"]
        for name in extractor.net.state_dict()
        if f"features.{name}" in state_dict
    }
    try:
        extractor.net.load_state_dict(kept, assign=True)
    except RuntimeError as error:  # missing layers or wrong shapes
        reason = "it does not hold torchvision's VGG19 layers"
        raise CorruptWeightsError(path, reason) from error
    return extractor


@contextmanager
def download_progress_logged(ctx: JobContext[Params]) -> Iterator[None]:
    """Report torch.hub's download progress in the job's log instead of a terminal bar.

    torch.hub draws its bar with a module-level `tqdm`; a worker runs one job at a time, so
    swapping it (and the default socket timeout) for the duration of the call is safe.
    """

    class LoggedProgress:
        def __init__(self, total: int | None = None, **_: Any) -> None:
            self.total, self.done, self.logged_percent = total, 0, -5

        def update(self, n: int) -> None:
            self.done += n
            percent = 100 * self.done // self.total if self.total else 0
            if self.total and percent >= self.logged_percent + 5:  # every 5%
                self.logged_percent = percent
                ctx.log(
                    f"Downloading VGG19 weights: {self.done >> 20} of {self.total >> 20} MB",
                    progress=self.done / self.total,
                )

        def __enter__(self) -> "LoggedProgress":
            return self

        def __exit__(self, *_: object) -> None:
            return None

    saved_tqdm, saved_timeout = torch.hub.tqdm, socket.getdefaulttimeout()
    torch.hub.tqdm = LoggedProgress  # type: ignore[attr-defined]
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
    try:
        yield
    finally:
        torch.hub.tqdm = saved_tqdm  # type: ignore[attr-defined]
        socket.setdefaulttimeout(saved_timeout)


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
        # curvature history carries over from step to step.
        return torch.optim.LBFGS([X], lr=lr, max_iter=1, line_search_fn="strong_wolfe")
    return torch.optim.Adam([X], lr=lr)


def autocast(device: torch.device, mixed_precision: bool) -> torch.autocast:
    """bfloat16 where it pays (a GPU): as fast as float16, and no loss scaling needed."""
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=mixed_precision)


@torch.no_grad()
def fixed_targets(
    extractor: nn.Module, content_X: Tensor, style_X: Tensor, mixed_precision: bool
) -> tuple[list[Tensor], list[Tensor]]:
    """The content image's content features and the style image's Gram matrices. Neither
    changes during training, so both are computed once, without a graph."""
    with autocast(content_X.device, mixed_precision):
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
    mixed_precision: bool

    def loss(self, params: Params) -> Losses:
        with autocast(self.X.device, self.mixed_precision):
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


# -- Reporting to the learner ----------------------------------------------------------------

FRAME_EVERY = 10  # steps between pictures of the synthesized image...
FRAME_MAX_SECONDS = 5.0  # ...or sooner when steps are slow...
FRAME_MIN_SECONDS = 0.5  # ...but never more often than this, when they are fast
FRAME_MAX_SIDE = 384  # pixels: streamed pictures are small; the artifact has full size
METRICS_EVERY_SECONDS = 0.2


def encoded_image(img: Image.Image, max_side: int) -> dict[str, Any]:
    """An `image` frame: a WebP small enough to stream."""
    img = img.copy()
    img.thumbnail((max_side, max_side))
    out = io.BytesIO()
    img.save(out, format="WEBP", quality=75)
    return image_data(out.getvalue(), "webp", img.width, img.height)


class Reporter:
    """Metrics and frames at a pace a learner can follow.

    Losses stay on the device until a batch of steps is reported: reading them every step
    would make a GPU wait for the host at every step.
    """

    def __init__(self, ctx: JobContext[Params]) -> None:
        self.ctx = ctx
        self.pending: list[tuple[int, Tensor]] = []
        self.latest: dict[str, float] = {}
        self.metrics_at = self.frame_at = time.monotonic()
        self.frame_step = 0

    def report_losses(self, step: int, losses: Losses, force: bool = False) -> None:
        self.pending.append((step, losses.stacked()))
        if force or time.monotonic() - self.metrics_at >= METRICS_EVERY_SECONDS:
            rows = torch.stack([values for _, values in self.pending]).tolist()
            for (at_step, _), row in zip(self.pending, rows, strict=True):
                self.latest = dict(zip(METRICS, row, strict=True))
                self.ctx.metric(self.latest, step=at_step)
            self.pending, self.metrics_at = [], time.monotonic()

    def report_image(self, step: int, X: Tensor, force: bool = False) -> None:
        since = time.monotonic() - self.frame_at
        due = since >= FRAME_MIN_SECONDS and (
            step - self.frame_step >= FRAME_EVERY or since >= FRAME_MAX_SECONDS
        )
        if force or due:
            frame = encoded_image(postprocess(X), FRAME_MAX_SIDE)
            self.ctx.frame("synthesized", FrameKind.image, frame, step=step)
            self.frame_at, self.frame_step = time.monotonic(), step


def png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


# -- The job ---------------------------------------------------------------------------------


def inputs_frame(content_X: Tensor, style_X: Tensor) -> dict[str, Any]:
    return {
        "images": [encoded_image(postprocess(Z), FRAME_MAX_SIDE) for Z in (content_X, style_X)],
        "columns": 2,
        "titles": ["content", "style"],
    }


def run(ctx: JobContext[Params]) -> dict[str, Any]:
    params = ctx.params
    device = torch.device(ctx.device)
    content_img, style_img = open_rgb(params.content), open_rgb(params.style)
    shape = synthesized_shape(content_img, params.size)
    content_X, style_X = preprocess(content_img, shape), preprocess(style_img, shape)
    ctx.frame("inputs", FrameKind.image_grid, inputs_frame(content_X, style_X))
    X = nn.Parameter(initial_image(content_X, params.init, params.seed).to(device))
    content_X, style_X = content_X.to(device), style_X.to(device)

    features = feature_extractor(ctx)
    ctx.log(features.note)
    # channels_last: cuDNN's tensor cores and oneDNN's CPU kernels both run faster on NHWC.
    # X stays NCHW (L-BFGS flattens its gradient); the first convolution converts it.
    extractor = features.extractor.to(device, memory_format=torch.channels_last)
    extractor = extractor.eval().requires_grad_(False)  # only X learns: no weight gradients
    mixed_precision = device.type == "cuda" and torch.cuda.is_bf16_supported()
    contents_Y, styles_Y_gram = fixed_targets(extractor, content_X, style_X, mixed_precision)
    synthesis = Synthesis(
        X,
        extractor,
        contents_Y,
        styles_Y_gram,
        make_optimizer(params.optimizer, X, params.lr),
        mixed_precision,
    )

    reporter = Reporter(ctx)
    reporter.report_image(0, X, force=True)
    started = time.monotonic()
    for step in range(1, params.steps + 1):
        params = ctx.checkpoint(step)
        losses = synthesis.step(params, decayed_lr(params.lr, step))
        last = step == params.steps
        reporter.report_losses(step, losses, force=last)
        reporter.report_image(step, X, force=last)
    seconds = time.monotonic() - started

    ctx.artifact("stylized.png", "image/png", png(postprocess(X)))
    return {
        "features": features.kind,
        "features_note": features.note,
        "image_size": list(shape),
        "steps": params.steps,
        "optimizer": params.optimizer,
        "final_losses": reporter.latest,
        "device": ctx.device,
        "mixed_precision": mixed_precision,
        "steps_per_second": round(params.steps / max(seconds, 1e-6), 3),
        "artifact": "stylized.png",
    }

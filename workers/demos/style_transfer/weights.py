"""VGG19's pretrained weights (13.12.3: the book's `torchvision.models.vgg19(pretrained=True)`).

torchvision's ImageNet weights are fetched once, hash-checked, into the data directory's
`weights/` folder by the kit's downloader; later jobs read them from there without the
network. Offline with nothing cached, random filters stand in, and the job says so.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
from torch import Tensor, nn

from core.downloads import VGG19_WEIGHTS_URL
from workers.context import JobContext
from workers.demos.style_transfer.model import RandomFeatures, VGG19Features
from workers.demos.style_transfer.params import Params
from workers.kit.download import Download, RemoteFile, Unavailable, is_cached

VGG19_FILE = "vgg19-dcbb9e9d.pth"  # torchvision's; "dcbb9e9d" starts the file's SHA-256


class CorruptWeightsError(RuntimeError):
    """The cached weights file is damaged or is not VGG19's (the job's log has the details)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"The cached VGG19 weights {path} cannot be used: {reason}. Delete the file so "
            f"that the next job downloads it again, or replace it with torchvision's "
            f"{VGG19_FILE} from {VGG19_WEIGHTS_URL}."
        )


@dataclass(frozen=True)
class Features:
    extractor: nn.Module  # X -> (content features, style features)
    kind: Literal["vgg19", "random"]
    note: str  # for the learner: which features, and how to get VGG19's


def feature_extractor(ctx: JobContext[Params]) -> Features:
    """VGG19 with torchvision's ImageNet weights when they can be had, else random features."""
    cache = ctx.cache_dir("weights")
    download = Download(
        "VGG19's ImageNet weights",
        RemoteFile(VGG19_FILE, "sha256:dcbb9e9d"),
        (ctx.settings.vgg19_weights_url,),
        verify_cached=False,  # hashing 548 MB at every start costs seconds
    )
    if not is_cached(download, cache):
        ctx.log(
            f"VGG19's ImageNet weights are not in {cache}: downloading them (548 MB), once.",
            progress=0.0,
        )
    try:
        path = ctx.download(download, cache)
    except Unavailable as unavailable:
        if not unavailable.offline:  # a server answered, but not with torchvision's file
            raise
        return Features(
            RandomFeatures(),
            "random",
            "Features: RANDOM FILTERS (fallback), not VGG19. VGG19's weights are not in "
            f"{cache} and could not be downloaded from {ctx.settings.vgg19_weights_url}. "
            "Random multi-scale filters still capture textures, but the results are cruder "
            "than the book's. To use VGG19, let this worker reach download.pytorch.org once, "
            f"or copy {VGG19_FILE} (548 MB, from {VGG19_WEIGHTS_URL}) into {cache}.",
        )
    return Features(
        vgg19_with(read_state_dict(path), path),
        "vgg19",
        f"Features: VGG19 with torchvision's ImageNet weights ({path}).",
    )


def read_state_dict(path: Path) -> dict[str, Tensor]:
    """The checkpoint's tensors, read as data only (`weights_only`: no code runs)."""
    try:
        state_dict = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # truncated, not a zip or pickle, or pickled objects
        raise CorruptWeightsError(path, "it is not a readable PyTorch checkpoint") from error
    if not isinstance(state_dict, dict):
        raise CorruptWeightsError(path, "it does not hold torchvision's VGG19 layers")
    return state_dict


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

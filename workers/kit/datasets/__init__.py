"""Datasets for the demos, as tensors on the training device.

- `fashion-mnist` (the book's dataset) and `mnist`: downloaded once from their public mirrors
  into `DATA_DIR/datasets/`, checked against the published MD5s, parsed from IDX files.
- `digits`: scikit-learn's bundled handwritten digits at 28×28; needs no download.

    data = load_for(ctx, "fashion-mnist")
    batches = Minibatches((data.train_images, data.train_labels), 256, generator)
"""

from pathlib import Path

from workers.context import JobContext
from workers.kit.datasets.digits import load_digits_dataset
from workers.kit.datasets.published import (
    FASHION_MNIST,
    MNIST,
    DatasetUnavailable,
    IdxDataset,
    is_downloaded,
    load_idx_dataset,
)
from workers.kit.datasets.tensors import ImageDataset
from workers.kit.download import Log

DOWNLOADABLE: dict[str, IdxDataset] = {spec.id: spec for spec in (FASHION_MNIST, MNIST)}


def load(
    name: str, data_dir: str | Path, device: str, log: Log, mirror: str | None = None
) -> ImageDataset:
    """Dataset `name` on `device`; a download is reported through `log` with its progress."""
    if name == "digits":
        return load_digits_dataset(device)
    return load_idx_dataset(DOWNLOADABLE[name], data_dir, device, log, mirror)


def load_for(ctx: JobContext, name: str) -> ImageDataset:
    """Dataset `name` where the job trains, from the cache and mirror its settings name."""
    settings = ctx.settings
    return load(name, settings.data_dir, ctx.device, ctx.log, settings.datasets_mirror)


def is_dataset_cached(name: str, data_dir: str | Path) -> bool:
    """Whether `name` can be loaded without a download."""
    return name == "digits" or is_downloaded(DOWNLOADABLE[name], data_dir)


def choose(ctx: JobContext, choice: str) -> str:
    """The dataset a demo's `dataset` param picks: `auto` is the book's Fashion-MNIST when it
    is cached, else the digits, which need no download (the job's log says so, and how to get
    Fashion-MNIST)."""
    if choice != "auto":
        return choice
    if is_dataset_cached("fashion-mnist", ctx.settings.data_dir):
        return "fashion-mnist"
    ctx.log(
        "Fashion-MNIST is not downloaded yet, so this run trains on scikit-learn's digits. "
        "Pick the `fashion-mnist` dataset to download it (about 30 MB, once)."
    )
    return "digits"


__all__ = [
    "DOWNLOADABLE",
    "FASHION_MNIST",
    "MNIST",
    "DatasetUnavailable",
    "IdxDataset",
    "ImageDataset",
    "choose",
    "is_dataset_cached",
    "load",
    "load_for",
    "load_idx_dataset",
]

"""Datasets for the demos, as tensors on the training device.

- `fashion-mnist` (the book's dataset) and `mnist`: downloaded once from their public mirrors
  into `DATA_DIR/datasets/`, checked against the published MD5s, parsed from IDX files.
- `digits`: scikit-learn's bundled handwritten digits at 28×28; needs no download.

    data = load("fashion-mnist", ctx.data_dir, ctx.device, ctx.log)
    for X, y in shuffled_minibatches(data.train_images, data.train_labels, 256, generator): ...
"""

from pathlib import Path

from workers.datasets.digits import load_digits_dataset
from workers.datasets.published import (
    FASHION_MNIST,
    MNIST,
    DatasetUnavailable,
    IdxDataset,
    Log,
    is_downloaded,
    load_idx_dataset,
)
from workers.datasets.tensors import ImageDataset, shuffled_minibatches

DOWNLOADABLE: dict[str, IdxDataset] = {spec.id: spec for spec in (FASHION_MNIST, MNIST)}


def load(name: str, data_dir: str | Path, device: str, log: Log) -> ImageDataset:
    """Dataset `name` on `device`; a download is reported through `log` with its progress."""
    if name == "digits":
        return load_digits_dataset(device)
    return load_idx_dataset(DOWNLOADABLE[name], data_dir, device, log)


def is_cached(name: str, data_dir: str | Path) -> bool:
    """Whether `name` can be loaded without a download."""
    return name == "digits" or is_downloaded(DOWNLOADABLE[name], data_dir)


__all__ = [
    "DOWNLOADABLE",
    "FASHION_MNIST",
    "MNIST",
    "DatasetUnavailable",
    "IdxDataset",
    "ImageDataset",
    "is_cached",
    "load",
    "load_idx_dataset",
    "shuffled_minibatches",
]

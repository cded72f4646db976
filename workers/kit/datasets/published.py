"""MNIST and Fashion-MNIST: four gzipped IDX files each, fetched once from the mirrors.

Files are cached under `DATA_DIR/datasets/<dataset id>/` with their published names. A cached
file is used only if its MD5 matches the published one; a missing or damaged file is fetched
again. A `mirror` (the setting DIVELAB_DATASETS_MIRROR, a base URL) serves
`<base>/<dataset id>/<file name>` instead of the public mirrors (a local copy, or a test
server).
"""

from dataclasses import dataclass
from pathlib import Path

from workers.kit.datasets.idx import read_idx_gz
from workers.kit.datasets.tensors import ImageDataset, tensors_from_uint8
from workers.kit.download import Download, Log, Progress, RemoteFile, Unavailable, fetch, is_cached


@dataclass(frozen=True)
class IdxDataset:
    id: str
    title: str
    mirrors: tuple[str, ...]  # base URLs, tried in order; each ends with "/"
    train_images: RemoteFile
    train_labels: RemoteFile
    test_images: RemoteFile
    test_labels: RemoteFile
    class_names: tuple[str, ...]

    @property
    def files(self) -> tuple[RemoteFile, ...]:
        return (self.train_images, self.train_labels, self.test_images, self.test_labels)

    def downloads(self, mirror: str | None) -> list[Download]:
        bases = (f"{mirror.rstrip('/')}/{self.id}/",) if mirror else self.mirrors
        return [
            Download(f"{self.title} ({remote.name})", remote, tuple(b + remote.name for b in bases))
            for remote in self.files
        ]


class DatasetUnavailable(RuntimeError):
    """The dataset is not in the cache and could not be downloaded."""


def md5(name: str, digest: str) -> RemoteFile:
    return RemoteFile(name, f"md5:{digest}")


# Zalando's own mirror, then the repository's copy; MD5s as torchvision lists them.
FASHION_MNIST = IdxDataset(
    id="fashion-mnist",
    title="Fashion-MNIST",
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ),
    train_images=md5("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
    train_labels=md5("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
    test_images=md5("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
    test_labels=md5("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    # The book's text labels (3.5, `get_fashion_mnist_labels`).
    class_names=(
        "t-shirt", "trouser", "pullover", "dress", "coat",
        "sandal", "shirt", "sneaker", "bag", "ankle boot",
    ),
)  # fmt: skip

MNIST = IdxDataset(
    id="mnist",
    title="MNIST",
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    train_images=md5("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
    train_labels=md5("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
    test_images=md5("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
    test_labels=md5("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    class_names=tuple(str(digit) for digit in range(10)),
)


def cache_dir(dataset: IdxDataset, data_dir: str | Path) -> Path:
    return Path(data_dir) / "datasets" / dataset.id


def is_downloaded(dataset: IdxDataset, data_dir: str | Path) -> bool:
    """Whether all four files are in the cache (their checksums are checked when loading)."""
    folder = cache_dir(dataset, data_dir)
    return all((folder / remote.name).is_file() for remote in dataset.files)


def load_idx_dataset(
    dataset: IdxDataset, data_dir: str | Path, device: str, log: Log, mirror: str | None = None
) -> ImageDataset:
    """The dataset as tensors on `device`, downloading what the cache lacks."""
    folder = cache_dir(dataset, data_dir)
    ensure_downloaded(dataset, folder, log, mirror)
    train_images, train_labels = tensors_from_uint8(
        read_idx_gz(folder / dataset.train_images.name),
        read_idx_gz(folder / dataset.train_labels.name),
        device,
    )
    test_images, test_labels = tensors_from_uint8(
        read_idx_gz(folder / dataset.test_images.name),
        read_idx_gz(folder / dataset.test_labels.name),
        device,
    )
    return ImageDataset(
        name=dataset.id,
        title=dataset.title,
        class_names=dataset.class_names,
        train_images=train_images,
        train_labels=train_labels,
        test_images=test_images,
        test_labels=test_labels,
    )


def ensure_downloaded(dataset: IdxDataset, folder: Path, log: Log, mirror: str | None) -> None:
    missing = [d for d in dataset.downloads(mirror) if not is_cached(d, folder)]
    for index, download in enumerate(missing):
        try:
            fetch(download, folder, file_progress(log, dataset, download, index, len(missing)))
        except Unavailable as failure:
            raise DatasetUnavailable(
                f"{failure}\nThe other files still missing: "
                f"{', '.join(d.urls[0] for d in missing[index + 1 :]) or 'none'}. "
                "Or train on `digits`, which needs no download."
            ) from None
    if missing:
        log(f"{dataset.title} is downloaded and verified, in {folder}.", 1.0)


def file_progress(
    log: Log, dataset: IdxDataset, download: Download, index: int, count: int
) -> Progress:
    """Progress of file `index` of `count`, logged as a fraction of the whole download."""

    def report(received: int, total: int | None) -> None:
        size = f"{received / 1e6:.1f} of {total / 1e6:.1f} MB" if total else f"{received} bytes"
        fraction = received / total if total else 0.0
        log(
            f"Downloading {dataset.title}: {download.file.name} ({index + 1} of {count}), {size}",
            (index + fraction) / count,
        )

    return report

"""The datasets layer: IDX parsing, verified downloads from a real local HTTP server, digits."""

import gzip
import hashlib
import struct
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.demos.conftest import FileServer
from tests.support import free_port, run_demo
from workers.kit.datasets import (
    DatasetUnavailable,
    IdxDataset,
    load,
    load_idx_dataset,
)
from workers.kit.datasets.idx import IDX_TYPES, IdxFormatError, parse_idx
from workers.kit.datasets.published import cache_dir
from workers.kit.download import RemoteFile


def encode_idx(values: np.ndarray) -> bytes:
    """The IDX bytes of an array (the inverse of `parse_idx`), to build test files."""
    big_endian = values.dtype.newbyteorder(">")
    code = next(code for code, dtype in IDX_TYPES.items() if dtype == big_endian)
    header = bytes([0, 0, code, values.ndim]) + struct.pack(f">{values.ndim}I", *values.shape)
    return header + values.astype(big_endian).tobytes()


@dataclass(frozen=True)
class TinyDataset:
    """Small IDX files made up for a test, and the IdxDataset that describes them."""

    spec: IdxDataset
    arrays: dict[str, np.ndarray]
    gz: dict[str, bytes]


def make_tiny_dataset(mirror: str) -> TinyDataset:
    rng = np.random.default_rng(0)
    arrays = {
        "train-images.gz": rng.integers(0, 256, (12, 28, 28), dtype=np.uint8),
        "train-labels.gz": rng.integers(0, 10, 12, dtype=np.uint8),
        "test-images.gz": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
        "test-labels.gz": rng.integers(0, 10, 5, dtype=np.uint8),
    }
    gz = {name: gzip.compress(encode_idx(values)) for name, values in arrays.items()}
    remote = {
        name: RemoteFile(name, f"md5:{hashlib.md5(body).hexdigest()}") for name, body in gz.items()
    }
    spec = IdxDataset(
        id="tiny",
        title="Tiny",
        mirrors=(mirror,),
        train_images=remote["train-images.gz"],
        train_labels=remote["train-labels.gz"],
        test_images=remote["test-images.gz"],
        test_labels=remote["test-labels.gz"],
        class_names=tuple("abcdefghij"),
    )
    return TinyDataset(spec, arrays, gz)


@pytest.fixture
def tiny(file_server: FileServer) -> TinyDataset:
    dataset = make_tiny_dataset(f"{file_server.url}/tiny/")
    file_server.files = {f"/tiny/{name}": body for name, body in dataset.gz.items()}
    return dataset


class Logged(list):
    def __call__(self, message: str, progress: float | None = None) -> None:
        self.append((message, progress))


def cached_files(data_dir: Path) -> list[str]:
    folder = data_dir / "datasets"
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# -- IDX ------------------------------------------------------------------------------------


def test_idx_round_trip_for_every_value_type() -> None:
    for dtype in (np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64):
        values = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
        parsed = parse_idx(encode_idx(values))
        assert parsed.dtype == values.dtype and parsed.shape == (2, 3, 4)
        np.testing.assert_array_equal(parsed, values)


def test_idx_header_is_read_as_the_format_says() -> None:
    # Magic 0x00000803 (unsigned bytes, 3 dimensions), then 2, 1, 3 as big-endian uint32.
    raw = bytes.fromhex("00000803000000020000000100000003") + bytes(range(6))
    np.testing.assert_array_equal(parse_idx(raw), [[[0, 1, 2]], [[3, 4, 5]]])


@pytest.mark.parametrize(
    "raw",
    [b"", b"\x01\x00\x08\x01", b"\x00\x00\x07\x01\x00\x00\x00\x01\x00", b"\x00\x00\x08\x01\x00"],
)
def test_malformed_idx_is_rejected(raw: bytes) -> None:
    with pytest.raises(IdxFormatError):
        parse_idx(raw)


def test_idx_with_missing_values_is_rejected() -> None:
    with pytest.raises(IdxFormatError, match="needs 6 bytes"):
        parse_idx(encode_idx(np.zeros((2, 3), dtype=np.uint8))[:-1])


# -- Downloads ------------------------------------------------------------------------------


def test_download_parses_verifies_caches_and_reports_progress(
    tiny: TinyDataset, file_server: FileServer, tmp_path: Path
) -> None:
    log = Logged()
    data = load_idx_dataset(tiny.spec, tmp_path, "cpu", log)

    assert data.train_images.shape == (12, 1, 28, 28) and data.train_images.dtype == torch.float32
    expected = torch.from_numpy(tiny.arrays["train-images.gz"]).float() / 255
    torch.testing.assert_close(data.train_images[:, 0], expected)
    assert data.test_labels.tolist() == tiny.arrays["test-labels.gz"].tolist()
    assert data.class_names == tuple("abcdefghij")
    progress = [p for _, p in log if p is not None]
    assert progress == sorted(progress) and progress[0] >= 0 and progress[-1] == 1.0
    assert any("train-images.gz (1 of 4)" in message for message, _ in log)
    assert cached_files(tmp_path) == sorted(tiny.gz)  # nothing else, no temporary files
    assert len(file_server.requests) == 4

    # Verified files are used from the cache: no request, no log.
    file_server.files.clear()
    quiet = Logged()
    again = load_idx_dataset(tiny.spec, tmp_path, "cpu", quiet)
    assert quiet == [] and len(file_server.requests) == 4
    torch.testing.assert_close(again.train_images, data.train_images)


def test_checksum_mismatch_leaves_nothing_in_the_cache(tiny: TinyDataset, tmp_path: Path) -> None:
    wrong = replace(tiny.spec, train_labels=RemoteFile("train-labels.gz", "md5:" + "0" * 32))
    with pytest.raises(DatasetUnavailable, match="checksum mismatch") as failure:
        load_idx_dataset(wrong, tmp_path, "cpu", Logged())
    assert "train-labels.gz" in str(failure.value)
    assert "train-labels.gz" not in cached_files(tmp_path)
    assert not [name for name in cached_files(tmp_path) if name.endswith(".part")]


def test_interrupted_transfer_leaves_nothing_in_the_cache(
    tiny: TinyDataset, file_server: FileServer, tmp_path: Path
) -> None:
    file_server.cut_short = True
    with pytest.raises(DatasetUnavailable, match="broke off") as failure:
        load_idx_dataset(tiny.spec, tmp_path, "cpu", Logged())
    assert "train-images.gz" in str(failure.value)
    assert cached_files(tmp_path) == []

    # The next try, with the server whole again, completes the download.
    file_server.cut_short = False
    assert len(load_idx_dataset(tiny.spec, tmp_path, "cpu", Logged()).train_labels) == 12


def test_damaged_cached_file_is_downloaded_again(
    tiny: TinyDataset, file_server: FileServer, tmp_path: Path
) -> None:
    load_idx_dataset(tiny.spec, tmp_path, "cpu", Logged())
    damaged = cache_dir(tiny.spec, tmp_path) / "test-images.gz"
    damaged.write_bytes(b"not the published file")
    data = load_idx_dataset(tiny.spec, tmp_path, "cpu", Logged())
    assert file_server.requests[-1] == "/tiny/test-images.gz" and len(file_server.requests) == 5
    assert damaged.read_bytes() == tiny.gz["test-images.gz"]
    assert data.test_images.shape == (5, 1, 28, 28)


def test_next_mirror_is_tried_when_one_fails(
    tiny: TinyDataset, file_server: FileServer, tmp_path: Path
) -> None:
    offline = f"http://127.0.0.1:{free_port()}/"
    missing = f"{file_server.url}/elsewhere/"  # answers 404
    spec = replace(tiny.spec, mirrors=(offline, missing, f"{file_server.url}/tiny/"))
    assert len(load_idx_dataset(spec, tmp_path, "cpu", Logged()).test_labels) == 5


def test_offline_fails_at_once_saying_what_to_download_and_where(
    tiny: TinyDataset, tmp_path: Path
) -> None:
    nothing_listening = f"http://127.0.0.1:{free_port()}/tiny/"
    spec = replace(tiny.spec, mirrors=(nothing_listening,))
    started = time.monotonic()
    with pytest.raises(DatasetUnavailable) as failure:
        load_idx_dataset(spec, tmp_path, "cpu", Logged())
    assert time.monotonic() - started < 2
    message = str(failure.value)
    for name in tiny.gz:
        assert f"{nothing_listening}{name}" in message
    assert str(cache_dir(spec, tmp_path)) in message and "digits" in message
    assert cached_files(tmp_path) == []


def test_a_job_offline_fails_with_the_files_to_fetch(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DIVELAB_DATASETS_MIRROR", f"http://127.0.0.1:{free_port()}")
    channel = run_demo("conv-filters", {"dataset": "fashion-mnist"}, data_dir=str(tmp_path))
    final = channel.final
    assert final["status"] == "failed"
    assert "DatasetUnavailable" in final["error"] and "t10k-labels-idx1-ubyte.gz" in final["error"]
    assert str(tmp_path / "datasets" / "fashion-mnist") in final["error"]
    assert channel.of_type("metric") == []


# -- In memory ------------------------------------------------------------------------------


def test_digits_look_like_mnist() -> None:
    data = load("digits", "/nonexistent", "cpu", Logged())
    assert data.train_images.shape == (1500, 1, 28, 28)
    assert data.test_images.shape == (297, 1, 28, 28)
    assert data.train_images.min() >= 0 and data.train_images.max() <= 1
    assert data.train_images.max() > 0.9  # strokes reach full ink
    border = data.train_images.clone()
    border[:, :, 4:24, 4:24] = 0
    assert border.abs().max() == 0  # the digit sits in the central 20×20 box, as in MNIST
    assert sorted(set(data.train_labels.tolist())) == list(range(10))
    again = load("digits", "/nonexistent", "cpu", Logged())
    assert torch.equal(again.test_labels, data.test_labels)  # the same split every time

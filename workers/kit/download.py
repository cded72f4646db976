"""The one downloader for every demo: datasets and model weights alike.

A file is fetched from its URLs in turn into a cache folder, checked against its published
checksum, and reaches its final name only after the checksum matched: it is written to a
temporary file beside it and renamed in one step, so an interrupted or corrupted download
never leaves a file that a later job would take for a good one. Progress is reported as
(bytes so far, total); offline, every URL fails at once and the error says what to fetch by
hand and where to put it.
"""

import hashlib
import http.client
import os
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK_BYTES = 1 << 16
TIMEOUT_SECONDS = 15  # per connection and per read: a dead network fails instead of hanging
PROGRESS_EVERY_SECONDS = 0.5

Progress = Callable[[int, int | None], None]
"""Called with (bytes received so far, total bytes or None) while a file downloads."""

Log = Callable[[str, float | None], None]
"""Where a job's messages go, with a progress fraction: `JobContext.log`."""


@dataclass(frozen=True)
class RemoteFile:
    """A published file: its name in the cache and its checksum, `algorithm:hex digest`.

    The digest may be a prefix of at least 8 hex digits, as torchvision publishes its weights
    (`vgg19-dcbb9e9d.pth`: the SHA-256 starts with dcbb9e9d).
    """

    name: str
    checksum: str

    def __post_init__(self) -> None:
        algorithm, _, digest = self.checksum.partition(":")
        if algorithm not in hashlib.algorithms_guaranteed or len(digest) < 8:
            raise ValueError(f"{self.name}: checksum must be `algorithm:hex digest`")

    @property
    def algorithm(self) -> str:
        return self.checksum.partition(":")[0]

    @property
    def digest(self) -> str:
        return self.checksum.partition(":")[2].lower()

    def matches(self, digest: str) -> bool:
        return digest.startswith(self.digest)


@dataclass(frozen=True)
class Download:
    """What to fetch (`file`), from where (`urls`, tried in order), named for the learner."""

    title: str  # "VGG19's ImageNet weights"
    file: RemoteFile
    urls: tuple[str, ...]
    # A cached file is checked again before use, unless hashing it costs too much at every
    # start (hundreds of MB): it only got its name after its checksum matched.
    verify_cached: bool = True


class DownloadFailed(Exception):
    """One URL failed: no connection (`offline`), or what came back is not the file."""

    def __init__(self, url: str, reason: str, *, offline: bool = False) -> None:
        super().__init__(f"{url}: {reason}")
        self.offline = offline


class Unavailable(RuntimeError):
    """A file is not in the cache and none of its URLs served it."""

    def __init__(self, download: Download, folder: Path, failures: list[DownloadFailed]) -> None:
        self.failures = failures
        reasons = "\n".join(f"  {failure}" for failure in failures)
        where = "on a machine with a connection" if self.offline else "from a source you trust"
        super().__init__(
            f"Could not download {download.title}:\n{reasons}\n"
            f"Download {download.urls[0]} ({download.file.checksum}) {where} and put it, "
            f"named {download.file.name}, in {folder}/ ."
        )

    @property
    def offline(self) -> bool:
        """Every URL failed to connect: this machine cannot reach them."""
        return all(failure.offline for failure in self.failures)


def digest_of(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with path.open("rb") as file:
        while chunk := file.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def is_verified(path: Path, remote: RemoteFile) -> bool:
    return path.is_file() and remote.matches(digest_of(path, remote.algorithm))


def is_cached(download: Download, folder: Path) -> bool:
    path = folder / download.file.name
    return is_verified(path, download.file) if download.verify_cached else path.is_file()


def fetch(download: Download, folder: Path, progress: Progress) -> Path:
    """The verified file in `folder`, downloaded first when it is missing (or damaged)."""
    path = folder / download.file.name
    if is_cached(download, folder):
        return path
    failures: list[DownloadFailed] = []
    for url in download.urls:
        try:
            download_verified(url, download.file, path, progress)
            return path
        except DownloadFailed as failure:
            failures.append(failure)
    raise Unavailable(download, folder, failures)


def logged_progress(log: Log, title: str) -> Progress:
    """Progress as job log lines: "Downloading <title>: 12.5 of 548.1 MB"."""

    def report(received: int, total: int | None) -> None:
        size = f"{received / 1e6:.1f} of {total / 1e6:.1f} MB" if total else f"{received} bytes"
        log(f"Downloading {title}: {size}", received / total if total else 0.0)

    return report


def download_verified(url: str, remote: RemoteFile, destination: Path, progress: Progress) -> None:
    """Fetch `url` to `destination`; raise DownloadFailed and leave nothing behind."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary_name = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=".part", dir=destination.parent
    )
    temporary = Path(temporary_name)
    try:
        with os.fdopen(handle, "wb") as file:
            digest = _copy_body(url, file, remote.algorithm, progress)
            file.flush()
            os.fsync(file.fileno())  # the bytes are on disk before the name says they are
        if not remote.matches(digest):
            raise DownloadFailed(
                url, f"checksum mismatch ({remote.algorithm} {digest}, published {remote.digest})"
            )
        os.replace(temporary, destination)
    finally:
        temporary.unlink(missing_ok=True)


def _copy_body(url: str, file: BinaryIO, algorithm: str, progress: Progress) -> str:
    """Copy the body of `url` into `file`; return its digest once every promised byte came."""
    try:
        response = urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS)
    except urllib.error.HTTPError as error:
        raise DownloadFailed(url, f"HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, OSError) as error:
        raise DownloadFailed(url, str(getattr(error, "reason", error)), offline=True) from None
    digest = hashlib.new(algorithm)
    received = 0
    length = response.headers.get("Content-Length")
    total = int(length) if length is not None else None
    last_report = 0.0
    with response:
        try:
            while chunk := response.read(CHUNK_BYTES):
                digest.update(chunk)
                file.write(chunk)
                received += len(chunk)
                if time.monotonic() - last_report > PROGRESS_EVERY_SECONDS:
                    progress(received, total)
                    last_report = time.monotonic()
        except (OSError, http.client.HTTPException) as error:  # reset, stalled or cut short
            broke_off = f"transfer broke off after {received} bytes ({error})"
            raise DownloadFailed(url, broke_off) from None
    # urllib returns a short body without complaint when the server closes early.
    if total is not None and received != total:
        raise DownloadFailed(url, f"transfer broke off after {received} of {total} bytes")
    progress(received, total)
    return digest.hexdigest()

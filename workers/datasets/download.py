"""Downloading a published file into the cache, checked against its published checksum.

A file reaches its final name only after its checksum matched: it is written to a temporary
file beside it and renamed in one step, so an interrupted or corrupted download never leaves
a file that a later job would take for a good one.
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
CONNECT_TIMEOUT_SECONDS = 15
PROGRESS_EVERY_SECONDS = 0.5

Progress = Callable[[int, int | None], None]
"""Called with (bytes received so far, total bytes or None) while a file downloads."""


@dataclass(frozen=True)
class RemoteFile:
    name: str
    md5: str


class DownloadFailed(Exception):
    """No connection (offline, host down), or what came back is not the published file."""


def md5_of(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def is_verified(path: Path, remote: RemoteFile) -> bool:
    return path.is_file() and md5_of(path) == remote.md5


def download_verified(url: str, remote: RemoteFile, destination: Path, progress: Progress) -> None:
    """Fetch `url` to `destination`; raise DownloadFailed and leave nothing behind."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary_name = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=".part", dir=destination.parent
    )
    temporary = Path(temporary_name)
    try:
        with os.fdopen(handle, "wb") as file:
            md5 = _copy_body(url, file, progress)
            file.flush()
            os.fsync(file.fileno())  # the bytes are on disk before the name says they are
        if md5 != remote.md5:
            raise DownloadFailed(f"{url}: checksum mismatch (MD5 {md5}, published {remote.md5})")
        os.replace(temporary, destination)
    finally:
        temporary.unlink(missing_ok=True)


def _copy_body(url: str, file: BinaryIO, progress: Progress) -> str:
    """Copy the body of `url` into `file`; return its MD5 once every promised byte arrived."""
    try:
        response = urllib.request.urlopen(url, timeout=CONNECT_TIMEOUT_SECONDS)
    except urllib.error.HTTPError as error:
        raise DownloadFailed(f"{url}: HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DownloadFailed(f"{url}: {reason}") from None
    digest = hashlib.md5()
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
            raise DownloadFailed(f"{url}: {broke_off}") from None
    # urllib returns a short body without complaint when the server closes early.
    if total is not None and received != total:
        raise DownloadFailed(f"{url}: transfer broke off after {received} of {total} bytes")
    progress(received, total)
    return digest.hexdigest()

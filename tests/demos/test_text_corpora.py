"""The book's text corpora: verified downloads from a real local HTTP server (a file made up
for the test, with its SHA-1), the zip member of PTB, and the labelled offline stand-in."""

import hashlib
import io
import re
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from tests.demos.conftest import FileServer
from tests.support import RecordingChannel, free_port, resources
from workers.context import JobContext
from workers.demos import CATALOGUE
from workers.kit.corpora import (
    PTB,
    TIME_MACHINE,
    CorpusUnavailable,
    PublishedText,
    load_corpus,
    load_text,
)
from workers.kit.download import RemoteFile

WELLS = "The Time Machine, by H. G. Wells\n\nI\n\nThe Time Traveller (for so it will be\n"
SENTENCES = " aer banknote berlitz calloway\n pierre <unk> n years old will join the board\n"


def context(data_dir: Path, channel: RecordingChannel | None = None) -> JobContext:
    """A worker's job context (its settings read from the environment, as a worker's are)."""
    spec = CATALOGUE["sequence-prediction"]
    return JobContext(
        spec, spec.validate({}), 1, channel or RecordingChannel(), resources(data_dir)
    )


def published(text: PublishedText, body: bytes) -> PublishedText:
    """`text` as if the book published `body`: its checksum is the body's SHA-1."""
    return replace(text, file=RemoteFile(text.file.name, f"sha1:{hashlib.sha1(body).hexdigest()}"))


def ptb_zip(train: str) -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("ptb/ptb.train.txt", train)
        zipped.writestr("ptb/ptb.valid.txt", " not the training set\n")
    return archive.getvalue()


def cached(data_dir: Path) -> list[str]:
    folder = data_dir / "datasets"
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.fixture
def mirror(file_server: FileServer, monkeypatch: pytest.MonkeyPatch) -> FileServer:
    monkeypatch.setenv("DIVELAB_DATASETS_MIRROR", file_server.url)
    return file_server


def test_the_published_files_are_the_books() -> None:
    assert TIME_MACHINE.file == RemoteFile(
        "timemachine.txt", "sha1:090b5e7e70c295757f55df93cb0a180b9691891a"
    )
    assert PTB.file == RemoteFile("ptb.zip", "sha1:319d85e578af0cdc590547f26231e4e31cdf1e42")


def test_a_download_is_verified_cached_and_reported(mirror: FileServer, tmp_path: Path) -> None:
    body = WELLS.encode()
    mirror.files["/time-machine/timemachine.txt"] = body
    channel = RecordingChannel()
    corpus = load_text(context(tmp_path, channel), published(TIME_MACHINE, body))

    assert corpus.lines == WELLS.splitlines() and not corpus.fallback
    assert corpus.title == "The Time Machine (H. G. Wells)"
    assert str(tmp_path / "datasets" / "time-machine") in corpus.note
    assert any("Downloading The Time Machine" in log["message"] for log in channel.of_type("log"))
    assert cached(tmp_path) == ["timemachine.txt"]  # no temporary file left

    mirror.files.clear()  # the cached copy is used: no request
    again = load_text(context(tmp_path), published(TIME_MACHINE, body))
    assert again.lines == corpus.lines and mirror.requests == ["/time-machine/timemachine.txt"]


def test_ptb_is_read_from_its_zip(mirror: FileServer, tmp_path: Path) -> None:
    body = ptb_zip(SENTENCES)
    mirror.files["/ptb/ptb.zip"] = body
    corpus = load_text(context(tmp_path), published(PTB, body))
    assert [line.split() for line in corpus.lines] == [
        ["aer", "banknote", "berlitz", "calloway"],
        ["pierre", "<unk>", "n", "years", "old", "will", "join", "the", "board"],
    ]


def test_a_wrong_file_fails_and_leaves_nothing(mirror: FileServer, tmp_path: Path) -> None:
    mirror.files["/time-machine/timemachine.txt"] = b"not the book"
    with pytest.raises(CorpusUnavailable, match="checksum mismatch") as failure:
        load_text(context(tmp_path), published(TIME_MACHINE, WELLS.encode()))
    assert "timemachine.txt" in str(failure.value)
    assert cached(tmp_path) == []


def test_an_interrupted_download_fails_and_the_next_completes(
    mirror: FileServer, tmp_path: Path
) -> None:
    body = (WELLS * 50).encode()
    mirror.files["/time-machine/timemachine.txt"] = body
    mirror.cut_short = True
    with pytest.raises(CorpusUnavailable, match="broke off"):
        load_text(context(tmp_path), published(TIME_MACHINE, body))
    assert cached(tmp_path) == []

    mirror.cut_short = False
    corpus = load_text(context(tmp_path), published(TIME_MACHINE, body))
    assert corpus.lines == (WELLS * 50).splitlines()


@pytest.mark.parametrize("corpus_id", ["time-machine", "ptb"])
def test_offline_the_stand_in_is_labelled(
    corpus_id: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    nothing_listening = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("DIVELAB_DATASETS_MIRROR", nothing_listening)
    started = time.monotonic()
    corpus = load_corpus(context(tmp_path), corpus_id)  # type: ignore[arg-type]
    assert time.monotonic() - started < 2
    assert corpus.fallback and corpus.id == corpus_id
    assert "pydoc_data" in corpus.title
    assert "offline stand-in" in corpus.note
    assert (
        nothing_listening in corpus.note and str(tmp_path / "datasets" / corpus_id) in corpus.note
    )
    words = " ".join(corpus.lines).lower().split()
    assert len(words) > 50_000 and {"the", "function", "object"} <= set(words)
    assert cached(tmp_path) == []


def test_the_ptb_stand_in_is_in_ptb_form(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DIVELAB_DATASETS_MIRROR", f"http://127.0.0.1:{free_port()}")
    corpus = load_corpus(context(tmp_path), "ptb")
    assert all(re.fullmatch(r"[a-z]+( [a-z]+)*", line) for line in corpus.lines)
    lengths = sorted(len(line.split()) for line in corpus.lines)
    assert 5 <= lengths[len(lengths) // 2] <= 40  # sentences, not whole paragraphs or words

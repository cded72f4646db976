"""Image uploads against a real server: validation, EXIF orientation, stored size, the
store's room, deletion, bounded decoding, use as a demo's content."""

import io
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from backend.images import service as image_service
from backend.images.service import DecoderPool, ImageService
from core.callers import LOCAL_USER
from core.errors import TooManyRequests
from core.settings import Settings
from core.store import schema
from core.store.database import Database
from tests.demos.test_style_transfer import write_random_vgg19
from tests.support import ROOT, Server, start_server, stop_server

MB = 1024 * 1024


def encoded(image: Image.Image, image_format: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=image_format, **options)
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG that claims width × height pixels: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 4096))
        + chunk(b"IEND", b"")
    )


def noise(width: int, height: int, seed: int = 0) -> Image.Image:
    """Random pixels: what compresses worst, losslessly or not."""
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    return Image.fromarray(pixels)


def upload(server: Server, content: bytes, name: str = "photo.png", media_type: str = "image/png"):
    with server.client() as client:
        return client.post("/api/images", files={"file": (name, content, media_type)})


def upload_raw_name(server: Server, content: bytes, name: bytes):
    """An upload whose file name is sent as these bytes (httpx, like browsers, escapes control
    characters; other clients send them as they are)."""
    body = (
        b'--x\r\nContent-Disposition: form-data; name="file"; filename="' + name + b'"\r\n'
        b"Content-Type: image/png\r\n\r\n" + content + b"\r\n--x--\r\n"
    )
    with server.client() as client:
        return client.post(
            "/api/images",
            content=body,
            headers={"Content-Type": "multipart/form-data; boundary=x"},
        )


def uploads(server: Server) -> list[dict]:
    with server.client() as client:
        return [i for i in client.get("/api/images").json() if i["source"] == "upload"]


def peak_memory_bytes(pid: int) -> int:
    """The process's peak resident memory (VmHWM), from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def test_an_upload_is_listed_described_and_served(server: Server) -> None:
    picture = Image.new("RGB", (64, 40), (200, 30, 30))
    response = upload(server, encoded(picture, "PNG"), name="../../etc/red.png")

    assert response.status_code == 201, response.text
    image = response.json()
    assert image["source"] == "upload" and image["title"] == "red.png"
    assert (image["width"], image["height"], image["media_type"]) == (64, 40, "image/png")
    with server.client() as client:
        listed = client.get("/api/images").json()
        assert image in listed
        assert {"china", "flower", "astronaut", "stained-glass"} <= {i["id"] for i in listed}
        assert {i["source"] for i in listed} == {"builtin", "upload"}
        assert client.get(f"/api/images/{image['id']}").json() == image
        served = client.get(image["url"])
        builtin = client.get("/api/images/stained-glass/content")
        assert client.get("/api/images/nope").status_code == 404
        assert client.get("/api/images/nope/content").status_code == 404
    assert served.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(served.content)).getpixel((5, 5)) == (200, 30, 30)
    assert Image.open(io.BytesIO(builtin.content)).size == (512, 512)


def test_the_type_comes_from_the_bytes_and_webp_is_flattened_onto_white(server: Server) -> None:
    transparent = Image.new("RGBA", (16, 16), (0, 0, 0, 0))
    response = upload(server, encoded(transparent, "WEBP", lossless=True), "x.bin", "text/plain")

    assert response.status_code == 201, response.text
    assert response.json()["media_type"] == "image/webp"
    with server.client() as client:
        served = client.get(response.json()["url"]).content
    assert Image.open(io.BytesIO(served)).convert("RGB").getpixel((8, 8)) == (255, 255, 255)


def test_exif_orientation_is_applied(server: Server) -> None:
    # Stored 40 wide × 20 high, red on the left; EXIF orientation 6 says "turn 90° clockwise
    # to view", which puts the red half on top of a 20 × 40 picture.
    sideways = Image.new("RGB", (40, 20), (0, 0, 255))
    sideways.paste((255, 0, 0), (0, 0, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    response = upload(server, encoded(sideways, "JPEG", exif=exif.tobytes()), "phone.jpg")

    assert response.status_code == 201, response.text
    assert (response.json()["width"], response.json()["height"]) == (20, 40)
    with server.client() as client:
        upright = Image.open(io.BytesIO(client.get(response.json()["url"]).content))
    red, blue = upright.getpixel((10, 5)), upright.getpixel((10, 35))
    assert red[0] > 200 and red[2] < 60 and blue[2] > 200 and blue[0] < 60
    assert upright.getexif().get(0x0112) is None  # not rotated twice by a viewer


@pytest.mark.parametrize(
    "content, status, says",
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(10 * MB), 413, "larger than 10 MB"),
        (encoded(Image.new("RGB", (8, 8)), "GIF"), 415, "not a PNG, JPEG or WebP"),
        (b"%PDF-1.7 not an image at all", 415, "not a PNG, JPEG or WebP"),
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 100, 422, "cannot be decoded"),
        (encoded(Image.new("RGB", (64, 64)), "JPEG")[:300], 422, "cannot be decoded"),
        (encoded(Image.new("L", (4097, 1)), "PNG"), 422, "4097×1"),
        (png_header(5000, 5000), 422, "5000×5000"),
    ],
    ids=["too-large", "gif", "pdf", "garbage-png", "truncated-jpeg", "too-wide", "too-many-px"],
)
def test_refused_uploads_say_why_and_leave_nothing(
    server: Server, content: bytes, status: int, says: str
) -> None:
    before = uploads(server)
    response = upload(server, content)

    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    if status == 422:  # shaped like every other 422 of the API
        assert detail[0]["loc"] == ["body", "file"]
        detail = detail[0]["msg"]
    assert says in detail
    assert uploads(server) == before


def test_a_decompression_bomb_is_refused_from_its_header(server: Server) -> None:
    bomb = png_header(50_000, 50_000)  # 7.5 GB of pixels if decoded; 100 bytes as sent
    peak_before = peak_memory_bytes(server.process.pid)
    started = time.monotonic()
    response = upload(server, bomb)

    assert response.status_code == 422
    assert "4096×4096" in response.json()["detail"][0]["msg"]
    assert time.monotonic() - started < 5
    assert peak_memory_bytes(server.process.pid) - peak_before < 50 * MB


def test_a_declared_oversized_body_is_refused_before_it_is_read(server: Server) -> None:
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(
            b"POST /api/images HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\n"
            b"Content-Length: 1000000000\r\n\r\n"
        )  # and not one byte of the gigabyte announced
        status_line = connection.recv(4096).split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.1 413 ")


def test_an_upload_is_usable_as_the_content_image(server: Server) -> None:
    # The server's workers get a random VGG19 file in their cache, so nothing is downloaded.
    write_random_vgg19(Path(server.env["DIVELAB_DATA_DIR"]))
    wide = Image.new("RGB", (96, 48), (30, 120, 200))
    image = upload(server, encoded(wide, "JPEG"), "wide.jpg").json()

    job = server.create(
        "style-transfer", {"content": image["id"], "style": "waves", "size": 32, "steps": 2}
    )
    done = server.wait_done(job["id"])

    assert done["status"] == "succeeded", done["error"]
    assert done["summary"]["image_size"] == [32, 64]
    assert done["summary"]["features"] == "vgg19"


def test_an_unknown_image_fails_the_job_clearly(server: Server) -> None:
    job = server.create("style-transfer", {"content": "no-such-image", "size": 32, "steps": 2})
    done = server.wait_done(job["id"])

    assert done["status"] == "failed"
    assert "image 'no-such-image' does not exist" in done["error"]


def test_control_characters_never_reach_the_stored_name(server: Server) -> None:
    # A NUL byte was a 500 on PostgreSQL; the name stays readable without them.
    picture = encoded(Image.new("RGB", (8, 8), (0, 90, 0)), "PNG")
    response = upload_raw_name(server, picture, "ca\x00t\x1b[31m\tphoto\u202e.png".encode())
    only_controls = upload_raw_name(server, picture, b"\x00\x07")

    assert response.status_code == 201, response.text
    assert response.json()["title"] == "cat[31m photo.png"
    assert only_controls.status_code == 201, only_controls.text
    assert only_controls.json()["title"] == "upload"
    with server.client() as client:
        assert client.get(f"/api/images/{response.json()['id']}").json() == response.json()


def test_a_noisy_jpeg_is_stored_no_larger_than_it_was_sent(server: Server) -> None:
    # Re-encoding noise at quality 95 would make it about three times larger.
    sent = encoded(noise(400, 300), "JPEG", quality=80)
    assert len(sent) > image_service.SMALL_FILE  # smaller files may be stored a little larger
    response = upload(server, sent, "noise.jpg", "image/jpeg")

    assert response.status_code == 201, response.text
    image = response.json()
    assert image["size"] <= len(sent) and image["size"] <= 10 * MB
    assert (image["media_type"], image["width"], image["height"]) == ("image/jpeg", 400, 300)
    with server.client() as client:
        stored = client.get(image["url"]).content
    assert len(stored) == image["size"]
    assert Image.open(io.BytesIO(stored)).format == "JPEG"


def test_only_uploads_are_deleted(server: Server) -> None:
    image = upload(server, encoded(Image.new("RGB", (8, 8)), "PNG")).json()
    with server.client() as client:
        deleted = client.delete(f"/api/images/{image['id']}")
        again = client.delete(f"/api/images/{image['id']}")
        builtin = client.delete("/api/images/stained-glass")
        unknown = client.delete("/api/images/no-such-image")
        gone = client.get(f"/api/images/{image['id']}")
        still_there = client.get("/api/images/stained-glass/content")

    assert deleted.status_code == 204 and deleted.content == b""
    assert again.status_code == 404 and unknown.status_code == 404
    assert builtin.status_code == 409
    assert builtin.json() == {"detail": "built-in images cannot be deleted", "type": "conflict"}
    assert gone.status_code == 404 and still_there.status_code == 200
    assert image["id"] not in {i["id"] for i in uploads(server)}


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose image store holds 3 uploads or 1 MB, of uploads of 1 MB at most."""
    server = start_server(
        tmp_path_factory.mktemp("small-store"),
        {
            "DIVELAB_MAX_UPLOADS": "3",
            "DIVELAB_MAX_UPLOAD_STORAGE_BYTES": str(MB),
            "DIVELAB_MAX_UPLOAD_BYTES": str(MB),
        },
    )
    yield server
    stop_server(server)


def test_the_upload_limit_is_the_setting(small_store: Server) -> None:
    response = upload(small_store, b"\x89PNG\r\n\x1a\n" + bytes(MB))
    assert response.status_code == 413
    assert "larger than 1 MB" in response.json()["detail"]


def test_a_full_store_refuses_uploads_until_one_is_deleted(small_store: Server) -> None:
    tiny = encoded(Image.new("RGB", (8, 8)), "PNG")
    big = encoded(noise(450, 450, seed=1), "PNG")  # ~600 kB, stored as large: two overflow
    first, small = upload(small_store, big), upload(small_store, tiny)
    assert (first.status_code, small.status_code) == (201, 201), first.text + small.text
    first, small = first.json(), small.json()

    no_bytes_left = upload(small_store, encoded(noise(450, 450, seed=2), "PNG"))
    assert no_bytes_left.status_code == 409, no_bytes_left.text
    assert no_bytes_left.json()["type"] == "conflict"
    assert "image store is full" in no_bytes_left.json()["detail"]
    assert "DELETE /api/images/{id}" in no_bytes_left.json()["detail"]

    assert upload(small_store, tiny).status_code == 201
    no_room_left = upload(small_store, tiny)  # the 4th of 3
    assert no_room_left.status_code == 409 and "3 of 3 uploads" in no_room_left.json()["detail"]
    assert len(uploads(small_store)) == 3

    with small_store.client() as client:
        assert client.delete(f"/api/images/{first['id']}").status_code == 204
    accepted = upload(small_store, encoded(noise(450, 450, seed=2), "PNG"))
    assert accepted.status_code == 201, accepted.text
    assert upload(small_store, tiny).status_code == 409
    with small_store.client() as client:
        assert client.delete(f"/api/images/{small['id']}").status_code == 204
        assert client.delete(f"/api/images/{small['id']}").status_code == 404
    assert upload(small_store, tiny).status_code == 201
    with small_store.client() as client:  # leave the store empty
        for image in uploads(small_store):
            assert client.delete(f"/api/images/{image['id']}").status_code == 204


def test_concurrent_uploads_take_their_turn_on_one_decoder(tmp_path: Path) -> None:
    server = start_server(tmp_path, {"DIVELAB_UPLOAD_DECODERS": "1"})
    try:
        pictures = [encoded(noise(64, 64, seed=i), "PNG") for i in range(6)]
        with ThreadPoolExecutor(len(pictures)) as clients:
            responses = list(clients.map(lambda p: upload(server, p), pictures))
    finally:
        stop_server(server)
    assert [r.status_code for r in responses] == [201] * len(pictures)
    assert len({r.json()["id"] for r in responses}) == len(pictures)


def test_at_most_upload_decoders_uploads_are_decoded_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = Database(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    schema.upgrade(database)
    images = ImageService(database, Settings(data_dir=tmp_path, upload_decoders=2))
    decode, lock = image_service.decode_upright, threading.Lock()
    running, peak, threads = [0], [0], set()

    def slow_decode(data: bytes, image_format: str) -> Image.Image:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
            threads.add(threading.current_thread().name)
        time.sleep(0.1)
        with lock:
            running[0] -= 1
        return decode(data, image_format)

    monkeypatch.setattr(image_service, "decode_upright", slow_decode)
    pictures = [encoded(noise(16, 16, seed=i), "PNG") for i in range(8)]
    with ThreadPoolExecutor(len(pictures)) as requests:
        stored = list(
            requests.map(lambda p: images.upload(LOCAL_USER, "p.png", io.BytesIO(p)), pictures)
        )
    database.dispose()

    assert len({image.id for image in stored}) == len(pictures)
    assert peak[0] == 2
    assert len(threads) == 2 and all(name.startswith("image-decoder") for name in threads)


def test_an_upload_waits_for_a_decoder_a_bounded_time_then_gets_429() -> None:
    pool = DecoderPool(1, wait_seconds=0.2)
    started, release = threading.Event(), threading.Event()

    def busy() -> str:
        started.set()
        release.wait(10)
        return "decoded"

    with ThreadPoolExecutor(1) as other_request:
        first = other_request.submit(pool.run, busy)
        started.wait(10)
        with pytest.raises(TooManyRequests) as refused:
            pool.run(lambda: "never run")
        release.set()
        assert first.result() == "decoded"  # past the wait, a started decode still ends

    assert refused.value.status_code == 429
    assert refused.value.headers == {"Retry-After": str(image_service.RETRY_AFTER_SECONDS)}
    assert pool.run(lambda: "next") == "next"


def test_the_api_side_of_images_never_imports_torch() -> None:
    check = (
        "import sys; import backend.images.router, backend.images.service as s; "
        "from core.callers import LOCAL_USER; from core.store.database import Database; "
        "from core.settings import Settings; "
        "s.ImageService(Database('sqlite://'), Settings()).content(LOCAL_USER, 'stained-glass'); "
        "assert 'torch' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", check], cwd=ROOT, check=True)

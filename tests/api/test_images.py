"""Image uploads against a real server: validation, EXIF orientation, use as a demo's content."""

import io
import socket
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image

from tests.demos.test_style_transfer import write_random_vgg19
from tests.support import ROOT, Server

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


def upload(server: Server, content: bytes, name: str = "photo.png", media_type: str = "image/png"):
    with server.client() as client:
        return client.post("/api/images", files={"file": (name, content, media_type)})


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
            b"POST /api/images HTTP/1.1\r\nHost: test\r\n"
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


def test_the_api_side_of_images_never_imports_torch() -> None:
    check = (
        "import sys; import backend.images.router, backend.images.service as s; "
        "from core.callers import LOCAL_USER; from core.store.database import Database; "
        "s.ImageService(Database('sqlite://')).content(LOCAL_USER, 'stained-glass'); "
        "assert 'torch' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", check], cwd=ROOT, check=True)

"""Memory of the API process under concurrent image uploads.

Starts a real `divelab serve` (embedded, temp data dir), reads its resident memory idle, then
fires N concurrent uploads of distinct noisy 4096×4096 JPEGs (quality 95, under 10 MB each),
sampling the resident memory of the server and its child processes meanwhile. Prints the
peak above idle (sampled, and the kernel's VmHWM of the server process, reset before the
uploads) and what is kept once the uploads are done.

    .venv/bin/python bench/upload_memory.py [--uploads 16] [--decoders 2] [--source DIR]

--source DIR serves the code in DIR (e.g. a `git archive` of an older commit) instead.
"""

import argparse
import io
import os
import platform
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support import start_server, stop_server

MB = 1024 * 1024
SIDE = 4096


def noisy_jpeg(seed: int) -> bytes:
    """A photo-like worst case: smooth colour fields under fine grain, at quality 95."""
    rng = np.random.default_rng(seed)
    fields = Image.fromarray(rng.integers(0, 256, (256, 256, 3), dtype=np.uint8))
    pixels = np.asarray(fields.resize((SIDE, SIDE), Image.Resampling.BICUBIC), dtype=np.int16)
    pixels = pixels + rng.integers(-14, 15, pixels.shape, dtype=np.int16)  # grain, sd ≈ 8
    out = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(out, "JPEG", quality=95)
    return out.getvalue()


def status_kb(pid: int, field: str) -> int:
    """A field of /proc/<pid>/status, in kB (0 once the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def descendants(pid: int) -> list[int]:
    """The process and all its descendants, from each process's parent id in /proc."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def tree_rss(pid: int) -> int:
    """Resident bytes of the process and its children."""
    return sum(status_kb(p, "VmRSS") for p in descendants(pid)) * 1024


class Sampler(threading.Thread):
    def __init__(self, pid: int, every: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.peak, self.peak_main = 0, 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            self.peak_main = max(self.peak_main, status_kb(self.pid, "VmRSS") * 1024)
            time.sleep(self.every)


def settle(pid: int, seconds: float = 3.0) -> int:
    """The process tree's RSS once it stops moving (at most `seconds` of waiting)."""
    time.sleep(0.5)
    last = tree_rss(pid)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = tree_rss(pid)
        if abs(now - last) < MB:
            return now
        last = now
    return last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uploads", type=int, default=16)
    parser.add_argument("--decoders", type=int, default=2, help="DIVELAB_UPLOAD_DECODERS")
    parser.add_argument("--source", type=Path, help="serve the code in this directory")
    args = parser.parse_args()

    started = time.perf_counter()
    images = [noisy_jpeg(seed) for seed in range(args.uploads)]
    print(
        f"{args.uploads} distinct {SIDE}×{SIDE} noisy JPEGs (q95): "
        f"{min(map(len, images)) / MB:.1f}–{max(map(len, images)) / MB:.1f} MB each, "
        f"made in {time.perf_counter() - started:.0f} s"
    )

    env = {"DIVELAB_UPLOAD_DECODERS": str(args.decoders), "DIVELAB_WORKERS": "1"}
    if args.source:
        env["PYTHONPATH"] = str(args.source.resolve())
    with tempfile.TemporaryDirectory() as data_dir:
        server = start_server(Path(data_dir), env)
        pid = server.process.pid
        try:
            with httpx.Client(base_url=server.url, timeout=120) as client:
                client.get("/api/images")  # the route's code paths loaded before idle is read
            idle, idle_main = settle(pid), status_kb(pid, "VmRSS") * 1024
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
            sampler = Sampler(pid)
            sampler.start()

            def send(content: bytes) -> tuple[int, float, int]:
                sent = time.perf_counter()
                with httpx.Client(base_url=server.url, timeout=300) as client:
                    response = client.post(
                        "/api/images", files={"file": ("noise.jpg", content, "image/jpeg")}
                    )
                size = response.json().get("size", 0) if response.status_code == 201 else 0
                return response.status_code, time.perf_counter() - sent, size

            began = time.perf_counter()
            with ThreadPoolExecutor(len(images)) as clients:
                results = list(clients.map(send, images))
            elapsed = time.perf_counter() - began
            kept = settle(pid)
            sampler.done.set()
            sampler.join()
            hwm = status_kb(pid, "VmHWM") * 1024
        finally:
            stop_server(server)

    statuses = sorted({status for status, _, _ in results})
    sent = sum(len(image) for image, (_, _, size) in zip(images, results, strict=True) if size)
    stored = [size for _, _, size in results if size]
    slowest = max(seconds for _, seconds, _ in results)
    print(f"server: {'code in ' + str(args.source) if args.source else 'this checkout'}")
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, decoders={args.decoders}")
    print(f"statuses: {statuses}; {len(stored)} stored")
    print(f"wall: {elapsed:.1f} s for {len(images)} uploads, slowest {slowest:.1f} s")
    if stored:
        print(
            f"stored / uploaded bytes: {sum(stored) / sent:.2f} "
            f"(largest stored {max(stored) / MB:.1f} MB)"
        )
    print(
        f"idle RSS: {idle / MB:.0f} MB (server and children; server alone {idle_main / MB:.0f} MB)"
    )
    print(
        f"peak above idle, sampled: {(sampler.peak - idle) / MB:.0f} MB (server and children), "
        f"{(sampler.peak_main - idle_main) / MB:.0f} MB (server)"
    )
    print(f"peak above idle, server VmHWM: {(hwm - idle_main) / MB:.0f} MB")
    print(f"kept after (server and children): {(kept - idle) / MB:.0f} MB")


if __name__ == "__main__":
    main()

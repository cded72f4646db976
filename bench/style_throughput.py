"""Steps per second of the style-transfer demo against the book's plain loop (13.12).

Both synthesize a 300 × 450 image (the book's size) from `china` and `stained-glass` with
VGG19 up to conv5_1; the weights are random (the speed does not depend on their values), so
nothing is downloaded.

- demo: `workers.demos.style_transfer.train.run`, everything it does included (live-param
  checkpoints, metrics, pictures): no gradients for VGG19's weights, channels-last, losses
  read once per report; on a GPU also bfloat16 autocast.
- book: the section's code as written: torchvision's layer layout (ReLU in place), weights
  that require gradients, float32, Adam with StepLR.

    .venv/bin/python bench/style_throughput.py [--steps 3] [--gpu-steps 200] [--repeats 3]

Prints steps/sec for each loop and their ratio, on the CPU and, when one is visible, on the
GPU.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn

from core.channel import JobTicket
from core.events import JobStatus
from core.images import ImageLibrary
from core.settings import Settings
from core.store.database import Database
from core.store.snapshots import SnapshotLibrary
from workers.context import JobResources
from workers.demos.style_transfer.model import preprocess, synthesized_shape
from workers.demos.style_transfer.weights import VGG19_FILE
from workers.runtime import run_job

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.throughput import DiscardingChannel, parse_arguments, synchronize

CONTENT, STYLE, HEIGHT = "china", "stained-glass", 300


def resources(data_dir: str, device: str) -> JobResources:
    """What a worker process offers a job (as in tests/support.py), settings from the
    environment, caches in `data_dir`."""
    settings = Settings(data_dir=Path(data_dir))
    database = Database(f"sqlite:///{Path(data_dir) / 'divelab.sqlite3'}")
    return JobResources(settings, ImageLibrary(database), SnapshotLibrary(database), device)


class SummaryChannel(DiscardingChannel):
    """A job channel that keeps only the final summary and never asks for a change."""

    def __init__(self) -> None:
        self.final: dict[str, Any] = {}

    def emit(self, draft: dict[str, Any]) -> None:
        if draft["type"] == "status":
            self.final = draft


# -- The book's code (13.12), with torchvision's VGG19 layout written out -------------------


def book_vgg19_features() -> nn.Sequential:
    """torchvision's `vgg19().features`: 3×3 convs, ReLU(inplace=True), max-pools."""
    config = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M"]
    config += [512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]
    layers: list[nn.Module] = []
    in_channels = 3
    for v in config:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(in_channels, int(v), 3, padding=1), nn.ReLU(inplace=True)]
            in_channels = int(v)
    return nn.Sequential(*layers)


style_layers, content_layers = [0, 5, 10, 19, 28], [25]


def extract_features(net, X, content_layers, style_layers):
    contents = []
    styles = []
    for i in range(len(net)):
        X = net[i](X)
        if i in style_layers:
            styles.append(X)
        if i in content_layers:
            contents.append(X)
    return contents, styles


def content_loss(Y_hat, Y):
    return torch.square(Y_hat - Y.detach()).mean()


def gram(X):
    num_channels, n = X.shape[1], X.numel() // X.shape[1]
    X = X.reshape((num_channels, n))
    return torch.matmul(X, X.T) / (num_channels * n)


def style_loss(Y_hat, gram_Y):
    return torch.square(gram(Y_hat) - gram_Y.detach()).mean()


def tv_loss(Y_hat):
    return 0.5 * (
        torch.abs(Y_hat[:, :, 1:, :] - Y_hat[:, :, :-1, :]).mean()
        + torch.abs(Y_hat[:, :, :, 1:] - Y_hat[:, :, :, :-1]).mean()
    )


content_weight, style_weight, tv_weight = 1, 1e4, 10


def compute_loss(X, contents_Y_hat, styles_Y_hat, contents_Y, styles_Y_gram):
    contents_l = [
        content_loss(Y_hat, Y) * content_weight
        for Y_hat, Y in zip(contents_Y_hat, contents_Y, strict=True)
    ]
    styles_l = [
        style_loss(Y_hat, Y) * style_weight
        for Y_hat, Y in zip(styles_Y_hat, styles_Y_gram, strict=True)
    ]
    tv_l = tv_loss(X) * tv_weight
    l = sum(styles_l + contents_l + [tv_l])  # noqa: E741 - the book's name
    return contents_l, styles_l, tv_l, l


class SynthesizedImage(nn.Module):
    def __init__(self, img_shape, **kwargs):
        super().__init__(**kwargs)
        self.weight = nn.Parameter(torch.rand(*img_shape))

    def forward(self):
        return self.weight


def book_loop(steps: int, device: str, data_dir: str) -> float:
    pretrained_net = book_vgg19_features()
    net = nn.Sequential(
        *[pretrained_net[i] for i in range(max(content_layers + style_layers) + 1)]
    ).to(device)
    images = resources(data_dir, device).images  # built-ins: never read from the database
    content_img, style_img = images.open_rgb(CONTENT), images.open_rgb(STYLE)
    shape = synthesized_shape(content_img, HEIGHT)
    content_X = preprocess(content_img, shape).to(device)
    contents_Y, _ = extract_features(net, content_X, content_layers, style_layers)
    _, styles_Y = extract_features(
        net, preprocess(style_img, shape).to(device), content_layers, style_layers
    )
    gen_img = SynthesizedImage(content_X.shape).to(device)
    gen_img.weight.data.copy_(content_X.data)
    trainer = torch.optim.Adam(gen_img.parameters(), lr=0.3)
    styles_Y_gram = [gram(Y) for Y in styles_Y]
    X = gen_img()
    scheduler = torch.optim.lr_scheduler.StepLR(trainer, 50, 0.8)

    synchronize(device)
    started = time.perf_counter()
    for _ in range(steps):
        trainer.zero_grad()
        contents_Y_hat, styles_Y_hat = extract_features(net, X, content_layers, style_layers)
        *_, total = compute_loss(X, contents_Y_hat, styles_Y_hat, contents_Y, styles_Y_gram)
        total.backward()  # the book calls it `l`
        trainer.step()
        scheduler.step()
    synchronize(device)
    return steps / (time.perf_counter() - started)


# -- The demo -------------------------------------------------------------------------------


def demo_loop(steps: int, device: str, data_dir: str) -> float:
    params = {"content": CONTENT, "style": STYLE, "size": HEIGHT, "steps": steps}
    channel = SummaryChannel()
    run_job(JobTicket("bench", "style-transfer", params, 1), channel, resources(data_dir, device))
    summary = channel.final.get("summary") or {}
    if channel.final.get("status") != JobStatus.succeeded or summary["features"] != "vgg19":
        raise RuntimeError(f"the demo did not run on VGG19: {channel.final}")
    return summary["steps_per_second"]


def random_vgg19_file(data_dir: Path) -> None:
    """torchvision's file name and key names, random weights."""
    state_dict = {
        f"features.{i}.{name}": tensor
        for i, layer in enumerate(book_vgg19_features())
        for name, tensor in layer.state_dict().items()
    }
    (data_dir / "weights").mkdir()
    torch.save(state_dict, data_dir / "weights" / VGG19_FILE)


def compare(device: str, steps: int, repeats: int, data_dir: str) -> None:
    demo_loop(2, device, data_dir)  # warm-up: allocator, cuDNN's algorithm choice
    book_loop(2, device, data_dir)
    demo, book = [], []
    for _ in range(repeats):  # interleaved, so a machine busy with other work slows both alike
        demo.append(demo_loop(steps, device, data_dir))
        book.append(book_loop(steps, device, data_dir))
    print(f"{device}: {repeats} × {steps} steps at {HEIGHT}×450, steps/s best (median)")
    for name, rates in (("demo", demo), ("book", book)):
        print(f"  {name} {max(rates):8.2f} ({statistics.median(rates):.2f})")
    print(f"  demo/book {max(demo) / max(book):.2f}× best to best", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=3, help="steps per timing on the CPU")
    parser.add_argument("--gpu-steps", type=int, default=200, help="steps per timing on a GPU")
    args = parse_arguments(parser)
    os.environ["DIVELAB_VGG19_WEIGHTS_URL"] = "http://127.0.0.1:9/never-downloaded.pth"
    with tempfile.TemporaryDirectory() as data_dir:
        random_vgg19_file(Path(data_dir))
        compare("cpu", args.steps, args.repeats, data_dir)
        if torch.cuda.is_available():
            print(torch.cuda.get_device_name())
            compare("cuda", args.gpu_steps, args.repeats, data_dir)


if __name__ == "__main__":
    main()

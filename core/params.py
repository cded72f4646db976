"""The params most demos share, declared once: each demo gives its default and says, in its
description, what the number means in its book section; ranges, units and liveness are here."""

from typing import Any, Literal

from core.param_fields import param_field


def learning_rate(default: float, description: str, *, le: float = 10) -> Any:
    """η, live and on a log scale: a learner's favourite knob."""
    return param_field(default, description=description, gt=0, le=le, live=True, log_scale=True)


MAX_SEED = 2**32 - 1  # what every generator a demo seeds accepts (NumPy's is the narrowest)


def seed(description: str) -> Any:
    return param_field(0, description=description, ge=0, le=MAX_SEED, widget="number")


def speed(default: float, description: str, *, unit: str = "steps/s", le: float = 1000) -> Any:
    """Steps per second so the learner can watch; 0 runs flat out (see kit.pacing)."""
    return param_field(default, description=description, ge=0, le=le, unit=unit, live=True)


def steps(default: int, description: str, *, le: int) -> Any:
    """How long to train; a fork may train longer or shorter than its parent."""
    return param_field(default, description=description, ge=1, le=le, unit="steps", forkable=True)


def epochs(default: int, description: str, *, le: int) -> Any:
    return param_field(default, description=description, ge=1, le=le, unit="epochs", forkable=True)


def weight_decay(default: float, description: str, *, le: float) -> Any:
    """λ of the L2 penalty, live: the next step decays the weights by the λ in force."""
    return param_field(default, description=description, ge=0, le=le, live=True)


def batch_size(
    default: int, description: str, *, ge: int = 1, le: int, unit: str = "examples"
) -> Any:
    return param_field(default, description=description, ge=ge, le=le, unit=unit)


ImageDatasetName = Literal["fashion-mnist", "mnist", "digits"]  # those `workers.kit.datasets` loads
ImageDatasetChoice = Literal["auto", ImageDatasetName]
IMAGE_DATASETS = (
    "the book's Fashion-MNIST, MNIST (each a download of about 30 MB, once), or scikit-learn's "
    "1,797 digits (no download)"
)


def image_dataset() -> Any:
    """An `ImageDatasetChoice`: `auto` spares a first run the download (`kit.datasets.choose`)."""
    return param_field(
        "auto",
        description=f"The images: {IMAGE_DATASETS}. `auto` takes Fashion-MNIST when it is "
        "already downloaded, else the digits.",
    )

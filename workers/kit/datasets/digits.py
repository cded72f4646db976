"""scikit-learn's handwritten digits, made to look like MNIST: offline, small and quick.

The 1,797 digits come with scikit-learn (no download). They are 8×8 pixels with values 0..16;
MNIST draws each digit in a 20×20 box centred in a 28×28 image, so each is scaled to 20×20 and
framed with a 4-pixel border, and the same models run on both.
"""

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch.nn import functional as F

from workers.kit.datasets.tensors import ImageDataset

TEST_EXAMPLES = 297  # the remaining 1,500 train
SPLIT_SEED = 0  # the same split on every machine


def load_digits_dataset(device: str) -> ImageDataset:
    digits = load_digits()
    images = torch.from_numpy(digits.images).float().unsqueeze(1) / 16
    images = F.interpolate(images, size=(20, 20), mode="bilinear", align_corners=False)
    images = F.pad(images, (4, 4, 4, 4)).clamp_(0, 1)
    labels = torch.from_numpy(digits.target).long()
    order = torch.from_numpy(np.random.default_rng(SPLIT_SEED).permutation(len(labels)))
    test, train = order[:TEST_EXAMPLES], order[TEST_EXAMPLES:]
    return ImageDataset(
        name="digits",
        title="scikit-learn digits (8×8, upsampled to 28×28)",
        class_names=tuple(str(digit) for digit in range(10)),
        train_images=images[train].to(device),
        train_labels=labels[train].to(device),
        test_images=images[test].to(device),
        test_labels=labels[test].to(device),
    )

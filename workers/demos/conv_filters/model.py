"""LeNet (book 6.6) and a modern LeNet (7.5): the networks, their optimizer, the predictions.

A minibatch step is the kit's `train_step` (`workers.kit.training`), as `train_ch6` takes it.

The book's LeNet-5 is two convolutional blocks (convolution, sigmoid, average pooling) and
three dense layers. Its modern form adds batch normalization after every convolutional and
dense layer, and swaps in ReLU and max pooling; it learns within an epoch where the sigmoid
network may sit for a long while near chance.
"""

from collections import OrderedDict
from typing import Any

import torch
from torch import Tensor, nn

from workers.demos.conv_filters.params import Params
from workers.kit.device import autocast

IMAGE_SIDE = 28  # every dataset here is 28×28 greyscale
EVALUATION_BATCH = 1024
FEATURE_MAP_LAYERS = ("act1", "act2")  # the output of each conv block, as the next layer sees it

# -- The models -----------------------------------------------------------------------------


def flattened_side(kernel_size: int) -> int:
    """Side of the second block's output: the first conv keeps 28 (padded), pooling halves it,
    the second conv (unpadded) takes kernel_size − 1 away, pooling halves it again."""
    return (IMAGE_SIDE // 2 - kernel_size + 1) // 2


def lenet(
    conv1_channels: int, conv2_channels: int, kernel_size: int, num_classes: int
) -> nn.Sequential:
    """The book's LeNet-5 (6.6.1): sigmoid activations, average pooling, Xavier init."""
    side = flattened_side(kernel_size)
    net = nn.Sequential(
        OrderedDict(
            conv1=nn.Conv2d(1, conv1_channels, kernel_size, padding=kernel_size // 2),
            act1=nn.Sigmoid(),
            pool1=nn.AvgPool2d(kernel_size=2, stride=2),
            conv2=nn.Conv2d(conv1_channels, conv2_channels, kernel_size),
            act2=nn.Sigmoid(),
            pool2=nn.AvgPool2d(kernel_size=2, stride=2),
            flatten=nn.Flatten(),
            fc1=nn.Linear(conv2_channels * side * side, 120),
            act3=nn.Sigmoid(),
            fc2=nn.Linear(120, 84),
            act4=nn.Sigmoid(),
            fc3=nn.Linear(84, num_classes),
        )
    )
    net.apply(init_xavier)
    return net


def init_xavier(module: nn.Module) -> None:
    """The book's initialization: Xavier-uniform weights for conv and dense layers."""
    if isinstance(module, nn.Linear | nn.Conv2d):
        nn.init.xavier_uniform_(module.weight)


def lenet_modern(
    conv1_channels: int, conv2_channels: int, kernel_size: int, num_classes: int
) -> nn.Sequential:
    """LeNet with batch normalization (7.5), ReLU and max pooling, PyTorch's default init.

    Batch normalization follows each conv and dense layer, before the activation; its shift
    makes the layer's own bias redundant, so those layers have none.
    """
    side = flattened_side(kernel_size)
    return nn.Sequential(
        OrderedDict(
            conv1=nn.Conv2d(1, conv1_channels, kernel_size, padding=kernel_size // 2, bias=False),
            bn1=nn.BatchNorm2d(conv1_channels),
            act1=nn.ReLU(),
            pool1=nn.MaxPool2d(kernel_size=2, stride=2),
            conv2=nn.Conv2d(conv1_channels, conv2_channels, kernel_size, bias=False),
            bn2=nn.BatchNorm2d(conv2_channels),
            act2=nn.ReLU(),
            pool2=nn.MaxPool2d(kernel_size=2, stride=2),
            flatten=nn.Flatten(),
            fc1=nn.Linear(conv2_channels * side * side, 120, bias=False),
            bn3=nn.BatchNorm1d(120),
            act3=nn.ReLU(),
            fc2=nn.Linear(120, 84, bias=False),
            bn4=nn.BatchNorm1d(84),
            act4=nn.ReLU(),
            fc3=nn.Linear(84, num_classes),
        )
    )


MODELS = {"lenet": lenet, "lenet-modern": lenet_modern}


def build_model(params: Params, num_classes: int) -> nn.Sequential:
    make = MODELS[params.model]
    return make(params.conv1_channels, params.conv2_channels, params.kernel_size, num_classes)


def feature_maps(net: nn.Sequential, image: Tensor) -> dict[str, Tensor]:
    """The probe image's activations after each conv block, for one (1, 1, H, W) image."""
    maps: dict[str, Tensor] = {}
    x = image
    for name, layer in net.named_children():
        x = layer(x)
        if name in FEATURE_MAP_LAYERS:
            maps[name] = x[0]
        if len(maps) == len(FEATURE_MAP_LAYERS):
            return maps
    return maps


# -- The optimizer, with live hyperparameters ----------------------------------------------


def make_optimizer(net: nn.Module, params: Params) -> torch.optim.Optimizer:
    if params.optimizer == "adam":
        return torch.optim.Adam(net.parameters(), lr=params.lr, weight_decay=params.weight_decay)
    momentum = params.momentum if params.optimizer == "momentum" else 0.0
    return torch.optim.SGD(
        net.parameters(), lr=params.lr, momentum=momentum, weight_decay=params.weight_decay
    )


class OptimizerState:
    """The optimizer as training state, with its kind. A fork may switch kinds (SGD to Adam);
    the new optimizer then starts afresh: one kind's momentum or moment estimates mean nothing
    to another."""

    def __init__(self, optimizer: torch.optim.Optimizer, kind: str) -> None:
        self.optimizer = optimizer
        self.kind = kind

    def state_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "optimizer": self.optimizer.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state["kind"] == self.kind:
            self.optimizer.load_state_dict(state["optimizer"])


def set_live_hyperparameters(optimizer: torch.optim.Optimizer, params: Params) -> None:
    """Write the hyperparameters in force into the optimizer; its next step uses them."""
    for group in optimizer.param_groups:
        group["lr"] = params.lr
        group["weight_decay"] = params.weight_decay
        if params.optimizer == "momentum":
            group["momentum"] = params.momentum


# -- The predictions --------------------------------------------------------------------------


@torch.no_grad()
def predict(net: nn.Module, images: Tensor) -> Tensor:
    """Class probabilities for every image, in evaluation mode (batch norm's running stats)."""
    net.eval()
    with autocast(images.device):
        logits = [net(X) for X in images.split(EVALUATION_BATCH)]
    net.train()
    return torch.cat(logits).float().softmax(dim=1)

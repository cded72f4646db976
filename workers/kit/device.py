"""Where a demo's tensors live and in which precision, decided once for every demo."""

import contextlib

import torch
from torch import nn


def mixed_precision(device: str | torch.device) -> bool:
    """bfloat16 where it pays: a GPU that has it. As fast as float16, no loss scaling needed."""
    return torch.device(device).type == "cuda" and torch.cuda.is_bf16_supported()


def autocast(device: str | torch.device) -> contextlib.AbstractContextManager:
    """bfloat16 autocast on a GPU that has it; full precision elsewhere."""
    if mixed_precision(device):
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def convolution_layout(net: nn.Module, device: str | torch.device) -> nn.Module:
    """On a GPU, channels-last layout suits cuDNN's convolution kernels in mixed precision,
    and the shapes repeat, so cuDNN may pick its fastest algorithm once."""
    if torch.device(device).type != "cuda":
        return net
    torch.backends.cudnn.benchmark = True
    return net.to(memory_format=torch.channels_last)

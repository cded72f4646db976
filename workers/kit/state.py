"""A job's training state, captured at a step boundary and restored into a fork.

A demo names what it trains with, once its objects exist (`ctx.track`):

    ctx.track(net=net, optimizer=optimizer, batches=batches, running=running, training=training)

Each object is one of: anything with `state_dict()`/`load_state_dict()` (modules, optimizers,
schedulers, `kit.minibatches.Minibatches`, `kit.running.RunningMeans`), a `torch.Generator`, a
tensor (restored in place: the image being optimized, the racers' positions) or a dataclass
of plain values and tensors (a loop's counters and last reported values). The global
generators (Python's, NumPy's, torch's on the CPU and on every GPU) are always part of it.

A snapshot is one `safetensors` file: the tensors as tensors, everything else as JSON in its
header. Nothing is pickled, so a snapshot from another learner's run cannot run code here.
"""

import dataclasses
import json
import random
from typing import Any

import numpy as np
import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

FORMAT = "divelab-training-state/1"
GLOBAL_GENERATORS = "generators"  # the key of the global generators in the state


class StateError(Exception):
    """A snapshot that does not fit the demo restoring it (another demo, another shape)."""


def capture(objects: dict[str, Any]) -> bytes:
    """The state of every tracked object and of the global generators, as one file."""
    tensors: dict[str, torch.Tensor] = {}
    tree = {name: _encode(_state_of(obj), name, tensors) for name, obj in objects.items()}
    tree[GLOBAL_GENERATORS] = _encode(_global_generators(), GLOBAL_GENERATORS, tensors)
    header = json.dumps(tree, separators=(",", ":"))
    return save_tensors(tensors, metadata={"format": FORMAT, "state": header})


def restore(content: bytes, objects: dict[str, Any]) -> None:
    """Put every tracked object (and the global generators) back as the snapshot holds them."""
    tensors = load_tensors(content)
    header = _header(content)
    if header.get("format") != FORMAT:
        raise StateError(f"not a DiveLab snapshot (format {header.get('format')!r})")
    tree = json.loads(header["state"])
    missing = sorted(set(objects) - set(tree))
    if missing:
        raise StateError(f"the snapshot holds no state for {', '.join(missing)}")
    for name, obj in objects.items():
        _restore_into(obj, _decode(tree[name], tensors), name)
    _set_global_generators(_decode(tree[GLOBAL_GENERATORS], tensors))


def _header(content: bytes) -> dict[str, str]:
    length = int.from_bytes(content[:8], "little")
    return json.loads(content[8 : 8 + length]).get("__metadata__", {})


# -- objects <-> plain state -----------------------------------------------------------------


def _state_of(obj: Any) -> Any:
    if isinstance(obj, torch.Generator):
        return obj.get_state()
    if isinstance(obj, torch.Tensor):
        return obj.detach()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    if hasattr(obj, "state_dict") and hasattr(obj, "load_state_dict"):
        return obj.state_dict()
    raise TypeError(f"cannot track a {type(obj).__name__}: give it state_dict/load_state_dict")


def _restore_into(obj: Any, state: Any, name: str) -> None:
    try:
        if isinstance(obj, torch.Generator):
            obj.set_state(state)
        elif isinstance(obj, torch.Tensor):
            with torch.no_grad():
                obj.copy_(state)
        elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            for field, value in state.items():
                current = getattr(obj, field)
                if isinstance(current, torch.Tensor) and isinstance(value, torch.Tensor):
                    value = value.to(current.device)
                setattr(obj, field, value)
        else:
            obj.load_state_dict(state)
    except (RuntimeError, ValueError, KeyError, TypeError) as error:
        raise StateError(f"the snapshot's {name} does not fit this run: {error}") from error


def _global_generators() -> dict[str, Any]:
    version, internal, gauss = random.getstate()
    state: dict[str, Any] = {
        # 625 words as one tensor, not 625 JSON numbers: the header stays small and fast
        "python": (version, torch.tensor(internal, dtype=torch.int64), gauss),
        "numpy": np.random.get_state(legacy=False),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_global_generators(state: dict[str, Any]) -> None:
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal.tolist()), gauss))
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


# -- plain state <-> JSON and tensors ----------------------------------------------------------
# JSON has no tuples, no integer keys and no arrays: they are tagged, so that an optimizer's
# state (keyed by parameter index) and a generator's state come back exactly as they were.


def _encode(value: Any, path: str, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu().contiguous()
        if any(t.data_ptr() == tensor.data_ptr() for t in tensors.values() if t.numel()):
            tensor = tensor.clone()  # safetensors refuses shared storage (tied weights)
        tensors[path] = tensor
        return {"$tensor": path}
    if isinstance(value, np.ndarray):
        tensors[path] = torch.from_numpy(np.ascontiguousarray(value))
        return {"$ndarray": path}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return {"$tuple": [_encode(v, f"{path}.{i}", tensors) for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [_encode(v, f"{path}.{i}", tensors) for i, v in enumerate(value)]
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: _encode(v, f"{path}.{k}", tensors) for k, v in value.items()}
        return {"$items": [[k, _encode(v, f"{path}.{k}", tensors)] for k, v in value.items()]}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"{path}: a {type(value).__name__} cannot be part of a snapshot")


def _decode(node: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(node, list):
        return [_decode(v, tensors) for v in node]
    if not isinstance(node, dict):
        return node
    if "$tensor" in node:
        return tensors[node["$tensor"]]
    if "$ndarray" in node:
        return tensors[node["$ndarray"]].numpy()
    if "$tuple" in node:
        return tuple(_decode(v, tensors) for v in node["$tuple"])
    if "$items" in node:
        return {k: _decode(v, tensors) for k, v in node["$items"]}
    return {k: _decode(v, tensors) for k, v in node.items()}

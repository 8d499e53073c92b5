"""Public readers: a ``torch.save`` file, a TorchScript archive's parameters."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from eraser.checkpoints.archive import MAX_PICKLE_BYTES, Archive
from eraser.checkpoints.unpickle import ScriptObject, unpickle
from eraser.errors import EraserError


def is_torchscript(path: str | Path) -> bool:
    """TorchScript archives hold ``code/`` and ``constants.pkl`` beside data.pkl."""
    try:
        with Archive(path) as archive:
            return archive.has("constants.pkl") and any("/code/" in n for n in archive.names)
    except EraserError:
        return False


def _load(archive: Archive, pickle_name: str, storage_folder: str) -> object:
    data = archive.read(pickle_name, limit=MAX_PICKLE_BYTES)
    return unpickle(data, lambda key: archive.read(f"{storage_folder}/{key}"), archive.byteorder,
                    str(archive.path))


def read_torch_file(path: str | Path) -> object:
    """What ``torch.load(path, weights_only=True)`` returns, with numpy arrays
    for tensors (nested dicts, lists, tuples and plain values). Objects of
    the training framework (Lightning, omegaconf) come back as inert
    placeholders; anything else that is not data is refused."""
    with Archive(path) as archive:
        obj = _load(archive, "data.pkl", "data")
        if isinstance(obj, ScriptObject):
            raise EraserError(f"{path} is a TorchScript module, not a torch.save file")
        return obj


def read_torchscript_params(path: str | Path) -> dict[str, np.ndarray]:
    """Every tensor attribute of a TorchScript module, by its dotted path
    (the names ``module.state_dict()`` gives its parameters and buffers)."""
    with Archive(path) as archive:
        root = _load(archive, "data.pkl", "data")
    if not isinstance(root, ScriptObject):
        raise EraserError(f"{path} is not a TorchScript module")
    params: dict[str, np.ndarray] = {}
    stack = [("", root)]
    seen: set[int] = set()
    while stack:
        prefix, obj = stack.pop()
        if id(obj) in seen:  # a module shared by two parents is listed once, as torch does
            continue
        seen.add(id(obj))
        children = []
        for name, value in getattr(obj, "attributes", {}).items():
            if isinstance(value, np.ndarray):
                params[prefix + str(name)] = value
            elif isinstance(value, ScriptObject):
                children.append((prefix + str(name) + ".", value))
        stack.extend(reversed(children))
    return params

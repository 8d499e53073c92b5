"""Image and file input/output: decoding (load), per-format save policy (save),
destination checks and atomic writes (files), and mask files (mask).

The names below are imported on first use, so ``from eraser.io.files import
atomic_write`` (the model store, the CLI's early path checks) does not pay
for numpy and Pillow.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "LoadedImage",
    "load_image",
    "DEFAULT_MAX_PIXELS",
    "save_image",
    "save_array",
    "to_pil",
    "default_output_path",
    "check_output",
    "load_mask",
    "atomic_write",
]

_HOME = {
    "LoadedImage": "load",
    "load_image": "load",
    "DEFAULT_MAX_PIXELS": "load",
    "save_image": "save",
    "save_array": "save",
    "to_pil": "save",
    "default_output_path": "save",
    "check_output": "save",
    "load_mask": "mask",
    "atomic_write": "files",
}

if TYPE_CHECKING:
    from eraser.io.files import atomic_write
    from eraser.io.load import DEFAULT_MAX_PIXELS, LoadedImage, load_image
    from eraser.io.mask import load_mask
    from eraser.io.save import check_output, default_output_path, save_array, save_image, to_pil


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'eraser.io' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"eraser.io.{_HOME[name]}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

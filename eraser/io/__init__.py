"""Image and file input/output: decoding (load), per-format save policy (save),
destination checks and atomic writes (files), and mask files (mask)."""

from eraser.io.files import atomic_write
from eraser.io.load import DEFAULT_MAX_PIXELS, LoadedImage, load_image
from eraser.io.mask import load_mask
from eraser.io.save import check_output, default_output_path, save_array, save_image, to_pil

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

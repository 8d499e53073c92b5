"""Reading a user's mask file into a float32 mask."""

from __future__ import annotations

from pathlib import Path
from typing import Union

import numpy as np
from PIL import Image

from eraser.errors import EraserError
from eraser.io.load import load_image

MaskSource = Union[str, Path, Image.Image, np.ndarray]


def load_mask(source: MaskSource, width: int, height: int) -> np.ndarray:
    """A mask file or array as float32 ``[0, 1]`` of shape ``(height, width)``.

    A mask with transparency selects by its alpha (painted strokes on a
    transparent layer); otherwise by brightness (white = remove). Boolean and
    float arrays are taken as they are.
    """
    if isinstance(source, np.ndarray) and source.ndim == 2 and source.dtype != np.uint8:
        mask = np.clip(source.astype(np.float32), 0.0, 1.0)
    else:
        loaded = load_image(source)
        if loaded.alpha is not None and (loaded.alpha < 255).any():
            mask = loaded.alpha.astype(np.float32) / 255.0
        else:
            mask = loaded.rgb.max(axis=2).astype(np.float32) / 255.0
    if mask.shape != (height, width):
        h, w = mask.shape[:2]
        raise EraserError(f"the mask is {w}x{h} but the image is {width}x{height}")
    return mask

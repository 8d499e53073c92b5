"""Reading a user's mask file into a float32 mask, quickly.

A mask with transparency selects by its alpha (painted strokes on a
transparent layer); otherwise by brightness, the brightest of R, G and B
(white = remove, grey blends). The common masks (8-bit gray, RGB, RGBA, gray +
alpha, palette, 1-bit) are read one channel at a time in Pillow and turned
into float32 in one pass: a 12 MP mask costs tens of milliseconds beyond
decoding, where building the full RGB photo first and reducing it took about
a second. Other pixel formats (16-bit, float, CMYK, ...) and masks with an EXIF
rotation take the photo's path through :func:`eraser.io.load.load_image`,
with the same result.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Union

import numpy as np
from PIL import Image, ImageChops

from eraser.errors import EraserError
from eraser.io import load
from eraser.io.decoding import decoding

MaskSource = Union[str, Path, Image.Image, np.ndarray]

_ORIENTATION = 0x0112
_FAST_MODES = frozenset({"L", "1", "LA", "RGB", "RGBA", "P"})


def load_mask(source: MaskSource, width: int, height: int) -> np.ndarray:
    """A mask file or array as float32 ``[0, 1]`` of shape ``(height, width)``.

    Boolean and float arrays are taken as they are (clipped to ``[0, 1]``;
    NaN is refused).
    """
    if isinstance(source, np.ndarray):
        mask = _from_array(source)
    elif isinstance(source, Image.Image):
        name = str(getattr(source, "filename", "") or "the mask")
        with decoding(width * height):
            mask = _from_pil(source, name, width, height)
    else:
        if not isinstance(source, (str, os.PathLike)):
            raise EraserError(f"a mask is a path, a PIL image or an array, not {type(source).__name__}")
        path = Path(source)
        # The mask must have the image's pixel count, so that is its limit too.
        limit = max(width * height, 1)
        mask = load.read_file(path, limit, lambda im: _from_pil(im, str(path), width, height))
    _check_shape(mask.shape, width, height)
    return mask


def _from_array(array: np.ndarray) -> np.ndarray:
    if array.ndim == 2 and array.dtype != np.uint8:
        if array.dtype.kind not in "biuf":
            raise EraserError(f"a mask array must hold numbers or booleans, not {array.dtype}")
        mask = array.astype(np.float32)
        if np.isnan(mask).any():
            raise EraserError("the mask array contains NaN")
        return np.clip(mask, 0.0, 1.0, out=mask)
    if array.dtype == np.uint8 and array.ndim == 3 and array.shape[2] in (1, 3, 4):
        if array.shape[2] == 4 and array[:, :, 3].min() < 255:
            return _to_float(array[:, :, 3])
        if array.shape[2] == 1:
            return _to_float(array[:, :, 0])
        return _to_float(np.maximum(np.maximum(array[:, :, 0], array[:, :, 1]), array[:, :, 2]))
    if array.dtype == np.uint8 and array.ndim == 2:
        return _to_float(array)
    return _from_loaded(load.load_image(array))  # raises the usual ValueError for what it cannot take


def _from_pil(im: Image.Image, name: str, width: int, height: int) -> np.ndarray:
    if im.size[0] * im.size[1] != width * height:  # from the header: refuse before decoding
        _check_shape((im.size[1], im.size[0]), width, height)
    load.decode(im, name, max(width * height, 1))
    if im.mode not in _FAST_MODES or _orientation(im) != 1:
        return _from_loaded(load.from_pil(im, name, None, max(width * height, 1)))
    transparent = "transparency" in im.info
    if im.mode == "P":
        im = im.convert("RGBA" if transparent else "RGB")
    elif im.mode == "1":
        im = im.convert("L")
    elif transparent and im.mode in ("L", "RGB"):  # one colour marked transparent
        im = im.convert(im.mode[0] + "A" if im.mode == "L" else "RGBA")
    if "A" in im.getbands():
        alpha = np.asarray(im.getchannel("A"))
        if alpha.min() < 255:
            return _to_float(alpha)
    if im.mode in ("L", "LA"):
        brightness = im if im.mode == "L" else im.getchannel("L")
    else:
        red, green, blue = (im.getchannel(band) for band in "RGB")
        brightness = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    return _to_float(np.asarray(brightness))


def _from_loaded(loaded: load.LoadedImage) -> np.ndarray:
    """The mask of a photo loaded the full way (rare pixel formats)."""
    if loaded.alpha is not None and loaded.alpha.min() < 255:
        return _to_float(loaded.alpha)
    return _to_float(loaded.rgb.max(axis=2))


def _to_float(values: np.ndarray) -> np.ndarray:
    """uint8 -> float32 in [0, 1] in one pass (the same numbers as ``astype / 255``).

    A label mask, 0 and 1 only (what ``mask.astype(np.uint8)`` writes), means
    keep and remove: read as grey levels it would blend in 1/255 of the fill,
    an invisible change with no hint why.
    """
    if values.size and values.max() == 1:
        return values.astype(np.float32)
    return np.divide(values, np.float32(255), dtype=np.float32)


def _orientation(im: Image.Image) -> int:
    try:
        return int(im.getexif().get(_ORIENTATION, 1))
    except Exception:  # noqa: BLE001 - unreadable EXIF: the full path decides, as for photos
        return 0


def _check_shape(shape: tuple[int, ...], width: int, height: int) -> None:
    if tuple(shape[:2]) != (height, width):
        h, w = shape[:2]
        raise EraserError(f"the mask is {w}x{h} but the image is {width}x{height}")

"""Any Pillow mode to 8-bit RGB (plus alpha): 16-bit and float sources scaled,
palettes expanded, CMYK through its embedded profile when it has one."""

from __future__ import annotations

import io
from contextlib import suppress

import numpy as np
from PIL import Image


def to_rgb(
    im: Image.Image, icc: bytes | None
) -> tuple[np.ndarray, np.ndarray | None, bool, bytes | None]:
    """Normalize any Pillow mode to (rgb, alpha, grayscale, icc for the result)."""
    mode = im.mode
    has_transparency = "transparency" in im.info
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # Treat as 16-bit and scale to 8 bits with rounding.
        wide = np.clip(np.asarray(im, dtype=np.int64), 0, 65535)
        im = Image.fromarray(((wide + 128) // 257).astype(np.uint8))
    elif mode == "F":
        # NaN -> 0, +inf -> 255, -inf -> 0, without numpy's "invalid value" warning.
        floats = np.nan_to_num(np.asarray(im, dtype=np.float32), nan=0.0, posinf=255.0, neginf=0.0)
        im = Image.fromarray(np.clip(floats, 0, 255).round().astype(np.uint8))
    elif mode == "1":
        im = im.convert("L")
    elif mode == "La" or (mode == "L" and has_transparency):
        im = im.convert("LA")
    elif mode == "CMYK":
        im, icc = cmyk_to_rgb(im, icc)
    elif mode not in ("L", "LA", "RGB", "RGBA"):
        # P, PA, RGBa, RGBX, YCbCr, LAB, HSV, ...: keep alpha if there is any.
        keep_alpha = mode[-1] in "Aa" or has_transparency  # PA, RGBa (LAB's "A" is a colour)
        im = im.convert("RGBA" if keep_alpha else "RGB")
    elif mode == "RGB" and has_transparency:
        im = im.convert("RGBA")

    pixels = np.array(im)  # a private, writable copy
    if im.mode in ("L", "LA"):
        gray = pixels if im.mode == "L" else pixels[:, :, 0]
        alpha = pixels[:, :, 1].copy() if im.mode == "LA" else None
        return np.repeat(gray[:, :, None], 3, axis=2), alpha, True, icc
    alpha = pixels[:, :, 3].copy() if im.mode == "RGBA" else None
    return np.ascontiguousarray(pixels[:, :, :3]), alpha, False, icc


def cmyk_to_rgb(im: Image.Image, icc: bytes | None) -> tuple[Image.Image, bytes | None]:
    """Use the embedded CMYK profile when there is one; the result is plain sRGB."""
    from PIL import ImageCms  # rare path: don't load littlecms for every import

    if icc and icc_space(icc) == b"CMYK":
        with suppress(ImageCms.PyCMSError, OSError, ValueError):
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            dst = ImageCms.createProfile("sRGB")
            return ImageCms.profileToProfile(im, src, dst, outputMode="RGB"), None
    return im.convert("RGB"), None


def icc_space(icc: bytes) -> bytes:
    """The ICC header's data colour space: b'RGB ', b'GRAY', b'CMYK', ..."""
    return icc[16:20]

"""Helpers shared by the eraser.io tests (tests/test_io_*.py)."""

from __future__ import annotations

import functools
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from eraser.errors import EraserError


ORIENTATION, MAKE, MODEL, DATETIME = 0x0112, 0x010F, 0x0110, 0x0132


EXIF_IFD, DATETIME_ORIGINAL = 0x8769, 0x9003


def _heif_encoder_available() -> str | None:
    """None if pillow-heif can write HEIF here, else why not."""
    try:
        import pillow_heif
    except ImportError:
        return "pillow-heif is not installed"
    if not pillow_heif.libheif_info().get("HEIF"):
        return "libheif in this pillow-heif build has no HEVC encoder"
    try:
        pillow_heif.register_heif_opener()
        Image.new("RGB", (8, 8)).save(io.BytesIO(), format="HEIF")
    except Exception as e:  # noqa: BLE001 - any failure means "cannot encode here"
        return f"HEIF encoding failed: {e}"
    return None


HEIF_SKIP = _heif_encoder_available()


needs_heif = pytest.mark.skipif(HEIF_SKIP is not None, reason=str(HEIF_SKIP))


def blocks(height: int = 48, width: int = 64) -> np.ndarray:
    """Flat 16x16 colour blocks: survive lossy codecs nearly unchanged."""
    rng = np.random.default_rng(1)
    colors = rng.integers(0, 256, size=(height // 16 + 1, width // 16 + 1, 3), dtype=np.uint8)
    return np.ascontiguousarray(colors.repeat(16, 0).repeat(16, 1)[:height, :width])


def noise(height: int = 32, width: int = 40, channels: int = 3, seed: int = 0) -> np.ndarray:
    shape = (height, width, channels) if channels else (height, width)
    return np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)


def listing(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def single_line(error: pytest.ExceptionInfo[EraserError]) -> str:
    message = str(error.value)
    assert message and "\n" not in message
    return message


@functools.lru_cache(maxsize=1)
def srgb_icc() -> bytes:
    # One profile per run: the header holds its creation time, so two calls a
    # second apart differ.
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def close_blocks(a: np.ndarray, b: np.ndarray, tolerance: int = 8) -> bool:
    """Compare the centres of the 16x16 blocks of ``blocks()``: lossy codecs
    blur the edges between unrelated colours, not the flat insides."""
    centres = (slice(8, None, 16), slice(8, None, 16))
    return int(np.abs(a[centres].astype(int) - b[centres].astype(int)).max()) <= tolerance

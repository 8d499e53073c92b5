"""The mask overlay as a PNG the page draws as it comes: 8-bit palette
indices (the removal mask's values, 255 = replaced) whose palette is the tint
and whose transparency is 0.55 x the value. The page needs no pixel loop to
tint it, and the file is written here with no PNG filter and zlib level 1,
several times faster than Pillow's grey PNG (measured in docs/page.md)."""

from __future__ import annotations

import struct
import zlib

import numpy as np

TINT = (229, 72, 77)  # the overlay's red; its opacity is ALPHA x the mask's value
ALPHA = 0.55

_PALETTE = bytes(TINT * 256)
_TRANSPARENCY = bytes(round(i * ALPHA) for i in range(256))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def tint_png(removal: np.ndarray) -> bytes:
    """``removal`` (uint8, height x width, 255 = replaced) as a palette PNG:
    reading it back (its indices) gives ``removal`` again."""
    height, width = removal.shape
    if not height or not width:  # PNG has no empty image: the file would open nowhere
        raise ValueError(f"a mask with no pixels ({width}x{height}) has no PNG")
    rows = np.zeros((height, width + 1), np.uint8)  # each row starts with filter type 0 (none)
    rows[:, 1:] = removal
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)  # 8 bits, palette, no interlace
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"PLTE", _PALETTE)
            + _chunk(b"tRNS", _TRANSPARENCY) + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)) + _chunk(b"IEND", b""))

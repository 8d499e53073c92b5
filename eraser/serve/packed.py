"""A mask kept small while it waits in a history: the box around its set
pixels, one bit a pixel (np.packbits). A painted 12 MP object is 12 MB as a
bool array and usually tens of kilobytes packed, so forty marks Ctrl-Z can take
back cost little (tests/test_serve_history_memory.py)."""

from __future__ import annotations

import numpy as np


class Packed:
    """A read-back-only copy of a 2-D mask: ``unpack()`` gives it again, equal
    in shape, dtype and values (bool, or uint8 grey levels kept as they are)."""

    def __init__(self, mask: np.ndarray) -> None:
        self.shape, self.dtype = mask.shape, mask.dtype
        rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
        if rows.size == 0:
            self.box, self.bits = (0, 0, 0, 0), np.zeros(0, np.uint8)
            return
        self.box = (int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1)
        crop = mask[self.box[0]:self.box[1], self.box[2]:self.box[3]]
        self.bits = np.packbits(crop) if mask.dtype == np.bool_ else crop.copy()

    @property
    def nbytes(self) -> int:
        return int(self.bits.nbytes)

    def unpack(self) -> np.ndarray:
        out = np.zeros(self.shape, self.dtype)
        y0, y1, x0, x1 = self.box
        if y1 > y0:
            size = (y1 - y0) * (x1 - x0)
            crop = np.unpackbits(self.bits, count=size).astype(bool) if self.dtype == np.bool_ else self.bits
            out[y0:y1, x0:x1] = crop.reshape(y1 - y0, x1 - x0)
        return out

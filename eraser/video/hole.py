"""A frame's hole for the temporal fill: the mask inside its box, so that
everything but the flow is computed on the hole's pixels, never on whole
frames."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass
class Hole:
    """A frame's hole: the mask inside its box, at (``y0``, ``x0``) in a frame of ``shape``."""

    y0: int
    x0: int
    mask: np.ndarray  # bool, the box's size
    shape: tuple[int, int]  # the frame's (height, width)

    @classmethod
    def of(cls, full: np.ndarray) -> "Hole":
        full = np.asarray(full, bool)
        rows, cols = np.flatnonzero(full.any(axis=1)), np.flatnonzero(full.any(axis=0))
        if rows.size == 0:
            return cls.none(full.shape)
        y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
        return cls(y0, x0, full[y0:y1, x0:x1].copy(), full.shape)

    @classmethod
    def none(cls, shape: tuple[int, int]) -> "Hole":
        return cls(0, 0, np.zeros((0, 0), bool), tuple(shape[:2]))

    @property
    def box(self) -> tuple[int, int, int, int]:
        """x0, y0, x1, y1."""
        return self.x0, self.y0, self.x0 + self.mask.shape[1], self.y0 + self.mask.shape[0]

    @property
    def empty(self) -> bool:
        return not self.mask.any()

    def widened(self, pixels: int) -> "Hole":
        if self.empty or pixels <= 0:
            return self
        height, width = self.shape
        x0, y0, x1, y1 = self.box
        nx0, ny0, nx1, ny1 = max(0, x0 - pixels), max(0, y0 - pixels), min(width, x1 + pixels), min(height, y1 + pixels)
        crop = np.zeros((ny1 - ny0, nx1 - nx0), np.uint8)
        crop[y0 - ny0:y1 - ny0, x0 - nx0:x1 - nx0] = self.mask
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * pixels + 1, 2 * pixels + 1))
        return Hole(ny0, nx0, cv2.dilate(crop, kernel) > 0, self.shape)

    def pixels(self) -> tuple[np.ndarray, np.ndarray]:
        """The hole's pixels (x, y) in frame coordinates, row by row (int32:
        the temporal fill holds them for every hole pixel of its window)."""
        ys, xs = np.nonzero(self.mask)
        return (xs + self.x0).astype(np.int32), (ys + self.y0).astype(np.int32)

    def full(self) -> np.ndarray:
        out = np.zeros(self.shape, bool)
        x0, y0, x1, y1 = self.box
        out[y0:y1, x0:x1] = self.mask
        return out

"""Rectangles in pixel coordinates: the small geometry every stage and plugin shares.

``Rect`` is half-open (``x1``/``y1`` exclusive), like a numpy slice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np


@dataclass(frozen=True)
class Rect:
    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def slices(self) -> tuple[slice, slice]:
        return slice(self.y0, self.y1), slice(self.x0, self.x1)

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    def grow(self, by: int, width: int, height: int) -> "Rect":
        return Rect(max(0, self.x0 - by), max(0, self.y0 - by), min(width, self.x1 + by), min(height, self.y1 + by))

    def overlaps(self, other: "Rect") -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1

    def relative_to(self, other: "Rect") -> "Rect":
        """This rectangle in the coordinates of ``other``'s crop."""
        return Rect(self.x0 - other.x0, self.y0 - other.y0, self.x1 - other.x0, self.y1 - other.y0)

    def union(self, other: "Rect") -> "Rect":
        return Rect(min(self.x0, other.x0), min(self.y0, other.y0), max(self.x1, other.x1), max(self.y1, other.y1))

    @classmethod
    def from_box(cls, box: tuple[int, int, int, int]) -> "Rect":
        x0, y0, x1, y1 = box
        return cls(int(x0), int(y0), int(x1), int(y1))


def bounding_rect(binary: np.ndarray) -> Optional[Rect]:
    rows = np.flatnonzero(binary.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(binary.any(axis=0))
    return Rect(int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)

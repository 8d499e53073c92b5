"""Rectangles in pixel coordinates: the small geometry every stage and plugin shares.

``Rect`` is half-open (``x1``/``y1`` exclusive), like a numpy slice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, TypeVar

import numpy as np

T = TypeVar("T")


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


def component_boxes(binary: np.ndarray) -> list[Rect]:
    """The bounding boxes of the 8-connected parts of a boolean mask."""
    import cv2  # only here: geometry stays a light import for plugins

    outer = bounding_rect(binary)
    if outer is None:
        return []
    # Work inside the bounding box only: on a 12 MP photo with a small object
    # that is a fraction of the frame. The outer contours' boxes are the
    # parts' boxes, found many times faster than by labelling every pixel.
    sub = np.ascontiguousarray(binary[outer.slices], dtype=np.uint8)
    contours, _ = cv2.findContours(sub, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    boxes = []
    for x, y, w, h in map(cv2.boundingRect, contours):
        boxes.append(Rect(outer.x0 + x, outer.y0 + y, outer.x0 + x + w, outer.y0 + y + h))
    return boxes


def merge_overlapping(items: list[tuple[Rect, list[T]]]) -> list[tuple[Rect, list[T]]]:
    """Merge rectangles that overlap, joining their payload lists, until none do."""
    items = list(items)
    merged = True
    while merged:
        merged = False
        for i in range(len(items)):
            for j in range(i + 1, len(items)):
                if items[i][0].overlaps(items[j][0]):
                    rect, payload = items.pop(j)
                    items[i] = (items[i][0].union(rect), items[i][1] + payload)
                    merged = True
                    break
            if merged:
                break
    return items

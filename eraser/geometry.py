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


def stamp_disks(target: np.ndarray, centres, radius: int, value: int = 1) -> np.ndarray:
    """Set filled disks of ``radius`` around ``centres`` ((x, y), rounded to
    the nearest pixel) in ``target`` to ``value``, in order; returns ``target``."""
    import cv2  # only here: geometry stays a light import for plugins

    for x, y in centres:
        cv2.circle(target, (int(round(x)), int(round(y))), max(0, int(radius)), int(value), thickness=-1)
    return target


def disks(shape: tuple[int, int], centres, radius: int) -> np.ndarray:
    """A boolean mask of ``shape`` with disks of ``radius`` around ``centres``."""
    return stamp_disks(np.zeros(shape, np.uint8), centres, radius).astype(bool)


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
    """Merge rectangles that overlap, joining their payload lists, until none do.

    Groups come in the order of their first item, each payload in item order.
    Overlapping pairs are found through a grid of cells about one rectangle
    wide, so a mask of many thousand specks costs a fraction of a second, not
    a comparison of every pair (which took minutes).
    """
    items = list(items)
    while len(items) > 1:
        groups = _overlap_groups([rect for rect, _ in items])
        if len(groups) == len(items):
            break
        merged = []
        for members in groups:
            rect, payload = items[members[0]][0], list(items[members[0]][1])
            for k in members[1:]:
                rect = rect.union(items[k][0])
                payload += items[k][1]
            merged.append((rect, payload))
        items = merged  # a union may now overlap another group: look again
    return items


def _overlap_groups(rects: list[Rect]) -> list[list[int]]:
    """Indices of ``rects`` joined through overlapping pairs (connected
    components), each list ascending, lists ordered by their first index."""
    n = len(rects)
    boxes = np.array([(r.x0, r.y0, r.x1, r.y1) for r in rects], np.int64)
    parent = list(range(n))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b in _candidate_pairs(boxes):
        ra, rb = find(int(a)), find(int(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for k in range(n):
        groups.setdefault(find(k), []).append(k)
    return list(groups.values())


def _candidate_pairs(boxes: np.ndarray) -> np.ndarray:
    """Pairs (i, j) of boxes that overlap as :meth:`Rect.overlaps` says
    (half-open: touching is not overlapping)."""
    b = boxes
    sizes = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])
    cell = max(1, int(np.median(sizes)))
    cx0, cy0 = b[:, 0] // cell, b[:, 1] // cell
    # an empty box still overlaps one that spans its edge: it covers its own cell
    cx1, cy1 = np.maximum(b[:, 2] - 1, b[:, 0]) // cell, np.maximum(b[:, 3] - 1, b[:, 1]) // cell
    wide = cx1 - cx0 + 1
    counts = wide * (cy1 - cy0 + 1)
    # every (box, cell) it covers; boxes sharing a cell are candidates
    owner = np.repeat(np.arange(b.shape[0]), counts)
    local = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    cells_x = cx0[owner] + local % wide[owner]
    cells_y = cy0[owner] + local // wide[owner]
    key = (cells_y - cy0.min()) * (int(cx1.max() - cx0.min()) + 1) + (cells_x - cx0.min())
    order = np.argsort(key, kind="stable")
    key, owner = key[order], owner[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], key.size]
    pairs = []
    for start, end in zip(starts[ends - starts > 1], ends[ends - starts > 1]):
        i, j = np.triu_indices(end - start, 1)
        pairs.append(np.stack([owner[start + i], owner[start + j]], axis=1))
    if not pairs:
        return np.zeros((0, 2), np.int64)
    pairs = np.unique(np.concatenate(pairs), axis=0)
    p, q = b[pairs[:, 0]], b[pairs[:, 1]]
    hit = (p[:, 0] < q[:, 2]) & (q[:, 0] < p[:, 2]) & (p[:, 1] < q[:, 3]) & (q[:, 1] < p[:, 3])
    return pairs[hit]

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
    label = _components(n, _overlapping_edges(boxes))
    groups: dict[int, list[int]] = {}
    for k in range(n):
        groups.setdefault(int(label[k]), []).append(k)
    return list(groups.values())


def _components(n: int, edges: np.ndarray) -> np.ndarray:
    """Each node's smallest connected node, for ``n`` nodes and ``edges``
    (pairs): minimum labels spread along the edges, with pointer jumping."""
    label = np.arange(n)
    a, b = edges[:, 0], edges[:, 1]
    while True:
        low = np.minimum(label[a], label[b])
        before = label.copy()
        np.minimum.at(label, a, low)
        np.minimum.at(label, b, low)
        label = label[label]  # jump: a node takes its label's label
        if np.array_equal(label, before):
            return label


def _overlapping_edges(boxes: np.ndarray) -> np.ndarray:
    """Pairs (i, j) of boxes joined in one component exactly when some chain
    of pairs overlaps as :meth:`Rect.overlaps` says (half-open: touching is
    not overlapping), found through a grid of cells.

    A box that covers a whole cell overlaps every non-empty box that reaches
    into that cell, so such a cell joins its boxes by a chain (m - 1 pairs),
    not by testing every pair (m squared halves: thousands of overlapping
    specks from a random-weight model took 3 to 10 s that way). Cells no box
    covers, and empty boxes, are tested pair by pair."""
    b = boxes
    sizes = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])
    cell = max(1, int(np.median(sizes)) // 2)  # a box of the median size covers a cell
    cx0, cy0 = b[:, 0] // cell, b[:, 1] // cell
    # an empty box still overlaps one that spans its edge: it covers its own cell
    cx1, cy1 = np.maximum(b[:, 2] - 1, b[:, 0]) // cell, np.maximum(b[:, 3] - 1, b[:, 1]) // cell
    wide = cx1 - cx0 + 1
    counts = wide * (cy1 - cy0 + 1)
    # every (box, cell) it reaches; boxes sharing a cell are candidates
    owner = np.repeat(np.arange(b.shape[0]), counts)
    local = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    cells_x = cx0[owner] + local % wide[owner]
    cells_y = cy0[owner] + local // wide[owner]
    empty = (b[:, 2] <= b[:, 0]) | (b[:, 3] <= b[:, 1])
    covers = (~empty[owner] & (b[owner, 0] <= cells_x * cell) & ((cells_x + 1) * cell <= b[owner, 2])
              & (b[owner, 1] <= cells_y * cell) & ((cells_y + 1) * cell <= b[owner, 3]))
    key = (cells_y - cy0.min()) * (int(cx1.max() - cx0.min()) + 1) + (cells_x - cx0.min())
    order = np.argsort(key, kind="stable")
    key, owner, covers = key[order], owner[order], covers[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], key.size]
    covered = np.maximum.reduceat(covers, starts) if key.size else np.zeros(0, bool)
    # covered cells: a chain through their non-empty boxes
    solid = np.repeat(covered, ends - starts) & ~empty[owner]
    chain_owner, chain_key = owner[solid], key[solid]
    same = chain_key[1:] == chain_key[:-1]
    edges = [np.stack([chain_owner[:-1][same], chain_owner[1:][same]], axis=1)]
    # the rest pair by pair: every pair in an uncovered cell, each empty box with its cell's others
    at = np.arange(key.size)
    cell_start, cell_end = np.repeat(starts, ends - starts), np.repeat(ends, ends - starts)
    loose = ~np.repeat(covered, ends - starts)
    first, later = at[loose], cell_end[loose] - at[loose] - 1  # each with the entries after it
    lonely = ~loose & empty[owner]
    pairs = [_each_with(first + 1, first, later, owner),
             _each_with(cell_start[lonely], at[lonely], cell_end[lonely] - cell_start[lonely], owner)]
    pairs = np.concatenate(pairs)
    if pairs.size:
        pairs = np.unique(pairs, axis=0)
        pairs = pairs[pairs[:, 0] != pairs[:, 1]]
        p, q = b[pairs[:, 0]], b[pairs[:, 1]]
        hit = (p[:, 0] < q[:, 2]) & (q[:, 0] < p[:, 2]) & (p[:, 1] < q[:, 3]) & (q[:, 1] < p[:, 3])
        edges.append(pairs[hit])
    return np.concatenate(edges).astype(np.int64).reshape(-1, 2)


def _each_with(begin: np.ndarray, entry: np.ndarray, count: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Pairs (owner of ``entry[k]``, owner of each of the ``count[k]`` entries from ``begin[k]``)."""
    total = int(count.sum())
    rows = np.repeat(np.arange(count.size), count)
    offset = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
    return np.stack([owner[entry[rows]], owner[begin[rows] + offset]], axis=1).reshape(-1, 2)

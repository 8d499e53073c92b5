"""The ``point`` segmenter's candidate extents: a marker watershed in square
windows of several sizes around the clicks, each scored by its outline.

Each candidate lives in a crop: the window (plus the clicks' seed disks and
a pixel around them), since outside the window every marker is background
and nothing is flooded there. On a 512 px working copy that is 8 watersheds,
scores and pairwise overlaps of a window's pixels instead of the whole
frame's; the candidates are the same as on the whole frame (tested).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

from eraser.geometry import Rect, disks, stamp_disks

Point = tuple[int, int]


@dataclass(frozen=True)
class Candidate:
    frame: Rect  # the crop it is computed in, in working-copy pixels
    mask: np.ndarray  # bool, the frame's size
    window: Rect

    @property
    def area(self) -> int:
        return int(np.count_nonzero(self.mask))

    def whole(self, shape: tuple[int, int]) -> np.ndarray:
        """The candidate as a mask of the working copy's ``shape``."""
        out = np.zeros(shape, bool)
        out[self.frame.slices] = self.mask
        return out


def components_at(binary: np.ndarray, seeds: Sequence[Point]) -> np.ndarray:
    """The connected components of ``binary`` that contain one of ``seeds``."""
    if not binary.any():
        return binary
    _, labels = cv2.connectedComponents(binary.astype(np.uint8), connectivity=8)
    keep = set()
    for x, y in seeds:
        lab = labels[y, x]
        if lab:
            keep.add(int(lab))
        else:
            # A click just outside the mask: take the nearest component in a small window.
            r = 3
            win = labels[max(0, y - r) : y + r + 1, max(0, x - r) : x + r + 1]
            vals = win[win > 0]
            if vals.size:
                keep.add(int(np.bincount(vals).argmax()))
    if not keep:
        return np.zeros_like(binary)
    kept = np.zeros(int(labels.max()) + 1, bool)  # a lookup table: np.isin sorted every pixel
    kept[sorted(keep)] = True
    return kept[labels]


def watershed_candidate(smooth: np.ndarray, window: Rect, pos: Sequence[Point], neg: Sequence[Point],
                        seed_radius: int) -> Candidate:
    """The part of ``window`` flooded from the positive clicks before the
    window's edge (and the negative clicks) reaches it, cut to the connected
    parts holding a click."""
    h, w = smooth.shape[:2]
    frame = window
    for x, y in pos:  # a seed disk may reach past the window (a box clips the window)
        frame = frame.union(Rect(x - seed_radius, y - seed_radius, x + seed_radius + 1, y + seed_radius + 1))
    # one pixel more: the watershed makes its frame's edge a boundary, not a seed
    frame = Rect(max(0, frame.x0 - 1), max(0, frame.y0 - 1), min(w, frame.x1 + 1), min(h, frame.y1 + 1))
    if not neg and window == Rect(0, 0, w, h):
        # no background marker is left (cv2.watershed overwrites the frame's edge with
        # boundary pixels), so the clicks flood all the rest: skip the costliest watershed
        inside = np.zeros((h, w), bool)
        inside[1:-1, 1:-1] = True
        return Candidate(frame, inside, window)
    markers = np.ones((frame.height, frame.width), np.int32)
    markers[window.y0 - frame.y0 + 1 : window.y1 - frame.y0 - 1, window.x0 - frame.x0 + 1 : window.x1 - frame.x0 - 1] = 0
    local_pos = [(x - frame.x0, y - frame.y0) for x, y in pos]
    stamp_disks(markers, [(x - frame.x0, y - frame.y0) for x, y in neg], seed_radius, 1)
    stamp_disks(markers, local_pos, seed_radius, 2)
    # cv2.watershed compares colours by their largest channel difference, so RGB serves as BGR
    cv2.watershed(np.ascontiguousarray(smooth[frame.slices]), markers)
    return Candidate(frame, components_at(markers == 2, local_pos), window)


def outline_score(cand: Candidate, grad: np.ndarray, grad_ref: float) -> float:
    """How strong and how complete the candidate's outline is: the gradient
    along it over the gradient inside, less where the window stopped it."""
    if cand.area == 0:
        return -np.inf
    frame, win = cand.frame, cand.window
    h, w = grad.shape
    boundary = (cv2.dilate(cand.mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0) & ~cand.mask
    # Boundary pixels on the window edge mean the region was stopped by the window, not by an edge.
    inner = np.zeros(cand.mask.shape, bool)
    inner[max(0, win.y0 + 2 - frame.y0) : max(0, win.y1 - 2 - frame.y0),
          max(0, win.x0 + 2 - frame.x0) : max(0, win.x1 - 2 - frame.x0)] = True
    at_image_edge = np.zeros(cand.mask.shape, bool)
    for row in {0 - frame.y0, h - 1 - frame.y0} & set(range(frame.height)):
        at_image_edge[row, :] = True
    for col in {0 - frame.x0, w - 1 - frame.x0} & set(range(frame.width)):
        at_image_edge[:, col] = True
    nb = int(np.count_nonzero(boundary))
    if nb == 0:
        return -np.inf
    free = boundary & inner
    touch_frac = float(np.count_nonzero(boundary & ~inner & ~at_image_edge)) / nb
    local = grad[frame.slices]
    edge = float(local[free].mean()) if free.any() else 0.0
    interior = float(np.median(local[cand.mask]))
    return edge / (interior + grad_ref) * (1.0 - touch_frac) ** 2


def overlap(a: Candidate, b: Candidate) -> int:
    """Pixels in both candidates."""
    common = Rect(max(a.frame.x0, b.frame.x0), max(a.frame.y0, b.frame.y0),
                  min(a.frame.x1, b.frame.x1), min(a.frame.y1, b.frame.y1))
    if common.x1 <= common.x0 or common.y1 <= common.y0:
        return 0
    return int(np.count_nonzero(a.mask[common.relative_to(a.frame).slices] & b.mask[common.relative_to(b.frame).slices]))


def fallback(shape: tuple[int, int], pos: Sequence[Point]) -> np.ndarray:
    """No candidate: small disks at the clicks."""
    return disks(shape, pos, max(1, round(0.01 * max(shape))))

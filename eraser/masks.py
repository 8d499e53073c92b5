"""Mask refinement, crop planning and compositing.

The seed app turns a segmentation into a "blurred inverted" mask: the
selection is widened so edge halos of the object go too, inverted into a
*keep* alpha and blurred so the fill blends into its surroundings. Here:

* ``hole`` = the selection (mask >= 0.5) dilated by ``dilate`` pixels: what the
  inpainter fills;
* ``keep`` = GaussianBlur(1 - hole, sigma=feather) inside the hole, exactly 1
  outside it: how much of the original each pixel keeps.

So the feather blends the fill with the original only inside the hole's
outer ring, and every pixel outside the hole is bit-identical to the input.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

DEFAULT_DILATE = 10
DEFAULT_FEATHER = 5.0


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

    def union(self, other: "Rect") -> "Rect":
        return Rect(min(self.x0, other.x0), min(self.y0, other.y0), max(self.x1, other.x1), max(self.y1, other.y1))


def dilate(binary: np.ndarray, pixels: int) -> np.ndarray:
    """Grow a boolean mask by ``pixels`` with a round structuring element."""
    if pixels <= 0:
        return binary.copy()
    size = 2 * pixels + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    return cv2.dilate(binary.astype(np.uint8), kernel) > 0


def refine(mask: np.ndarray, dilate_px: int, feather: float) -> tuple[np.ndarray, np.ndarray]:
    """Turn a float mask into ``(hole, keep)``, see the module docstring.

    With ``dilate_px == 0`` and ``feather == 0`` the mask is used as given: its
    non-zero pixels are the hole and its values the blend alpha, so a feathered
    mask written by ``eraser segment`` reproduces ``eraser remove`` exactly.
    """
    soft = np.clip(mask, 0.0, 1.0).astype(np.float32, copy=False)
    if dilate_px == 0 and feather == 0:
        return soft > 0, 1.0 - soft
    hole = dilate(soft >= 0.5, dilate_px)
    inverted = (~hole).astype(np.float32)
    if feather > 0:
        # ksize (0, 0) lets OpenCV size the kernel from sigma (about 6 sigma wide).
        inverted = cv2.GaussianBlur(inverted, (0, 0), sigmaX=feather, sigmaY=feather, borderType=cv2.BORDER_REPLICATE)
    keep = np.where(hole, inverted, np.float32(1.0))
    return hole, keep


def reach(dilate_px: int, feather: float) -> int:
    """How far beyond the selection refinement can change a pixel."""
    return dilate_px + int(np.ceil(3 * feather)) + 1


def bounding_rect(binary: np.ndarray) -> Rect | None:
    rows = np.flatnonzero(binary.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(binary.any(axis=0))
    return Rect(int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)


def plan_crops(selection: np.ndarray, pad: int, context: float = 0.5, min_context: int = 64) -> list[Rect]:
    """Rectangles to inpaint, one around each group of nearby objects.

    Each connected part of ``selection`` gets its bounding box grown by ``pad``
    (room for refinement) plus context for the inpainter (``context`` times the
    box's longest side, at least ``min_context`` pixels); overlapping
    rectangles are merged so no hole is split between two crops.
    """
    height, width = selection.shape
    outer = bounding_rect(selection)
    if outer is None:
        return []
    # Label only inside the bounding box: on a 12 MP photo with a small object
    # that is a fraction of the frame.
    sub = selection[outer.slices].astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(sub, connectivity=8)
    rects = []
    for x, y, w, h, _area in stats[1:count]:
        r = Rect(outer.x0 + x, outer.y0 + y, outer.x0 + x + w, outer.y0 + y + h)
        margin = pad + max(min_context, int(context * max(w, h)))
        rects.append(r.grow(margin, width, height))
    merged = True
    while merged:
        merged = False
        for i in range(len(rects)):
            for j in range(i + 1, len(rects)):
                if rects[i].overlaps(rects[j]):
                    rects[i] = rects[i].union(rects.pop(j))
                    merged = True
                    break
            if merged:
                break
    return rects


def composite(original: np.ndarray, fill: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``original * keep + fill * (1 - keep)``, exact wherever ``keep == 1``."""
    k = keep[..., None]
    blended = original.astype(np.float32) * k + fill.astype(np.float32) * (1.0 - k)
    out = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    untouched = keep >= 1.0
    out[untouched] = original[untouched]
    return out

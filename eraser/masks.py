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

from eraser.geometry import Rect, bounding_rect

from eraser.defaults import DEFAULT_DILATE, DEFAULT_FEATHER  # noqa: E402,F401


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


def removal(keep: np.ndarray) -> np.ndarray:
    """The refined mask as 8-bit: 255 replaced, 0 kept, feathered between."""
    return np.rint((1.0 - keep) * 255).astype(np.uint8)


def reach(dilate_px: int, feather: float) -> int:
    """How far beyond the selection refinement can change a pixel."""
    return dilate_px + int(np.ceil(3 * feather)) + 1


@dataclass(frozen=True)
class Region:
    """One group of nearby objects: refinement happens in ``inner`` (the
    objects plus the refinement's reach), the inpainter sees ``outer``
    (``inner`` plus context around it)."""

    inner: Rect
    outer: Rect


def plan_regions(selection: np.ndarray, pad: int, context: float = 0.5, min_context: int = 64) -> list[Region]:
    """Where to refine and inpaint: one region around each group of objects.

    Each connected part of ``selection`` gets its bounding box grown by ``pad``
    (room for refinement, the inner rectangle) and then by context for the
    inpainter (``context`` times the box's longest side, at least
    ``min_context`` pixels). Parts whose outer rectangles overlap are merged
    into one region, so no hole is split between two crops.
    """
    height, width = selection.shape
    outer_box = bounding_rect(selection)
    if outer_box is None:
        return []
    # Label only inside the bounding box: on a 12 MP photo with a small object
    # that is a fraction of the frame.
    sub = selection[outer_box.slices].astype(np.uint8)
    # The outer contours' bounding boxes are the 8-connected parts' boxes,
    # found many times faster than by labelling every pixel.
    contours, _ = cv2.findContours(sub, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    regions = []
    for x, y, w, h in map(cv2.boundingRect, contours):
        box = Rect(outer_box.x0 + x, outer_box.y0 + y, outer_box.x0 + x + w, outer_box.y0 + y + h)
        inner = box.grow(pad, width, height)
        regions.append(Region(inner, inner.grow(max(min_context, int(context * max(w, h))), width, height)))
    merged = True
    while merged:
        merged = False
        for i in range(len(regions)):
            for j in range(i + 1, len(regions)):
                if regions[i].outer.overlaps(regions[j].outer):
                    other = regions.pop(j)
                    regions[i] = Region(regions[i].inner.union(other.inner), regions[i].outer.union(other.outer))
                    merged = True
                    break
            if merged:
                break
    return regions


def composite(original: np.ndarray, fill: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``original * keep + fill * (1 - keep)``, exact wherever ``keep == 1``.

    Only the pixels with ``keep < 1`` are computed, so a small hole in a large
    crop costs little.
    """
    out = original.copy()
    changed = keep < 1.0
    k = keep[changed][:, None]
    blended = original[changed].astype(np.float32) * k + fill[changed].astype(np.float32) * (1.0 - k)
    out[changed] = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    return out

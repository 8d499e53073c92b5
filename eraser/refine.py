"""Stage: refine. A segmentation becomes the hole to fill and the keep alpha.

The seed app turns a segmentation into a "blurred inverted" mask: the
selection is widened so edge halos of the object go too, inverted into a
*keep* alpha and blurred so the fill blends into its surroundings. Here:

* ``hole`` = the selection (mask >= 0.5) dilated by ``dilate`` pixels: what the
  inpainter fills;
* ``keep`` = GaussianBlur(1 - hole, sigma=feather) inside the hole, exactly 1
  outside it: how much of the original each pixel keeps.

So the feather blends the fill with the original only inside the hole's
outer ring, and every pixel outside the hole is bit-identical to the input.
Excluded points (``--exclude``) are a person's explicit choice: the widening
stops short of them, so they stay outside the hole and keep exactly 1.

Refinement runs only near the selection: each group of nearby objects is
refined in its own rectangle (a :class:`MaskPart`), so a small object in a
12 MP photo costs a small crop, not the full frame.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Sequence

import cv2
import numpy as np

from eraser.defaults import DEFAULT_DILATE, DEFAULT_FEATHER
from eraser.errors import EraserError
from eraser.floats import short_number, shown, to_float
from eraser.geometry import Rect, component_boxes, disks, merge_overlapping

__all__ = ["DEFAULT_DILATE", "DEFAULT_FEATHER", "MaskPart", "RefinedMask", "RefinedResult", "check", "covered", "dilate", "reach", "refine", "refine_crop", "removal"]

# Widening or feathering by more than a quarter of the photo's longer side
# (or 64 px on a small photo) is a mistake, refused with one line.
MAX_SHARE = 0.25
MIN_LIMIT = 64
# Above these, exact kernels get slow (a 201 px round kernel takes 25 s on
# 12 MP); a distance transform and a blur at reduced size cost O(pixels).
KERNEL_DILATE_MAX = 32
DIRECT_BLUR_MAX = 16.0


def check(dilate_px: object, feather: object, shape: tuple[int, ...] | None = None) -> tuple[int, float]:
    """Validate ``dilate`` and ``feather`` (Python or numpy numbers) and return them as int, float."""
    if isinstance(dilate_px, bool) or not isinstance(dilate_px, numbers.Real):
        raise EraserError(f"dilate must be a whole number of pixels, not {shown(dilate_px)}")
    if isinstance(feather, bool) or not isinstance(feather, numbers.Real):
        raise EraserError(f"feather must be a number, not {shown(feather)}")
    d, f = to_float(dilate_px), to_float(feather)  # 10**400 becomes inf, refused below
    if not math.isfinite(d) or d != int(d):
        raise EraserError(f"dilate must be a whole number of pixels, not {shown(dilate_px)}")
    if not math.isfinite(f):
        raise EraserError(f"feather must be a finite number, not {shown(feather)}")
    if d < 0 or f < 0:
        raise EraserError("dilate and feather must not be negative")
    if shape is not None:
        limit = max(MIN_LIMIT, int(MAX_SHARE * max(shape[:2])))
        if d > limit or f > limit:
            raise EraserError(
                f"dilate {short_number(d)} / feather {short_number(f)} is too large for a {shape[1]}x{shape[0]} photo: "
                f"at most {limit} px"
            )
    return int(d), f


def dilate(binary: np.ndarray, pixels: int) -> np.ndarray:
    """Grow a boolean mask by ``pixels`` with a round structuring element."""
    if pixels <= 0:
        return binary.copy()
    if pixels > KERNEL_DILATE_MAX:
        distance = cv2.distanceTransform((~binary).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
        return distance <= pixels
    size = 2 * pixels + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    return cv2.dilate(binary.astype(np.uint8), kernel) > 0


def reach(dilate_px: int, feather: float) -> int:
    """How far beyond the selection refinement can change a pixel."""
    return dilate_px + int(np.ceil(3 * feather)) + 1


def removal(keep: np.ndarray) -> np.ndarray:
    """A keep alpha as an 8-bit removal mask: 255 replaced, 0 kept, feathered between."""
    return np.rint((1.0 - keep) * 255).astype(np.uint8)


def refine_crop(
    mask: np.ndarray, dilate_px: int, feather: float, exclude: Sequence[tuple[float, float]] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """Turn a float mask into ``(hole, keep)``, see the module docstring.

    With ``dilate_px == 0`` and ``feather == 0`` the mask is used as given: its
    non-zero pixels are the hole and its values the blend alpha, so a feathered
    mask written by ``eraser segment`` reproduces ``eraser remove`` exactly.
    ``exclude`` are ``(x, y)`` points in this crop's coordinates (they may lie
    outside it) that the widening must not reach.
    """
    soft = np.clip(mask, 0.0, 1.0).astype(np.float32, copy=False)
    if dilate_px == 0 and feather == 0:
        # Used as given: only pixels the mask selects are in the hole, so no
        # widening can reach an excluded point.
        return soft > 0, 1.0 - soft
    hole = widened(soft >= 0.5, dilate_px, exclude)
    inverted = (~hole).astype(np.float32)
    if feather > 0:
        inverted = blur(inverted, feather)
    keep = np.where(hole, inverted, np.float32(1.0))
    return hole, keep


def widened(selected: np.ndarray, dilate_px: int, exclude: Sequence[tuple[float, float]] = ()) -> np.ndarray:
    """The hole: ``selected`` dilated by ``dilate_px``, stopping short of the
    ``exclude`` points (a disk around each that the selection does not cover)."""
    hole = dilate(selected, dilate_px)
    if exclude:
        hole &= ~(disks(hole.shape, exclude, dilate_px + 1) & ~selected)
    return hole


def blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur; a wide one runs on a downscaled copy (the result is smooth anyway)."""
    if sigma <= DIRECT_BLUR_MAX:
        # ksize (0, 0) lets OpenCV size the kernel from sigma.
        return cv2.GaussianBlur(image, (0, 0), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REPLICATE)
    factor = sigma / (DIRECT_BLUR_MAX / 2)
    height, width = image.shape
    small = (max(1, round(width / factor)), max(1, round(height / factor)))
    reduced = cv2.resize(image, small, interpolation=cv2.INTER_AREA)
    reduced = cv2.GaussianBlur(reduced, (0, 0), sigmaX=sigma / factor, sigmaY=sigma / factor, borderType=cv2.BORDER_REPLICATE)
    return cv2.resize(reduced, (width, height), interpolation=cv2.INTER_LINEAR)


@dataclass
class MaskPart:
    """The refined mask of one group of nearby objects: ``hole`` and ``keep``
    cover ``rect``; ``objects`` are the bounding boxes of the selected parts
    inside it (the regions stage sizes the inpainter's context from them)."""

    rect: Rect
    hole: np.ndarray
    keep: np.ndarray
    objects: list[Rect]


@dataclass
class RefinedMask:
    """Stage result: where the photo will change and how much, as parts."""

    shape: tuple[int, int]
    parts: list[MaskPart]
    dilate: int
    feather: float
    notices: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.parts

    @property
    def share(self) -> float:
        """Fraction of the photo inside the hole."""
        return sum(int(p.hole.sum()) for p in self.parts) / float(self.shape[0] * self.shape[1])

    @property
    def hole(self) -> np.ndarray:
        """bool, full frame: the pixels that may change."""
        full = np.zeros(self.shape, bool)
        for p in self.parts:
            full[p.rect.slices] = p.hole
        return full

    @property
    def keep(self) -> np.ndarray:
        """float32, full frame: how much of the original each pixel keeps."""
        full = np.ones(self.shape, np.float32)
        for p in self.parts:
            full[p.rect.slices] = p.keep
        return full

    def removal_mask(self) -> np.ndarray:
        """8-bit, full frame: 255 replaced, 0 kept, feathered between."""
        full = np.zeros(self.shape, np.uint8)
        for p in self.parts:
            full[p.rect.slices] = removal(p.keep)
        return full


def refine(
    selection: np.ndarray,
    dilate_px: int = DEFAULT_DILATE,
    feather: float = DEFAULT_FEATHER,
    exclude: Sequence[tuple[float, float]] = (),
) -> RefinedMask:
    """Refine a full-frame float32 selection near each group of objects."""
    dilate_px, feather = check(dilate_px, feather, selection.shape)
    height, width = selection.shape
    soft = dilate_px == 0 and feather == 0
    selected = selection > 0 if soft else selection >= 0.5
    pad = reach(dilate_px, feather)
    groups = merge_overlapping([(box.grow(pad, width, height), [box]) for box in component_boxes(selected)])
    parts, notices = [], []
    for rect, objects in groups:
        near = [(x - rect.x0, y - rect.y0) for x, y in exclude if _near(rect, x, y, dilate_px + 1)]
        hole, keep = refine_crop(selection[rect.slices], dilate_px, feather, near)
        if hole.any():
            parts.append(MaskPart(rect, hole, keep, objects))
    notices += covered(selection, exclude, soft)
    return RefinedMask((height, width), parts, dilate_px, feather, notices)


def covered(selection: np.ndarray, exclude: Sequence[tuple[float, float]], soft: bool = False) -> list[str]:
    """A notice for each excluded point the selection itself covers (no
    widening can keep those)."""
    height, width = selection.shape
    notices = []
    for x, y in exclude:
        xi, yi = int(x), int(y)
        if 0 <= yi < height and 0 <= xi < width and (selection[yi, xi] > 0 if soft else selection[yi, xi] >= 0.5):
            notices.append(
                f"could not keep excluded point {x:g},{y:g}: the segmentation itself covers it "
                "(try another click or --segmenter)"
            )
    return notices


def _near(rect: Rect, x: float, y: float, radius: int) -> bool:
    return rect.x0 - radius <= x < rect.x1 + radius and rect.y0 - radius <= y < rect.y1 + radius


class RefinedResult:
    """What the session's Preview and the pipeline's Erasure share: views of
    their ``refined`` mask."""

    refined: RefinedMask

    @property
    def share(self) -> float:
        return self.refined.share

    @property
    def hole(self) -> np.ndarray:
        return self.refined.hole

    @property
    def keep(self) -> np.ndarray:
        return self.refined.keep

    def removal_mask(self) -> np.ndarray:
        return self.refined.removal_mask()

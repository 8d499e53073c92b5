"""The pipeline: prompts -> segment -> refine -> inpaint -> composite.

Loading and saving live in :mod:`eraser.io`; this module works on RGB
``uint8`` arrays. It owns cropping and resizing, so backends only ever see a
crop at their working size (see :mod:`eraser.backends` for their contract).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator, Optional, Sequence

import cv2
import numpy as np

from eraser import detail, masks, registry
from eraser.geometry import Rect
from eraser.registry import BackendSpec
from eraser.prompts import Prompt
from eraser.errors import EraserError


@dataclass
class Part:
    """The refined mask of one region: ``hole`` and ``keep`` cover ``rect``."""

    rect: Rect
    hole: np.ndarray
    keep: np.ndarray


@dataclass
class Result:
    """What one removal did. ``image`` is the erased RGB image."""

    image: np.ndarray
    selection: np.ndarray  # float32 union of the segmented objects
    parts: list[Part]
    segmenters: list[str] = field(default_factory=list)
    inpainter: Optional[str] = None
    notices: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def share(self) -> float:
        """Fraction of the photo inside the hole."""
        return sum(int(p.hole.sum()) for p in self.parts) / self.selection.size

    @property
    def hole(self) -> np.ndarray:
        """bool, full frame: the pixels that may have changed."""
        full = np.zeros(self.selection.shape, bool)
        for p in self.parts:
            full[p.rect.slices] = p.hole
        return full

    @property
    def keep(self) -> np.ndarray:
        """float32, full frame: how much of the original each pixel kept."""
        full = np.ones(self.selection.shape, np.float32)
        for p in self.parts:
            full[p.rect.slices] = p.keep
        return full

    def removal_mask(self) -> np.ndarray:
        """The refined mask as 8-bit: 255 replaced, 0 kept, feathered between."""
        full = np.zeros(self.selection.shape, np.uint8)
        for p in self.parts:
            full[p.rect.slices] = masks.removal(p.keep)
        return full


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


def segment(
    image: np.ndarray, prompts: Sequence[Prompt], segmenter: str = "auto"
) -> tuple[np.ndarray, list[str], list[str]]:
    """Segment each prompt's object; return the union, backends used, notices."""
    if not prompts:
        raise EraserError("nothing to remove: give --point, --box or --mask")
    height, width = image.shape[:2]
    union: Optional[np.ndarray] = None
    used: list[str] = []
    notices: list[str] = []
    for prompt in prompts:
        spec = registry.choose("segmenter", segmenter, prompt)
        if segmenter == "auto":
            notices.extend(n for n in _fallback_notices(spec, prompt) if n not in notices)
        out = registry.build(spec).segment(image, prompt)
        out = _checked_mask(out, (height, width), spec)
        if union is None:
            # A buffer of our own only when other objects will be merged into
            # it: one object costs no second full-size mask (48 MB at 12 MP).
            union = out.copy() if len(prompts) > 1 else out
        else:
            np.maximum(union, out, out=union)
        if spec.name not in used:
            used.append(spec.name)
    if not (union >= 0.5).any():
        raise EraserError("the selection is empty: the prompts selected no pixels")
    return union, used, notices


def _fallback_notices(chosen: BackendSpec, prompt: Prompt) -> list[str]:
    """Say when ``auto`` passed over a better segmenter that is not installed."""
    notes = []
    for spec in registry.backends("segmenter").values():
        if prompt.kind in spec.prompts and spec.priority > chosen.priority:
            reason = spec.unavailable_reason()
            if reason is not None:
                notes.append(f"using segmenter {chosen.name!r} because {spec.name!r} is not available: {reason}")
    return notes


def _checked_mask(mask: object, shape: tuple[int, int], spec: BackendSpec) -> np.ndarray:
    mask = np.asarray(mask)
    if mask.shape != shape:
        raise RuntimeError(f"segmenter {spec.name!r} ({spec.plugin}) returned a mask of shape {mask.shape}, expected {shape}")
    mask = mask.astype(np.float32, copy=False)
    if mask.size and (mask.min() < 0.0 or mask.max() > 1.0):
        mask = np.clip(mask, 0.0, 1.0)
    return mask


def _checked_fill(fill: object, crop: np.ndarray, spec: BackendSpec) -> np.ndarray:
    fill = np.asarray(fill)
    if fill.shape != crop.shape or fill.dtype != np.uint8:
        raise RuntimeError(
            f"inpainter {spec.name!r} ({spec.plugin}) returned {fill.dtype} {fill.shape}, expected uint8 {crop.shape}"
        )
    return fill


def fill_region(
    backend: object, spec: BackendSpec, crop: np.ndarray, hole: np.ndarray, want: Rect, working_size: Optional[int]
) -> np.ndarray:
    """Inpaint ``crop`` and return the fill of ``want`` (a rect of the crop).

    A crop larger than ``working_size`` is inpainted downscaled; only ``want``
    is scaled back, and it gets the crop's fine detail (see eraser.detail).
    """
    height, width = hole.shape
    if working_size is None or max(height, width) <= working_size:
        return _checked_fill(backend.inpaint(crop, hole), crop, spec)[want.slices]
    scale = working_size / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
    # A small pixel is a hole if any of the pixels it covers is one.
    small_hole = cv2.resize(hole.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0
    small_fill = _checked_fill(backend.inpaint(small, small_hole), small, spec)
    # Scale back only ``want``: the affine map is cv2.resize's pixel-centre one.
    sx, sy = size[0] / width, size[1] / height
    to_small = np.array([[sx, 0, (want.x0 + 0.5) * sx - 0.5], [0, sy, (want.y0 + 0.5) * sy - 0.5]], np.float32)
    fill = cv2.warpAffine(
        small_fill, to_small, (want.width, want.height),
        flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE,
    )
    if not spec.detail:
        return fill
    return detail.restore_detail(crop, fill, hole, want, 1 / scale)


def inpaint(
    image: np.ndarray,
    selection: np.ndarray,
    inpainter: str = "auto",
    dilate: int = masks.DEFAULT_DILATE,
    feather: float = masks.DEFAULT_FEATHER,
    working_size: Optional[int] = None,
    timings: Optional[dict[str, float]] = None,
) -> tuple[np.ndarray, list[Part], BackendSpec]:
    """Fill ``selection`` (float32 HxW) and composite; returns (out, parts, spec).

    ``working_size`` overrides the backend's declared working size.
    """
    if dilate < 0 or feather < 0:
        raise EraserError("--dilate and --feather must not be negative")
    timings = {} if timings is None else timings
    spec = registry.choose("inpainter", inpainter)
    backend = registry.build(spec)
    size = working_size or spec.working_size
    out = image.copy()
    parts: list[Part] = []
    # Regions are planned around what refine will treat as selected.
    selected = selection > 0 if dilate == 0 and feather == 0 else selection >= 0.5
    for region in masks.plan_regions(selected, pad=masks.reach(dilate, feather)):
        inner, outer = region.inner, region.outer
        with _timed(timings, "refine"):
            hole, keep = masks.refine(selection[inner.slices], dilate, feather)
        if not hole.any():
            continue
        want = inner.relative_to(outer)
        crop_hole = np.zeros((outer.height, outer.width), bool)
        crop_hole[want.slices] = hole
        with _timed(timings, "inpaint"):
            fill = fill_region(backend, spec, image[outer.slices], crop_hole, want, size)
        with _timed(timings, "composite"):
            out[inner.slices] = masks.composite(image[inner.slices], fill, keep)
        parts.append(Part(inner, hole, keep))
    if not parts:
        raise EraserError("the selection is empty: the mask selects no pixels")
    return out, parts, spec


def run(
    image: np.ndarray,
    prompts: Sequence[Prompt],
    *,
    segmenter: str = "auto",
    inpainter: str = "auto",
    dilate: int = masks.DEFAULT_DILATE,
    feather: float = masks.DEFAULT_FEATHER,
    working_size: Optional[int] = None,
) -> Result:
    """Segment the prompted objects and erase them from ``image`` (RGB uint8)."""
    timings: dict[str, float] = {}
    registry.choose("inpainter", inpainter)  # a bad name fails before the slow part
    with _timed(timings, "segment"):
        selection, used, notices = segment(image, prompts, segmenter)
    out, parts, spec = inpaint(image, selection, inpainter, dilate, feather, working_size, timings)
    return Result(out, selection, parts, used, spec.name, notices, timings)

"""The pipeline: prompts -> segment -> refine -> inpaint -> composite.

Loading and saving live in :mod:`eraser.imageio`; this module works on RGB
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

from eraser import masks, plugins
from eraser.backends import BackendSpec, Prompt
from eraser.errors import EraserError


@dataclass
class Result:
    """What one removal did. ``image`` is the erased RGB image."""

    image: np.ndarray
    selection: np.ndarray  # float32 union of the segmented objects
    hole: np.ndarray  # bool: the pixels that may have changed
    keep: np.ndarray  # float32: how much of the original each pixel kept
    segmenters: list[str] = field(default_factory=list)
    inpainter: Optional[str] = None
    notices: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def share(self) -> float:
        """Fraction of the photo inside the hole."""
        return float(self.hole.mean())

    def removal_mask(self) -> np.ndarray:
        """The refined mask as 8-bit: 255 replaced, 0 kept, feathered between."""
        return np.rint((1.0 - self.keep) * 255).astype(np.uint8)


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
    union = np.zeros((height, width), np.float32)
    used: list[str] = []
    notices: list[str] = []
    for prompt in prompts:
        spec = plugins.choose("segmenter", segmenter, prompt)
        if segmenter == "auto":
            notices.extend(n for n in _fallback_notices(spec, prompt) if n not in notices)
        out = plugins.instance(spec).segment(image, prompt)
        out = _checked_mask(out, (height, width), spec)
        np.maximum(union, out, out=union)
        if spec.name not in used:
            used.append(spec.name)
    if not (union >= 0.5).any():
        raise EraserError("the selection is empty: the prompts selected no pixels")
    return union, used, notices


def _fallback_notices(chosen: BackendSpec, prompt: Prompt) -> list[str]:
    """Say when ``auto`` passed over a better segmenter that is not installed."""
    notes = []
    for spec in plugins.backends("segmenter").values():
        if prompt.kind in spec.prompts and spec.priority > chosen.priority:
            reason = spec.unavailable_reason()
            if reason is not None:
                notes.append(f"using segmenter {chosen.name!r} because {spec.name!r} is not available: {reason}")
    return notes


def _checked_mask(mask: object, shape: tuple[int, int], spec: BackendSpec) -> np.ndarray:
    mask = np.asarray(mask)
    if mask.shape != shape:
        raise RuntimeError(f"segmenter {spec.name!r} ({spec.plugin}) returned a mask of shape {mask.shape}, expected {shape}")
    return np.clip(mask.astype(np.float32, copy=False), 0.0, 1.0)


def _checked_fill(fill: object, crop: np.ndarray, spec: BackendSpec) -> np.ndarray:
    fill = np.asarray(fill)
    if fill.shape != crop.shape or fill.dtype != np.uint8:
        raise RuntimeError(
            f"inpainter {spec.name!r} ({spec.plugin}) returned {fill.dtype} {fill.shape}, expected uint8 {crop.shape}"
        )
    return fill


def fill_crop(backend: object, spec: BackendSpec, crop: np.ndarray, hole: np.ndarray, working_size: Optional[int]) -> np.ndarray:
    """Inpaint one crop, at the working size if the crop is larger."""
    height, width = hole.shape
    if working_size is None or max(height, width) <= working_size:
        return _checked_fill(backend.inpaint(crop, hole), crop, spec)
    scale = working_size / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
    # A small pixel is a hole if any of the pixels it covers is one.
    small_hole = cv2.resize(hole.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0
    fill = _checked_fill(backend.inpaint(small, small_hole), small, spec)
    return cv2.resize(fill, (width, height), interpolation=cv2.INTER_CUBIC)


def inpaint(
    image: np.ndarray,
    selection: np.ndarray,
    inpainter: str = "auto",
    dilate: int = masks.DEFAULT_DILATE,
    feather: float = masks.DEFAULT_FEATHER,
    working_size: Optional[int] = None,
    timings: Optional[dict[str, float]] = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, BackendSpec]:
    """Fill ``selection`` (float32 HxW) and composite; returns (out, hole, keep, spec).

    ``working_size`` overrides the backend's declared working size.
    """
    if dilate < 0 or feather < 0:
        raise EraserError("--dilate and --feather must not be negative")
    timings = {} if timings is None else timings
    spec = plugins.choose("inpainter", inpainter)
    backend = plugins.instance(spec)
    size = working_size or spec.working_size
    height, width = selection.shape
    out = image.copy()
    hole = np.zeros((height, width), bool)
    keep = np.ones((height, width), np.float32)
    # Crops are planned around what refine will treat as selected.
    selected = selection > 0 if dilate == 0 and feather == 0 else selection >= 0.5
    for rect in masks.plan_crops(selected, pad=masks.reach(dilate, feather)):
        sl = rect.slices
        with _timed(timings, "refine"):
            crop_hole, crop_keep = masks.refine(selection[sl], dilate, feather)
        if not crop_hole.any():
            continue
        with _timed(timings, "inpaint"):
            fill = fill_crop(backend, spec, image[sl], crop_hole, size)
        with _timed(timings, "composite"):
            out[sl] = masks.composite(image[sl], fill, crop_keep)
            hole[sl] = crop_hole
            keep[sl] = crop_keep
    if not hole.any():
        raise EraserError("the selection is empty: the mask selects no pixels")
    return out, hole, keep, spec


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
    plugins.choose("inpainter", inpainter)  # a bad name fails before the slow part
    with _timed(timings, "segment"):
        selection, used, notices = segment(image, prompts, segmenter)
    out, hole, keep, spec = inpaint(image, selection, inpainter, dilate, feather, working_size, timings)
    return Result(out, selection, hole, keep, used, spec.name, notices, timings)

"""Stage: segment. Each prompted object becomes a float32 mask; their union is the selection
(:func:`eraser.pipeline.select` runs the stage).

With ``auto`` the best available segmenter for the prompt's kind is used; if
it raises or breaks the contract, the next one is tried and a note says so
(:mod:`eraser.fallback`). A segmenter the user named is used or fails with
one line naming its plugin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from eraser.errors import BackendFailure, EraserError
from eraser.fallback import build, choices, describe, first_that_works, read_only
from eraser.prompts import Prompt
from eraser.standout import nothing_stands_out


@dataclass
class ObjectMask:
    """One object's segmentation: float32 ``(H, W)`` in ``[0, 1]``."""

    mask: np.ndarray
    segmenter: str
    notices: list[str] = field(default_factory=list)


@dataclass
class Selection:
    """Stage result: the union of the objects' masks and how it was made."""

    mask: np.ndarray
    segmenters: list[str]
    notices: list[str] = field(default_factory=list)


def segment_object(image: np.ndarray, prompt: Prompt, segmenter: str = "auto") -> ObjectMask:
    """Segment one object (one prompt)."""
    specs = choices("segmenter", segmenter, prompt)
    spec, mask, notices = first_that_works(specs, segmenter != "auto", lambda s: _run(s, image, prompt),
                                           f"no segmenter could handle the {prompt.kind} prompt", prompt)
    found = nothing_stands_out(image, prompt, mask)
    return ObjectMask(mask, spec.name, notices + ([found] if found else []))


def union(objects: Sequence[ObjectMask]) -> Selection:
    """The selection of several segmented objects."""
    if not objects:
        raise EraserError("nothing to remove: give --point, --box or --mask")
    # A buffer of our own only when masks are merged into it: one object costs
    # no second full-size mask (48 MB at 12 MP).
    mask = objects[0].mask if len(objects) == 1 else np.maximum.reduce([o.mask for o in objects])
    used: list[str] = []
    notices: list[str] = []
    for obj in objects:
        used += [obj.segmenter] if obj.segmenter not in used else []
        notices += [n for n in obj.notices if n not in notices]
    return Selection(mask, used, notices)


def _run(spec, image: np.ndarray, prompt: Prompt) -> np.ndarray:
    backend = build(spec)
    if prompt.mask is not None:
        prompt = Prompt(prompt.points, prompt.labels, prompt.box, read_only(prompt.mask))
    try:
        out = backend.segment(read_only(image), prompt)
    except Exception as exc:  # a plugin's bug must not take eraser down
        raise BackendFailure(spec, f"failed: {describe(exc)}") from None
    return _checked_mask(out, image.shape[:2], spec)


def _checked_mask(out: object, shape: tuple[int, ...], spec) -> np.ndarray:
    try:
        mask = np.asarray(out, dtype=np.float32)
    except (TypeError, ValueError):
        raise BackendFailure(spec, f"returned {type(out).__name__}, expected a float32 mask") from None
    if mask.shape != tuple(shape):
        raise BackendFailure(spec, f"returned a mask of shape {mask.shape}, expected {tuple(shape)}")
    # min and max carry any NaN or infinity: two passes over the mask, no full-size temporary
    low, high = (float(mask.min()), float(mask.max())) if mask.size else (0.0, 0.0)
    if not (np.isfinite(low) and np.isfinite(high)):
        raise BackendFailure(spec, "returned NaN or infinite mask values")
    if low < 0.0 or high > 1.0:
        mask = np.clip(mask, 0.0, 1.0)
    return mask

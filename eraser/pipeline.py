"""The data flow, stage by stage: segment -> refine -> plan regions -> inpaint -> composite.

Each stage has its own module and result type (:mod:`eraser.segment`
Selection, :mod:`eraser.refine` RefinedMask, :mod:`eraser.regions` Region,
:mod:`eraser.inpaint` fills, :mod:`eraser.composite`); this module chains them
on RGB ``uint8`` arrays. Loading and saving are :mod:`eraser.io`'s; an editing
session (:mod:`eraser.session`) keeps the state between clicks.
"""

from __future__ import annotations

import functools
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator, Optional, Sequence

import numpy as np

from eraser import regions, transparency
from eraser.cancel import check
from eraser.composite import composite_part, object_in_switch
from eraser.defaults import DEFAULT_DILATE, DEFAULT_FEATHER
from eraser.errors import EraserError
from eraser.fallback import build, choices, first_that_works
from eraser.inpaint import fill_region
from eraser.prompts import Point, Prompt, negative_points
from eraser.refine import RefinedMask, RefinedResult, refine
from eraser.segment import ObjectMask, Selection, segment_object, union


@dataclass
class Erasure(RefinedResult):
    """What one removal did: the erased RGB image and the refined mask behind it."""

    image: np.ndarray
    refined: RefinedMask
    selection: Optional[np.ndarray] = None  # float32 union of the segmented objects
    segmenters: list[str] = field(default_factory=list)
    inpainter: Optional[str] = None
    notices: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


@contextmanager
def timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


def inpainters(name: str) -> list:
    """The inpainters to try, in order: the one named, or ``auto``'s candidates.
    Called before any slow work, so a bad name fails at once."""
    return choices("inpainter", name)


def segmenters(name: str, prompt: Optional[Prompt] = None) -> list:
    """The segmenters to try for ``prompt``, in order; a bad name, or one
    that cannot take the prompt, fails at once, before any photo is read."""
    return choices("segmenter", name, prompt)


def erase(
    image: np.ndarray,
    refined: RefinedMask,
    inpainter: str = "auto",
    working_size: Optional[int] = None,
    timings: Optional[dict[str, float]] = None,
    chosen: Optional[Sequence] = None,
    alpha: Optional[np.ndarray] = None,
) -> Erasure:
    """Fill the refined hole and composite. ``chosen``: what :func:`inpainters`
    returned for ``inpainter``, if the caller asked already; ``working_size``
    overrides the backend's; ``alpha``, the photo's, keeps the colours hidden
    under its transparent pixels out of the fill (:mod:`eraser.transparency`)."""
    if refined.empty:
        raise EraserError("the selection is empty: the mask selects no pixels")
    timings = {} if timings is None else timings
    with timed(timings, "plan"):
        planned = regions.plan(refined)
    chosen = list(chosen) if chosen is not None else inpainters(inpainter)
    source = _without_hidden_colours(image, alpha, refined, planned)
    capped = object_in_switch(refined.dilate, refined.feather)
    spec, out, notices = first_that_works(chosen, inpainter != "auto",
                                          lambda s: _erase_with(s, image, source, planned, working_size, timings, capped),
                                          "no inpainter could fill the hole")
    return Erasure(out, refined, inpainter=spec.name, notices=notices, timings=timings)


def _without_hidden_colours(image: np.ndarray, alpha: Optional[np.ndarray], refined: RefinedMask,
                            planned: list[regions.Region]) -> np.ndarray:
    """``image`` as the fill reads it: alpha-0 pixels coloured from the visible ones around the
    hole, only within the rectangle the regions' crops span (a 12 MP photo half transparent:
    2.3 CPU-s whole)."""
    if alpha is None or not (alpha == 0).any():
        return image
    crops = functools.reduce(lambda a, b: a.union(b), (r.outer for r in planned)).slices
    span = transparency.hidden_colours_filled(image[crops], alpha[crops], refined.hole[crops])
    if np.shares_memory(span, image):  # nothing hidden there
        return image
    source = image.copy()
    source[crops] = span
    return source


def _erase_with(spec, image, source, planned: list[regions.Region], working_size, timings, capped: bool) -> np.ndarray:
    """``source``: what the fill reads (``image`` but where colours are hidden); the rest of ``image`` is kept.
    ``capped``: the composite's detail switch reaches the object (``composite.object_in_switch``)."""
    backend = build(spec)
    size = working_size or spec.working_size
    out = image.copy()
    for region in planned:
        check()  # the page's Escape: stop before each region (inpainters check within theirs)
        with timed(timings, "inpaint"):
            fill = fill_region(backend, spec, source, region, size)
        check()
        target = region.target
        with timed(timings, "composite"):
            for part in region.parts:
                rel = part.rect.relative_to(target)
                out[part.rect.slices] = composite_part(image, part.rect, fill[rel.slices], part.keep, source, capped)
    return out


def segmented(
    image: np.ndarray,
    prompts: Sequence[Prompt],
    segmenter: str = "auto",
    *,
    masks: Optional[list[Optional[ObjectMask]]] = None,
    timings: Optional[dict[str, float]] = None,
    away: Optional[np.ndarray] = None,
) -> Selection:
    """The segment stage alone: each prompt's object (``masks`` as in
    :func:`select`) and their union, less the ``away`` pixels (a bool mask of
    pixels that stay whatever object covers them: a brush's take-away strokes)."""
    if not prompts:
        raise EraserError("nothing to remove: give --point, --box or --mask")
    timings = {} if timings is None else timings
    masks = [None] * len(prompts) if masks is None else masks
    with timed(timings, "segment"):
        for i, prompt in enumerate(prompts):
            if masks[i] is None:
                masks[i] = segment_object(image, prompt, segmenter)
        selection = union(masks)
    if away is not None:  # a new array: the union may be an object's own cached mask
        selection.mask = np.where(away, np.float32(0), selection.mask).astype(np.float32, copy=False)
    return selection


def select(
    image: np.ndarray,
    prompts: Sequence[Prompt],
    segmenter: str = "auto",
    dilate: int = DEFAULT_DILATE,
    feather: float = DEFAULT_FEATHER,
    *,
    exclude: Optional[Sequence[Point]] = None,
    masks: Optional[list[Optional[ObjectMask]]] = None,
    timings: Optional[dict[str, float]] = None,
    away: Optional[np.ndarray] = None,
) -> tuple[Selection, RefinedMask]:
    """Segment each prompt's object and refine their union: the selection and
    the hole. ``exclude``: clicks the widened hole must not reach (default: the
    prompts' excluded clicks). ``masks``: one slot per prompt, a mask segmented
    earlier or None (filled in here): an editing session keeps them between
    clicks, so each object is segmented once. ``away``: as in :func:`segmented`."""
    timings = {} if timings is None else timings
    selection = segmented(image, prompts, segmenter, masks=masks, timings=timings, away=away)
    with timed(timings, "refine"):
        refined = refine(selection.mask, dilate, feather, negative_points(prompts) if exclude is None else exclude)
    if refined.empty:
        raise EraserError("the selection is empty: the prompts selected no pixels")
    return selection, refined


def run(
    image: np.ndarray,
    prompts: Sequence[Prompt],
    *,
    segmenter: str = "auto",
    inpainter: str = "auto",
    dilate: int = DEFAULT_DILATE,
    feather: float = DEFAULT_FEATHER,
    working_size: Optional[int] = None,
) -> Erasure:
    """Segment the prompted objects and erase them from ``image`` (RGB uint8):
    :func:`select`, then :func:`erase`, as an editing session does."""
    timings: dict[str, float] = {}
    chosen = inpainters(inpainter)
    selection, refined = select(image, prompts, segmenter, dilate, feather, timings=timings)
    result = erase(image, refined, inpainter, working_size, timings, chosen)
    result.selection, result.segmenters = selection.mask, selection.segmenters
    result.notices = selection.notices + refined.notices + result.notices
    return result

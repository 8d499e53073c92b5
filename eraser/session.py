"""An editing session: one photo while a person marks, previews, erases and undoes.

``eraser.remove``, the CLI commands and the web page all go through it::

    s = Session("photo.jpg")
    s.add(points=[(120, 80)])        # mark an object; returns a Preview
    s.add(exclude=[(130, 90)])       # a click that must stay
    s.erase()                        # the next image; marks are cleared
    s.undo(); s.redo()
    s.save("photo.erased.jpg")       # the bytes the CLI writes

Memory is bounded: each undo step keeps only the pixels the erase changed
(the rectangles around the holes, not the photo), at most ``history`` steps;
each marked object keeps one float32 mask (4 bytes a pixel) until the next
erase; segmenters keep their own caches (MobileSAM's embedding cache is
bounded by ``ERASER_EMBEDDING_CACHE_MB``).
"""

from __future__ import annotations

import numbers
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np

from eraser import pipeline
from eraser.defaults import DEFAULT_DILATE, DEFAULT_FEATHER, DEFAULT_HISTORY, DEFAULT_MAX_PIXELS
from eraser.errors import EraserError
from eraser.fallback import frozen
from eraser.cancel import Cancelled, cancellable
from eraser.floats import shown
from eraser.geometry import Rect
from eraser.prompts import Point, Prompt, as_points, make_prompts
from eraser.refine import RefinedMask, RefinedResult, check
from eraser.segment import ObjectMask, Selection

MAX_HISTORY = 1000


@dataclass
class Preview(RefinedResult):
    """What an erase would change now: the selection and its refined mask."""

    selection: np.ndarray
    refined: RefinedMask
    segmenters: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class _Step:
    """One erase, as the pixels it changed: enough to undo or redo it."""

    rects: list[Rect]
    before: list[np.ndarray]
    after: list[np.ndarray]


class Session:
    """One loaded photo being edited (see the module docstring)."""

    def __init__(
        self,
        source: Any,
        *,
        segmenter: str = "auto",
        inpainter: str = "auto",
        dilate: int = DEFAULT_DILATE,
        feather: float = DEFAULT_FEATHER,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        history: int = DEFAULT_HISTORY,
    ) -> None:
        from eraser.io import load_image

        for name, value in (("segmenter", segmenter), ("inpainter", inpainter)):
            if not isinstance(value, str):
                raise EraserError(f"{name} must be a backend name, not {shown(value)}")
        if isinstance(history, bool) or not isinstance(history, numbers.Integral) or not 0 <= history <= MAX_HISTORY:
            raise EraserError(f"history must be a whole number from 0 to {MAX_HISTORY}, not {shown(history)}")
        pipeline.inpainters(inpainter)  # a bad name fails before the photo is read
        self.loaded = load_image(source, max_pixels=max_pixels)
        self.dilate, self.feather = check(dilate, feather, self.loaded.rgb.shape)
        self.segmenter, self.inpainter = segmenter, inpainter
        # frozen: a segmenter keys its cached features by the array, not by
        # reading 36 MB again on each click (eraser.photo_key.image_key)
        # a caller's array is copied, unless loading made a new one already (gray, RGBA)
        shared = isinstance(source, np.ndarray) and np.shares_memory(self.loaded.rgb, source)
        self._image = frozen(self.loaded.rgb, shared=shared)
        self._objects: list[Prompt] = []
        self._masks: list[Optional[ObjectMask]] = []
        self._exclude: list[Point] = []
        self._away: Optional[np.ndarray] = None  # pixels taken away from the selection (bool), or None
        # per object: the pixels taken away that marking it brought back (pop() takes them away again)
        self._brought: list[Optional[np.ndarray]] = []
        self._undo: deque[_Step] = deque(maxlen=int(history))
        self._redo: list[_Step] = []
        self._preview: Optional[tuple[tuple, Preview]] = None  # the last preview and the settings it used
        self._glimpse: Optional[tuple[tuple, Preview]] = None  # the last preview at the view's size, and its key
        self.view: Optional[tuple[int, int]] = None  # (width, height): add() answers with glimpse(view)
        self._segmented_with: Optional[str] = None  # the segmenter the cached object masks came from
        self._prompt_seconds = 0.0  # parsing and loading prompts since the last erase
        self._suggested: Optional[tuple[np.ndarray, tuple, list[dict]]] = None  # image, options, records

    # -- the photo ---------------------------------------------------------
    @property
    def notices(self) -> list[str]:
        """What the photo's loading noticed (e.g. "has 3 frames (pages); only the
        first is edited and written"); every erase's notices start with these."""
        return list(self.loaded.notices)

    @property
    def image(self) -> np.ndarray:
        """The current RGB ``uint8`` image (read-only)."""
        return self._image

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)``."""
        return self._image.shape[1], self._image.shape[0]

    # -- marking -----------------------------------------------------------
    @property
    def objects(self) -> list[Prompt]:
        """The objects marked for the next erase, with the session's exclusions."""
        return [self._with_exclusions(p) for p in self._objects]

    @property
    def exclusions(self) -> list[Point]:
        return list(self._exclude)

    @property
    def taken_away(self) -> Optional[np.ndarray]:
        """Pixels that stay whatever object covers them (a bool mask of the
        photo's size, or ``None``): an editor's take-away brush strokes. They are
        cut from the union of the objects' masks after segmenting, so the
        objects keep their clicks (and their cached masks). In history order: an
        object marked later (:meth:`add`) wins where it overlaps them, so a click
        on a spot taken away brings back the object it marks, and :meth:`pop`
        takes away again exactly what the popped object brought back. Setting
        it is a new step: pixels it brings back stay back after a later
        :meth:`pop`; ``None`` forgets every take-away. Cleared with the marks."""
        return self._away

    @taken_away.setter
    def taken_away(self, mask: Optional[np.ndarray]) -> None:
        if mask is not None:
            mask = _away_mask(mask, self.size)
            mask = mask.copy() if mask.any() else None
        if mask is None:
            self._brought = [None] * len(self._objects)
        elif self._away is not None:
            returned = self._away & ~mask  # brought back by this step: a pop must not take them away again
            self._brought = [None if b is None else _some(b & ~returned) for b in self._brought]
        self._away = mask
        self._preview = self._glimpse = None

    def add(self, points: Any = None, boxes: Any = None, exclude: Any = None, mask: Any = None) -> Optional[Preview]:
        """Mark objects (same forms as :func:`eraser.remove`); returns the new preview
        (:meth:`glimpse` at ``view`` when that is set: an editor shows it, and
        the full-resolution refinement waits for the erase).

        ``exclude`` clicks apply to every object, marked before or after.
        Returns ``None`` when nothing is marked yet (only exclusions given).
        """
        width, height = self.size
        start = time.perf_counter()
        new_exclusions = as_points(exclude)
        prompts = make_prompts(width, height, points, boxes, new_exclusions, mask)
        self._prompt_seconds += time.perf_counter() - start
        saved = (list(self._objects), list(self._masks), list(self._exclude), list(self._brought))
        for p in prompts:
            self._objects.append(Prompt(p.positive_points, (1,) * len(p.positive_points), p.box, p.mask))
            self._masks.append(None)
            self._brought.append(None)
        fresh = [p for p in new_exclusions if p not in self._exclude]
        if fresh:
            self._exclude += fresh
            self._masks = [None] * len(self._objects)  # every object is segmented again
        self._preview = self._glimpse = None
        saved_away = self._away
        try:
            if prompts and self._away is not None:
                self._bring_back(len(prompts))
            if not self._objects:
                return None
            return self.glimpse(self.view) if self.view is not None else self.preview()
        except BaseException:
            # A mark that cannot be previewed is not kept: the session stays as it was.
            self._objects, self._masks, self._exclude, self._brought = saved
            self._away = saved_away
            raise

    def _bring_back(self, count: int) -> None:
        """History order: the last ``count`` objects, marked after the pixels
        were taken away, win where they overlap them (a click on a spot taken
        away brings back the object it marks)."""
        self.selection()  # segments the new objects (cached for the preview)
        away = self._away
        for i in range(len(self._masks) - count, len(self._masks)):
            brought = _some(away & (self._masks[i].mask >= 0.5))
            if brought is not None:  # kept per object, so pop() can take them away again
                self._brought[i] = brought
                away = away & ~brought
        self._away = _some(away)

    def grow(self, points: Any = None, boxes: Any = None, mask: Any = None) -> Optional[Preview]:
        """Mark the last object again, grown (one more click, a larger painted
        area; the forms of :meth:`add`, one object). It keeps its place in
        history: pixels taken away after it was marked stay away where it
        covered them, and only what the new mask adds wins over pixels taken
        away; a new click that lands on a pixel taken away is a later mark, so
        the whole object it now marks comes back. :meth:`pop` undoes it exactly."""
        if not self._objects:
            raise EraserError("no object is marked")
        width, height = self.size
        prompts = make_prompts(width, height, points, boxes, None, mask)
        if len(prompts) != 1:
            raise EraserError(f"grow() takes one object, not {len(prompts)}")
        self.selection()  # the last object segmented: what it covered before
        saved = (list(self._objects), list(self._masks), self._away, list(self._brought))
        old, before, away = self._objects[-1], self._masks[-1].mask >= 0.5, self._away
        self.pop()
        restored = self._away  # as it was before the object was marked
        new = prompts[0]
        self._objects.append(Prompt(new.positive_points, (1,) * len(new.positive_points), new.box, new.mask))
        self._masks.append(None)
        self._brought.append(None)
        try:
            self.selection()
            after = self._masks[-1].mask >= 0.5
            added = [q for q in new.positive_points if q not in old.positive_points]
            if away is not None and any(away[_pixel_at(q, self.size)] for q in added):
                final = None if restored is None else _some(restored & ~after)
            else:
                final = None if away is None else _some(away & ~(after & ~before))
            self._away = final
            if restored is not None:
                self._brought[-1] = _some(restored if final is None else restored & ~final)
            self._preview = self._glimpse = None
            return self.glimpse(self.view) if self.view is not None else self.preview()
        except BaseException:
            self._objects, self._masks, self._away, self._brought = saved
            self._preview = self._glimpse = None
            raise

    def suggestions(self, segmenter: str = "auto", **options: Any) -> list[dict]:
        """Every object a SAM model (a segmenter that can segment everything)
        finds in the current image (``options`` as :func:`eraser.segment_everything`
        takes them), best first: records with their ``mask``. Mark one with
        ``add(mask=record["mask"])``. Kept until the image changes."""
        from eraser.everything.run import segment_everything

        key = (segmenter, tuple(sorted(options.items())))
        if self._suggested is None or self._suggested[0] is not self._image or self._suggested[1] != key:
            records = segment_everything(self._image, segmenter=segmenter, **options)
            self._suggested = (self._image, key, records)
        return self._suggested[2]

    def object_mask(self, index: int = -1) -> Optional[np.ndarray]:
        """A marked object's own segmented mask (float32, before refinement), or
        ``None`` when it is not segmented yet (no preview since it was marked)."""
        if not self._masks or self._masks[index] is None:
            return None
        return self._masks[index].mask

    def pop(self) -> None:
        """Forget the last marked object. The pixels taken away that it brought
        back (marked later, it won over them) are taken away again, so add()
        then pop() leaves :attr:`taken_away` as it was."""
        if not self._objects:
            raise EraserError("no object is marked")
        self._objects.pop()
        self._masks.pop()
        brought = self._brought.pop()
        if brought is not None:
            self._away = brought if self._away is None else self._away | brought
        self._preview = self._glimpse = None

    def clear(self) -> None:
        """Forget every marked object, exclusion and pixel taken away."""
        self._forget_marks()
        self._exclude = []

    def _forget_marks(self) -> None:
        self._objects, self._masks, self._preview, self._glimpse, self._prompt_seconds = [], [], None, None, 0.0
        self._away, self._brought = None, []

    def _with_exclusions(self, prompt: Prompt) -> Prompt:
        points = tuple(prompt.points) + tuple(self._exclude)
        labels = tuple(prompt.labels) + (0,) * len(self._exclude)
        return Prompt(points, labels, prompt.box, prompt.mask)

    # -- preview, erase, history ---------------------------------------------
    def selection(self, timings: Optional[dict[str, float]] = None) -> Selection:
        """The marked objects' segmentation alone (each object once, cached):
        their union, before any refinement."""
        if not self._objects:
            raise EraserError("nothing to remove: give --point, --box or --mask")
        if self.segmenter != self._segmented_with:
            self._masks = [None] * len(self._objects)
            self._segmented_with = self.segmenter
        return pipeline.segmented(self._image, [self._with_exclusions(p) for p in self._objects], self.segmenter,
                                  masks=self._masks, timings=timings, away=self._away)

    def glimpse(self, size: tuple[int, int]) -> Preview:
        """The preview for showing at ``size`` (width, height): the same
        segmentation, refined at that size (:mod:`eraser.refine_view`), so its
        ``refined`` is ``size`` big. Falls back to :meth:`preview` where the
        object vanishes at that size or a full preview is already made. At the
        photo's own size it still pays: one crop instead of a rectangle per
        speck of a speckled mask."""
        from eraser.refine_view import refine_view

        size = (int(size[0]), int(size[1]))
        self.dilate, self.feather = check(self.dilate, self.feather, self._image.shape)
        settings = (self.segmenter, self.dilate, self.feather)
        if self._preview is not None and self._preview[0] == settings:
            return self.preview()
        if self._glimpse is not None and self._glimpse[0] == (settings, size):
            return self._glimpse[1]
        timings: dict[str, float] = {"prompts": self._prompt_seconds} if self._prompt_seconds else {}
        selection = self.selection(timings)
        start = time.perf_counter()
        refined = refine_view(selection.mask, size, self.dilate, self.feather, self._exclude)
        timings["refine"] = time.perf_counter() - start  # at the view's size
        if refined.empty:
            return self.preview()
        notices = selection.notices + [n for n in refined.notices if n not in selection.notices]
        glimpse = Preview(selection.mask, refined, selection.segmenters, notices, timings)
        self._glimpse = ((settings, size), glimpse)
        return glimpse

    def preview(self) -> Preview:
        """Segment what is marked (each object once, cached) and refine it."""
        if not self._objects:
            raise EraserError("nothing to remove: give --point, --box or --mask")
        self.dilate, self.feather = check(self.dilate, self.feather, self._image.shape)
        if self.segmenter != self._segmented_with:
            self._masks = [None] * len(self._objects)
            self._segmented_with = self.segmenter
        settings = (self.segmenter, self.dilate, self.feather)
        if self._preview is not None and self._preview[0] == settings:
            return self._preview[1]
        timings: dict[str, float] = {"prompts": self._prompt_seconds} if self._prompt_seconds else {}
        # the exclusions apply to every object (and keep the hole away from them)
        selection, refined = pipeline.select(
            self._image, [self._with_exclusions(p) for p in self._objects], self.segmenter, self.dilate, self.feather,
            exclude=self._exclude, masks=self._masks, timings=timings, away=self._away)
        notices = selection.notices + [n for n in refined.notices if n not in selection.notices]
        preview = Preview(selection.mask, refined, selection.segmenters, notices, timings)
        self._preview = (settings, preview)
        return preview

    def erase(self, wanted: Optional[Any] = None) -> pipeline.Erasure:
        """Erase the marked objects; the result becomes the current image.

        ``wanted``, a callable, is asked between the stages and steps of the
        fill (see :mod:`eraser.cancel`) and once it is made: when it says no,
        the work stops, :class:`Cancelled` is raised and the image, marks and
        history stay as they were."""
        preview = self.preview()
        with cancellable(wanted):
            result = pipeline.erase(self._image, preview.refined, self.inpainter, timings=dict(preview.timings),
                                    alpha=self.loaded.alpha)
        if wanted is not None and not wanted():
            raise Cancelled("the erase was cancelled; the photo is as before")
        result.selection, result.segmenters = preview.selection, preview.segmenters
        result.notices = self.notices + [n for n in preview.notices + result.notices if n not in self.notices]
        if self._undo.maxlen:
            rects = [part.rect for part in preview.refined.parts]
            before = [self._image[r.slices].copy() for r in rects]
            self._undo.append(_Step(rects, before, [result.image[r.slices].copy() for r in rects]))
        self._redo.clear()
        self._image = frozen(result.image, shared=True)  # the caller holds result.image
        self._forget_marks()
        return result

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> None:
        """Go back one erase (marks are cleared)."""
        self._step(self._undo, self._redo, "before", "nothing to undo")

    def redo(self) -> None:
        """Apply the last undone erase again."""
        self._step(self._redo, self._undo, "after", "nothing to redo")

    def _step(self, source, target, side: str, empty: str) -> None:
        if not source:
            raise EraserError(empty)
        step = source.pop()
        self._image = frozen(_paste(self._image, step.rects, getattr(step, side)))
        target.append(step)
        self._forget_marks()

    # -- output ------------------------------------------------------------
    def save(self, path: Union[str, Path], overwrite: bool = False) -> Path:
        """Write the current image as the CLI does: same format rules and metadata."""
        from eraser.arguments import flag, location
        from eraser.io import save_image

        location("path", path)
        overwrite = flag("overwrite", overwrite)
        save_image(self.loaded, np.asarray(self._image), Path(path), overwrite=overwrite)
        return Path(path)

    def to_pil(self):
        """The current image as a PIL image, with the original's alpha and mode."""
        from eraser.io import to_pil

        return to_pil(self.loaded, np.asarray(self._image))


def _paste(image: np.ndarray, rects: list[Rect], pixels: list[np.ndarray]) -> np.ndarray:
    out = image.copy()
    for rect, block in zip(rects, pixels):
        out[rect.slices] = block
    return out


def _pixel_at(point, size: tuple[int, int]) -> tuple[int, int]:
    """The (row, column) index of a click, clamped into the photo."""
    width, height = size
    x, y = (min(max(int(v), 0), limit - 1) for v, limit in zip(point, (width, height)))
    return y, x


def _some(mask: np.ndarray) -> Optional[np.ndarray]:
    """A bool mask, or ``None`` when it has no pixel set."""
    return mask if mask.any() else None


def _away_mask(mask: Any, size: tuple[int, int]) -> np.ndarray:
    """``taken_away`` as given, checked: a bool array of the photo's size."""
    width, height = size
    if not isinstance(mask, np.ndarray) or mask.dtype != np.bool_:
        kind = mask.dtype if isinstance(mask, np.ndarray) else type(mask).__name__
        raise TypeError(f"taken_away must be a bool array of {height}x{width} (rows x columns) or None, not {kind}")
    if mask.shape != (height, width):
        shape = "x".join(str(n) for n in mask.shape) or "a scalar"
        raise EraserError(f"taken_away is {shape} (rows x columns); the photo is {height}x{width}")
    return mask

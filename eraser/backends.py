"""The contract between the pipeline and its backends, written down once.

The pipeline owns loading, prompts, cropping, resizing, mask refinement,
compositing and saving, so a backend stays small:

* an **inpainter** gets an RGB ``uint8`` array of shape ``(H, W, 3)`` and a
  ``bool`` mask of shape ``(H, W)`` (True = fill this pixel) and returns an RGB
  ``uint8`` array of the same shape. Pixels outside the mask may be returned
  changed; the pipeline ignores them.
* a **segmenter** gets the same RGB image and one :class:`Prompt` (one object)
  and returns a ``float32`` mask of shape ``(H, W)`` with values in ``[0, 1]``
  (1 = part of the object).

* a **tracker** gets an iterator of RGB frames (the key frame first, then
  the frames to follow, forwards or backwards) and the key frame's ``float32``
  mask, and yields one ``float32`` mask per frame after the key frame, or one
  :class:`TrackLost` (then stops) where the object left the view or the track can no longer be trusted.
  ``refit(image, box)``, when given, is the photo segmenter run on a box
  around the object; it returns a ``float32`` mask of the whole frame.

All must be deterministic: the same input gives the same output. What a
plugin registers about a backend (its name, factory, priority...) is an
:class:`eraser.registry.BackendSpec`.

A segmenter registered with ``capabilities=("everything",)`` can also
**segment everything** (:mod:`eraser.everything`): it is an
:class:`EverythingSegmenter` too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Literal, Optional, Protocol, Union, runtime_checkable

import numpy as np

from eraser.errors import EraserError
from eraser.prompts import Prompt, PromptKind  # noqa: F401  (part of the contract)

Kind = Literal["segmenter", "inpainter", "tracker"]


@runtime_checkable
class Inpainter(Protocol):
    def inpaint(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray: ...


@runtime_checkable
class Segmenter(Protocol):
    def segment(self, image: np.ndarray, prompt: Prompt) -> np.ndarray: ...


@dataclass(frozen=True)
class TrackLost:
    """What a tracker yields where it stops: why (one line: left the view,
    hidden, drifted)."""

    reason: str


@runtime_checkable
class Tracker(Protocol):
    def track(
        self,
        frames: Iterable[np.ndarray],
        mask: np.ndarray,
        refit: Optional[Callable[[np.ndarray, tuple[int, int, int, int]], np.ndarray]] = None,
    ) -> Iterator[Union[np.ndarray, TrackLost]]: ...


@runtime_checkable
class EverythingSegmenter(Protocol):
    """What segment everything needs of a segmenter: the image encoder run
    once per crop, and the mask decoder run on a batch of single-point prompts.

    The generator keeps a candidate by its predicted IoU and by its stability
    (how little the mask changes when the logits' threshold 0 moves by an
    offset), measured on :meth:`upscale`'s logits.
    """

    def embed(self, crop: np.ndarray) -> object:
        """RGB uint8 ``(h, w, 3)`` -> the crop's embedding (opaque: only
        :meth:`decode` reads it)."""

    def decode(self, embedding: object, crop_shape: tuple[int, int], points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(B, 2)`` float ``(x, y)`` pixel points in the crop, one prompt
        each -> ``(B, K, m, n)`` low-resolution mask logits (K candidate
        masks per point) and ``(B, K)`` predicted IoUs."""

    def upscale(self, logits: np.ndarray, crop_shape: tuple[int, int]) -> np.ndarray:
        """One ``(m, n)`` logit map -> float32 logits ``crop_shape`` in size
        (a pixel is in the mask where its logit is above 0)."""


class BackendFailure(EraserError):
    """A backend raised or broke its contract; ``auto`` tries the next one."""

    def __init__(self, spec, what: str) -> None:
        super().__init__(f"{spec.kind} {spec.name!r} ({spec.plugin}) {what}")
        self.spec = spec


def read_only(array: np.ndarray) -> np.ndarray:
    """A view a backend cannot write through (the pipeline keeps the original)."""
    view = array.view()
    view.flags.writeable = False
    return view


def describe(exc: BaseException) -> str:
    """One line for an exception a backend raised."""
    text = str(exc).strip().splitlines()
    if isinstance(exc, EraserError):
        return text[0] if text else type(exc).__name__
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def build(spec) -> object:
    """The backend object for ``spec``; a factory that raises is a BackendFailure."""
    from eraser import registry

    try:
        return registry.build(spec)
    except Exception as exc:  # a plugin's bug must not take eraser down
        raise BackendFailure(spec, f"could not be started: {describe(exc)}") from None


def passed_over(chosen, prompt: Optional[Prompt] = None) -> list[str]:
    """Notes for the better backends ``auto`` passed over because they are not usable."""
    from eraser import registry

    notes = []
    better = [spec for spec in registry.backends(chosen.kind).values() if spec.priority > chosen.priority
              and not (spec.kind == "segmenter" and prompt is not None and prompt.kind not in spec.prompts)]
    for spec in sorted(better, key=lambda s: -s.priority):
        reason = spec.unavailable_reason()
        # a model never installed is worth one hint (the best), not one per
        # model a plugin offers; anything else wrong is always said
        if reason is not None and (not notes or "is not installed" not in reason):
            notes.append(f"using {chosen.kind} {chosen.name!r} because {spec.name!r} is not available: {reason}")
    return notes

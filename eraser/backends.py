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
  mask, and yields for each frame after the key frame one ``float32`` mask
  (the object's visible part) or a :class:`Hidden` (it is wholly behind
  something; the track goes on), or once :class:`TrackLost` (then stops)
  where the object left the view or the track can no longer be trusted.
  ``refit(image, box)``, when given, is the photo segmenter run on a box
  around the object; it returns a ``float32`` mask of the whole frame.

All must be deterministic: the same input gives the same output. What a
plugin registers about a backend (its name, factory, priority...) is an
:class:`eraser.registry.BackendSpec`; how eraser builds and runs one, and
falls back when it fails, is :mod:`eraser.fallback`.

A segmenter registered with ``capabilities=("everything",)`` can also
**segment everything** (:mod:`eraser.everything`): it is an
:class:`EverythingSegmenter` too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Literal, Optional, Protocol, Union, runtime_checkable

import numpy as np

if TYPE_CHECKING:  # a leaf: this module imports nothing of eraser's when it runs
    from eraser.prompts import Prompt

Kind = Literal["segmenter", "inpainter", "tracker"]


@runtime_checkable
class Inpainter(Protocol):
    def inpaint(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray: ...


@runtime_checkable
class Segmenter(Protocol):
    def segment(self, image: np.ndarray, prompt: "Prompt") -> np.ndarray: ...


@dataclass(frozen=True)
class TrackLost:
    """What a tracker yields where it stops: why (one line: left the view,
    hidden, drifted)."""

    reason: str


@dataclass(frozen=True)
class Hidden:
    """What a tracker yields for a frame in which the object is wholly out of
    sight behind something; unlike :class:`TrackLost` the track goes on (the
    object may come out again)."""

    reason: str = "hidden"


@runtime_checkable
class Tracker(Protocol):
    def track(
        self,
        frames: Iterable[np.ndarray],
        mask: np.ndarray,
        refit: Optional[Callable[[np.ndarray, tuple[int, int, int, int]], np.ndarray]] = None,
    ) -> Iterator[Union[np.ndarray, Hidden, TrackLost]]: ...


@runtime_checkable
class EverythingSegmenter(Protocol):
    """What segment everything needs of a segmenter: the image encoder run
    once per crop, and the mask decoder run on a batch of single-point prompts.

    The generator keeps a candidate by its predicted IoU and by its stability
    (how little the mask changes when the logits' threshold 0 moves by an
    offset), measured on :meth:`upscale`'s logits.

    Optionally (not part of the protocol's check) an ``everything_defaults``
    mapping of :class:`eraser.everything.generator.Options` names to values:
    the model's own defaults (SAM 2.1 gives SAM2AutomaticMaskGenerator's),
    used where the user sets nothing; without it, SamAutomaticMaskGenerator's.
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

"""Stage: track. The key frame's mask followed through the clip in both
directions by a tracker backend; masks kept small (packed bits of their box).

Forwards the frames stream from the decoder; backwards they are decoded in
chunks of ``CHUNK`` frames and handed over last first, so memory stays bounded.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Callable, Iterator, Optional

import cv2
import numpy as np

from eraser import registry
from eraser.backends import Hidden, TrackLost
from eraser.errors import BackendFailure, EraserError
from eraser.fallback import build, describe, read_only
from eraser.prompts import Prompt
from eraser.segment import segment_object
from eraser.video.clip import Clip, frames

CHUNK = 32  # frames decoded at once when tracking backwards
REFIT_SIDE = 160  # the re-fit runs on the box's neighbourhood scaled to this longest side (GrabCut costs most of a track)


@dataclass
class PackedMask:
    """A binary mask as its bounding box and the packed bits inside it,
    compressed (zlib): every frame's mask is kept for the whole clip, the one
    thing that grows with its length (docs/video.md, memory)."""

    shape: tuple[int, int]
    box: tuple[int, int, int, int]  # x0, y0, x1, y1
    bits: bytes

    @classmethod
    def pack(cls, mask: np.ndarray) -> "PackedMask":
        binary = np.asarray(mask) >= 0.5
        rows = np.flatnonzero(binary.any(axis=1))  # the box without listing every pixel
        if rows.size == 0:
            return cls(binary.shape, (0, 0, 0, 0), b"")
        cols = np.flatnonzero(binary.any(axis=0))
        x0, x1, y0, y1 = int(cols[0]), int(cols[-1]) + 1, int(rows[0]), int(rows[-1]) + 1
        return cls(binary.shape, (x0, y0, x1, y1), zlib.compress(np.packbits(binary[y0:y1, x0:x1]).tobytes(), 1))

    def unpack(self) -> np.ndarray:
        out = np.zeros(self.shape, bool)
        x0, y0, x1, y1 = self.box
        if x1 > x0:
            count = (y1 - y0) * (x1 - x0)
            bits = np.unpackbits(np.frombuffer(zlib.decompress(self.bits), np.uint8), count=count)
            out[y0:y1, x0:x1] = bits.reshape(y1 - y0, x1 - x0).astype(bool)
        return out

    @property
    def empty(self) -> bool:
        return self.box[2] <= self.box[0]


@dataclass
class Track:
    """The tracked masks by frame number, and where and why each direction stopped."""

    masks: dict[int, PackedMask]
    stops: list[str]
    tracker: str
    hidden: list[int] = field(default_factory=list)  # frames in which the tracker said the object is hidden
    # the last hidden frame before the object was found again (in the tracking's
    # order) -> the frame it was found on: part of it may already show there,
    # and it is erased with that frame's mask
    regained: dict[int, int] = field(default_factory=dict)

    def notes(self) -> list[str]:
        """Where the object was hidden (as runs of frames) and where tracking stopped."""
        runs: list[list[int]] = []
        for n in sorted(set(self.hidden) - set(self.regained)):  # those are erased (eraser.video.erase)
            if runs and n == runs[-1][1] + 1:
                runs[-1][1] = n
            else:
                runs.append([n, n])
        spans = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in runs)
        return ([f"the object is hidden (nothing erased) in frames {spans}"] if runs else []) + self.stops


def refitter(segmenter: str) -> Optional[Callable[[np.ndarray, tuple[int, int, int, int]], np.ndarray]]:
    """The photo segmenter as a tracker's ``refit(image, box)``, or None when
    ``segmenter`` takes no boxes. It runs on the box's neighbourhood, scaled
    down: a re-fit per frame must cost little."""
    try:
        registry.choose("segmenter", segmenter, Prompt(box=(0, 0, 2, 2)))
    except EraserError:
        return None

    def refit(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
        height, width = image.shape[:2]
        x0, y0, x1, y1 = box
        pad = max(8, (x1 - x0 + y1 - y0) // 8)
        cx0, cy0, cx1, cy1 = max(0, x0 - pad), max(0, y0 - pad), min(width, x1 + pad), min(height, y1 + pad)
        crop = image[cy0:cy1, cx0:cx1]
        scale = min(1.0, REFIT_SIDE / max(crop.shape[:2]))
        small = crop if scale == 1.0 else cv2.resize(
            crop, (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale))), interpolation=cv2.INTER_AREA)
        sb = (int((x0 - cx0) * scale), int((y0 - cy0) * scale), max(1, round((x1 - cx0) * scale)), max(1, round((y1 - cy0) * scale)))
        sb = (min(sb[0], small.shape[1] - 1), min(sb[1], small.shape[0] - 1), min(max(sb[2], sb[0] + 1), small.shape[1]), min(max(sb[3], sb[1] + 1), small.shape[0]))
        mask = segment_object(small, Prompt(box=sb), segmenter).mask
        out = np.zeros((height, width), np.float32)
        out[cy0:cy1, cx0:cx1] = mask if scale == 1.0 else cv2.resize(mask, (crop.shape[1], crop.shape[0]), interpolation=cv2.INTER_LINEAR)
        return out

    return refit


def track(
    clip: Clip,
    key: int,
    key_mask: np.ndarray,
    first: int,
    last: int,
    tracker: str = "auto",
    segmenter: str = "auto",
    progress: Optional[Callable[[int], None]] = None,
) -> Track:
    """Follow ``key_mask`` from frame ``key`` to ``first`` and to ``last`` (included)."""
    spec = registry.choose("tracker", tracker)
    backend = build(spec)
    refit = refitter(segmenter)
    masks = {key: PackedMask.pack(key_mask)}
    stops: list[str] = []
    hidden: list[int] = []
    regained: dict[int, int] = {}
    tick = progress or (lambda n: None)
    tick(1)
    forward = (f for _, f in frames(clip, key, last + 1))
    backward = _backwards(clip, first, key)
    for direction, numbers, source in (("forwards", range(key + 1, last + 1), forward),
                                       ("backwards", range(key - 1, first - 1, -1), backward)):
        if not len(numbers):
            continue
        steps = _run(spec, backend, source, key_mask, refit)
        unseen = None  # the last frame the object was hidden in
        for number in numbers:
            step = next(steps, None)
            if step is None:
                raise BackendFailure(spec, f"stopped without a mask or a reason at frame {number}")
            if isinstance(step, TrackLost):
                stops.append(f"tracking {direction} stopped at frame {number}: {step.reason}")
                break
            if isinstance(step, Hidden):
                hidden.append(number)
                masks[number] = PackedMask.pack(np.zeros(key_mask.shape, bool))
                unseen = number
            else:
                masks[number] = PackedMask.pack(_checked(step, key_mask.shape, spec))
                if unseen is not None:
                    regained[unseen], unseen = number, None
            tick(1)
    return Track(masks, stops, spec.name, hidden, regained)


def _run(spec, backend, source: Iterator[np.ndarray], mask: np.ndarray, refit) -> Iterator:
    try:
        yield from backend.track((read_only(f) for f in source), read_only(mask), refit)
    except EraserError:
        raise
    except Exception as exc:  # a plugin's bug must not take eraser down
        raise BackendFailure(spec, f"failed: {describe(exc)}") from None


def _backwards(clip: Clip, first: int, key: int) -> Iterator[np.ndarray]:
    """Frames ``key`` down to ``first``, decoded ``CHUNK`` at a time."""
    for stop in range(key + 1, first, -CHUNK):
        start = max(first, stop - CHUNK)
        chunk = [f for _, f in frames(clip, start, stop)]
        yield from reversed(chunk)


def _checked(mask: object, shape: tuple[int, ...], spec) -> np.ndarray:
    out = np.asarray(mask, np.float32)
    if out.shape != tuple(shape):
        raise BackendFailure(spec, f"returned a mask of shape {out.shape}, expected {tuple(shape)}")
    if not np.isfinite(out).all():
        raise BackendFailure(spec, "returned NaN or infinite mask values")
    return out

"""The fill's tone joined to the photo's along the hole's border.

A patch fill copies pieces from beside the hole; where the surroundings'
tone drifts (a sky brightening upwards, light falling off over a lawn) the
copies carry their own place's tone, and the hole reads as a column or
a patch of a different shade. Here the mismatch of the two sides' local
means along the border is spread over the hole
(``harmonic.spread``): the median mismatch everywhere, plus each border
pixel's own departure from it where that departure is small (a drift of tone),
not where it is large (a label or a tag beside the hole: spread in, that
was a plume of the label's colour)."""

from __future__ import annotations

import cv2
import numpy as np

from eraser_layered.channels import largest
from eraser_layered.harmonic import spread

SIGMA = 3.0  # px: the local means' blur
# Grey levels: a border pixel's departure from the median mismatch is kept
# fully up to GATE, fading out to nothing at twice that.
GATE = 10.0
DRIFT_DEPTH = 8.0  # px: holes thinner than this (a watermark's strokes) take the median mismatch only
REACH = 13  # px beyond the hole's box that its border's local means read (cv2's kernel for SIGMA: 12 px each side)


def match_border(image: np.ndarray, fill: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """``fill`` (uint8) with its hole pixels shifted so their local mean meets
    the photo's along the border. Only the hole's box and what its border's
    means read take part (the same pixels as over the whole crop: on the
    12 MP job the crop's rest was most of this step's time)."""
    if not hole.any():
        return fill.copy()
    near = _box(hole, REACH)
    out = fill.copy()
    out[near] = _matched(image[near], fill[near], hole[near])
    return out


def _matched(image: np.ndarray, fill: np.ndarray, hole: np.ndarray) -> np.ndarray:
    known = (~hole).astype(np.float32)
    inside = hole.astype(np.float32)
    img, out = image.astype(np.float32), fill.astype(np.float32)
    blur = lambda a: cv2.GaussianBlur(a, (0, 0), SIGMA)  # noqa: E731
    ring = cv2.dilate(hole.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    border = ~hole & ring  # known pixels touching the hole: the shift's frame
    if not border.any():
        return fill.copy()
    # The two sides' local means, divided out only on the frame, where they are read.
    mean = lambda a, w: blur(a * w[..., None])[border] / np.maximum(blur(w)[border], 1e-4)[:, None]  # noqa: E731
    mismatch = mean(img, known) - mean(out, inside)
    median = np.median(mismatch, axis=0)
    result = fill.copy()
    if cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3).max() < DRIFT_DEPTH:
        result[hole] = _rounded(out[hole] + median)  # too thin for a drift of tone across it: the median alone
        return result
    departure = mismatch - median  # only the frame's pixels take it
    keep = np.clip(2.0 - largest(np.abs(departure)) / GATE, 0.0, 1.0)
    frame = np.broadcast_to(median, img.shape).astype(np.float32).copy()
    frame[border] += keep * departure
    box = _box(hole)
    h = hole[box]
    shift = spread(frame[box], border[box], h)
    result[box][h] = _rounded(out[box][h] + shift[h])
    return result


def _rounded(values: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def _box(hole: np.ndarray, margin: int = 1) -> tuple[slice, slice]:
    ys, xs = np.nonzero(hole)
    return slice(max(ys.min() - margin, 0), ys.max() + margin + 1), slice(max(xs.min() - margin, 0), xs.max() + margin + 1)

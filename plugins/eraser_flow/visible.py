"""The visible part of an object partly behind a thing of its own colours.

Colours alone cannot tell the object from a like thing in front of it (the
``flow`` tracker's "joined" state). Two cues tell them apart at some pixels:

- its look (the Lab colours of its last frame in full view, placed where it
  has moved): where the frame differs much from it, something else is there;
  where the frame matches a pixel of the look that stands out from the look's
  usual colour (a highlight, an edge inside it), the object is there (a pixel
  of its usual colour matches a like thing as well);
- its motion: where the dense flow back to the previous frame moves as the
  object does (and the object moves), the object is there.

Pixels with neither cue (dark on dark) go to the nearer kind of evidence: the
edge of what is in front runs between the two.
"""

from __future__ import annotations

from typing import Optional

import cv2
import numpy as np

from eraser_flow.appearance import Appearance

MISMATCH = 25.0  # Lab distance (OpenCV's 8-bit scale) above which the frame is not the object's look
MATCH = 8.0  # Lab distance under which the frame is the object's look ...
DISTINCT = 30.0  # ... counted where the look's pixel is this far from the look's median colour
FLOW_AGREE = 0.4  # the flow within this share of the object's shift of moving with it: the object
LANDMARKS = 0.25  # the share of the look's distinct pixels that must match to move it from its predicted place ...
FEW = 8  # ... and at least this many
LEAST_SHIFT = 1.0  # working pixels a frame: an object slower than this cannot be told by its motion


def visible_part(look: Appearance, frame_lab: np.ndarray, flow: Optional[np.ndarray], shape: np.ndarray,
                 shift: np.ndarray) -> np.ndarray:
    """The pixels of ``shape`` (bool, working size) where the object shows.
    ``look`` is placed at its ``offset``; ``flow`` (working size, from this
    frame back to the previous one, or None) and ``shift`` (the object's
    motion this frame, working pixels) give the motion cue."""
    height, width = shape.shape
    own = np.zeros((height, width), bool)  # evidence of the object
    other = np.zeros((height, width), bool)  # evidence of something else
    x, y = look._place(look.offset)
    h, w = look.mask.shape
    x0, y0, x1, y1 = max(0, x), max(0, y), min(width, x + w), min(height, y + h)
    if x1 > x0 and y1 > y0:
        crop = slice(y0 - y, y1 - y), slice(x0 - x, x1 - x)
        model, inside = look.colours[crop], look.mask[crop]
        distance = np.linalg.norm(frame_lab[y0:y1, x0:x1] - model, axis=2)
        usual = np.median(look.colours[look.mask], axis=0)
        distinct = np.linalg.norm(model - usual, axis=2) > DISTINCT
        own[y0:y1, x0:x1] = inside & distinct & (distance < MATCH)
        other[y0:y1, x0:x1] = inside & (distance > MISMATCH)
    speed = float(np.hypot(*shift))
    if flow is not None and speed >= LEAST_SHIFT:
        moves = np.hypot(flow[..., 0] + shift[0], flow[..., 1] + shift[1]) < FLOW_AGREE * speed
        own |= moves & shape
        other &= ~moves
    own &= shape
    other &= shape
    if not own.any():
        return np.zeros_like(shape)
    if not other.any():
        return shape.copy()
    to_own = cv2.distanceTransform((~own).astype(np.uint8), cv2.DIST_L2, 3)
    to_other = cv2.distanceTransform((~other).astype(np.uint8), cv2.DIST_L2, 3)
    return shape & (to_own < to_other)


def landmarks_place(look: Appearance, frame_lab: np.ndarray, predicted: np.ndarray, reach: int) -> np.ndarray:
    """The offset within ``reach`` of ``predicted`` where most of the look's
    distinct pixels (see ``visible_part``) match the frame, a place further
    from the prediction costing more; the prediction where too few match: a
    hidden object's motion, carried as a straight line, drifts by a
    fraction of a pixel a frame, and its visible part is found only where
    its shape lies on it."""
    usual = np.median(look.colours[look.mask], axis=0)
    distinct = look.mask & (np.linalg.norm(look.colours - usual, axis=2) > DISTINCT)
    if not distinct.any():
        return np.asarray(predicted, np.float64)
    at = look._place(predicted)
    window = look._window(frame_lab, at, reach)
    h, w = look.mask.shape
    best, place = max(float(FEW), LANDMARKS * float(distinct.sum())), (0, 0)  # too few matching: the prediction
    for dy in range(2 * reach + 1):
        for dx in range(2 * reach + 1):
            distance = np.linalg.norm(window[dy:dy + h, dx:dx + w] - look.colours, axis=2)
            score = float((distinct & (distance < MATCH)).sum()) - 0.05 * ((dx - reach) ** 2 + (dy - reach) ** 2)
            if score > best:
                best, place = score, (dx - reach, dy - reach)
    if place == (0, 0):
        return np.asarray(predicted, np.float64)
    return np.array([round(predicted[0]) + place[0], round(predicted[1]) + place[1]], np.float64)

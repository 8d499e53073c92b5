"""The ``flow`` tracker's geometry: masks moved by a shift, their boxes and
overlaps, the dense flow on a band around the object, and the object's
motion measured by matching its own pixels."""

from __future__ import annotations

from typing import Optional

import cv2
import numpy as np

from eraser.video.motion import dense_flow

BAND = 24  # pixels (at the working size) around the object's box in which the flow is computed
SEARCH = 6  # pixels (at the working size) searched around the flow's prediction


def shift_map(shift: np.ndarray, scale: float) -> np.ndarray:
    """The map of a shift (working pixels) as warp takes it: a new frame's pixel to where it was."""
    return np.array([[1, 0, -shift[0] / scale], [0, 1, -shift[1] / scale]], np.float64)


def resized(mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    if mask.shape == tuple(shape):
        return mask
    area = shape[0] < mask.shape[0]
    return cv2.resize(mask.astype(np.float32), (shape[1], shape[0]), interpolation=cv2.INTER_AREA if area else cv2.INTER_LINEAR)


def band_flow(dis, now: np.ndarray, before: np.ndarray, mask: np.ndarray, scale: float) -> np.ndarray:
    """DIS flow from ``now`` back to ``before`` (working size) on a band
    around the mask's box only (zeros elsewhere): only the flow under the
    mask is used, and the band keeps the flow's context."""
    height, width = now.shape
    out = np.zeros((height, width, 2), np.float32)
    box = bounds(mask >= 0.5)
    if box is None:
        return out
    x0, y0, x1, y1 = (int(v * scale) for v in box)
    pad = BAND + max(x1 - x0, y1 - y0) // 4
    x0, y0, x1, y1 = max(0, x0 - pad), max(0, y0 - pad), min(width, x1 + 1 + pad), min(height, y1 + 1 + pad)
    if x1 - x0 < 16 or y1 - y0 < 16:  # too small a band for DIS's patches: the whole frame
        return dense_flow(dis, now, before)
    out[y0:y1, x0:x1] = dense_flow(dis, np.ascontiguousarray(now[y0:y1, x0:x1]), np.ascontiguousarray(before[y0:y1, x0:x1]))
    return out


def bounds(binary: np.ndarray) -> Optional[tuple[int, int, int, int]]:
    """x0, y0, x1, y1 of the True pixels (None if there are none), without listing them."""
    rows = np.flatnonzero(binary.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(binary.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def measured_motion(mask: np.ndarray, flow_small: Optional[np.ndarray], scale: float, before: np.ndarray, now: np.ndarray,
            velocity: Optional[np.ndarray], guess: Optional[np.ndarray] = None) -> tuple[np.ndarray, Optional[np.ndarray]]:
    """The object's motion from the new frame back to the previous one, as an
    affine map (a shift).

    Dense flow is smoothed across the object's edge and is weak inside a
    textureless object: the background's motion bleeds in, and a mask moved
    by it lags a little more each frame. So the flow only predicts: the shift
    is where the object's own pixels (the previous frame under the mask) match
    the new frame best, searched around the flow's median motion. Where the
    search would leave the frame (the object is leaving it), the object keeps
    its last measured velocity. Without a flow, ``guess`` is the prediction.
    Returns the map and the velocity.
    """
    height, width = before.shape
    small = cv2.resize(mask, (width, height), interpolation=cv2.INTER_AREA) if scale < 1 else mask
    ys, xs = np.nonzero(small >= 0.5)
    if xs.size == 0:
        return np.array([[1, 0, 0], [0, 1, 0]], np.float64), velocity
    if flow_small is not None:
        guess = -np.median(flow_small[ys, xs], axis=0)  # new = old + shift, flow points back
    elif guess is None:
        guess = np.zeros(2)
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    template = before[y0:y1, x0:x1]
    weights = (small[y0:y1, x0:x1] >= 0.5).astype(np.uint8)
    reach = SEARCH + int(np.ceil(np.abs(guess).max()))
    sx0, sy0 = x0 + int(round(guess[0])) - SEARCH, y0 + int(round(guess[1])) - SEARCH
    sx1, sy1 = x1 + int(round(guess[0])) + SEARCH, y1 + int(round(guess[1])) + SEARCH
    if sx0 < 0 or sy0 < 0 or sx1 > width or sy1 > height:
        shift = velocity if velocity is not None else guess
    elif reach > 4 * SEARCH or weights.sum() < 9:
        shift = guess  # too fast or too little to match: the flow's word
    else:
        cost = cv2.matchTemplate(now[sy0:sy1, sx0:sx1], template, cv2.TM_SQDIFF, mask=weights)
        cy, cx = np.unravel_index(int(np.argmin(cost)), cost.shape)
        shift = np.array([sx0 + cx + vertex(cost[cy, max(cx - 1, 0):cx + 2], cx) - x0,
                          sy0 + cy + vertex(cost[max(cy - 1, 0):cy + 2, cx], cy) - y0], np.float64)
    full = shift / scale
    return np.array([[1, 0, -full[0]], [0, 1, -full[1]]], np.float64), np.asarray(shift, np.float64)


def vertex(values: np.ndarray, at: int) -> float:
    """Sub-pixel offset of a minimum from a parabola through it and its neighbours."""
    if values.size != 3 or at == 0:
        return 0.0
    a, b, c = (float(v) for v in values)
    curve = a - 2 * b + c
    return 0.0 if curve <= 0 else float(np.clip(0.5 * (a - c) / curve, -0.5, 0.5))


def warp(mask: np.ndarray, motion: np.ndarray) -> np.ndarray:
    """``mask`` carried to the new frame: ``motion`` maps a new frame's pixel to where it was."""
    height, width = mask.shape
    out = np.zeros_like(mask)
    found = bounds(mask > 0)
    if found is None:
        return out
    # a shift: only the box it moves to (and a pixel around) is computed
    dx, dy = -motion[0, 2], -motion[1, 2]
    x0, y0 = max(0, int(np.floor(found[0] + dx)) - 1), max(0, int(np.floor(found[1] + dy)) - 1)
    x1, y1 = min(width, int(np.ceil(found[2] + dx)) + 1), min(height, int(np.ceil(found[3] + dy)) + 1)
    if x1 <= x0 or y1 <= y0:
        return out
    local = motion.copy()
    local[0, 2] += x0  # a pixel of the crop at (u, v) is the frame's (u + x0, v + y0)
    local[1, 2] += y0
    out[y0:y1, x0:x1] = cv2.warpAffine(mask, local, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                       borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return out


def box_around(binary: np.ndarray, margin: float) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = bounds(binary)
    dx, dy = round((x1 - x0) * margin) + 2, round((y1 - y0) * margin) + 2
    height, width = binary.shape
    return max(0, x0 - dx), max(0, y0 - dy), min(width, x1 + dx), min(height, y1 + dy)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    boxes = [box for box in (bounds(a), bounds(b)) if box is not None]
    if not boxes:
        return 0.0
    x0, y0 = min(box[0] for box in boxes), min(box[1] for box in boxes)
    x1, y1 = max(box[2] for box in boxes), max(box[3] for box in boxes)
    a, b = a[y0:y1, x0:x1], b[y0:y1, x0:x1]
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 0.0


def mean_lab(frame: np.ndarray, binary: np.ndarray) -> np.ndarray:
    """The mean Lab colour under the mask (converted only inside its box)."""
    found = bounds(binary)
    if found is None:
        return np.zeros(3, np.float32)
    box = slice(found[1], found[3]), slice(found[0], found[2])
    lab = cv2.cvtColor(np.ascontiguousarray(frame[box]), cv2.COLOR_RGB2LAB).astype(np.float32)
    return lab[binary[box]].mean(axis=0)

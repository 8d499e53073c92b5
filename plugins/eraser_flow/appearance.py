"""The ``flow`` tracker's model of the object's look, for occlusions.

The object's colours (Lab, at the tracker's working size) under its whole
shape, taken on the last frame it was seen in full, and how far it has moved
since. Which of those pixels the new frame still shows at the predicted
place is the object's visible part (a static post or a cut-out in front of
it does not match); searching the shift where most of them match finds the
object again when it comes out from behind something.
"""

from __future__ import annotations

from typing import Optional

import cv2
import numpy as np

MATCH = 22.0  # a pixel whose Lab colour (OpenCV's 8-bit scale) is nearer than this to the model's shows the object
PALETTE_BIN = 16  # Lab levels per bin of the look's palette (a bin's neighbours count too)
OUTSIDE = 1e4  # the colour given to pixels beyond the frame's edge: they never match


def lab(small_rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(small_rgb, cv2.COLOR_RGB2LAB).astype(np.float32)


class Appearance:
    """The object's look on one frame and where it has gone since (``offset``, working pixels)."""

    def __init__(self, frame_lab: np.ndarray, shape: np.ndarray) -> None:
        # the shape's rim is the object's edge, blended with what was behind it: not its look
        inner = cv2.erode(shape.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        if inner.sum() < 0.5 * shape.sum():
            inner = shape
        rows, cols = np.flatnonzero(inner.any(axis=1)), np.flatnonzero(inner.any(axis=0))
        self.x0, self.y0 = int(cols[0]), int(rows[0])
        box = slice(self.y0, int(rows[-1]) + 1), slice(self.x0, int(cols[-1]) + 1)
        self.colours = frame_lab[box].copy()
        self.mask = inner[box].copy()
        self.offset = np.zeros(2, np.float64)

    def _window(self, frame_lab: np.ndarray, at: tuple[int, int], reach: int) -> np.ndarray:
        """The frame's pixels under the model placed at ``at`` (x, y), ``reach`` more on each side, padded."""
        height, width = frame_lab.shape[:2]
        h, w = self.mask.shape
        x0, y0 = at[0] - reach, at[1] - reach
        x1, y1 = at[0] + w + reach, at[1] + h + reach
        out = np.full((y1 - y0, x1 - x0, 3), OUTSIDE, np.float32)
        cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
        if cx1 > cx0 and cy1 > cy0:
            out[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0] = frame_lab[cy0:cy1, cx0:cx1]
        return out

    def _place(self, offset: np.ndarray) -> tuple[int, int]:
        return self.x0 + int(round(offset[0])), self.y0 + int(round(offset[1]))

    def matches(self, frame_lab: np.ndarray, offset: np.ndarray) -> tuple[np.ndarray, float]:
        """The model's pixels the frame shows at ``offset``, as a mask of the
        working frame, and their share of the model's pixels inside the frame
        (an object leaving the view is not hidden)."""
        height, width = frame_lab.shape[:2]
        at = self._place(offset)
        window = self._window(frame_lab, at, 0)
        hit = self.mask & (np.linalg.norm(window - self.colours, axis=2) < MATCH)
        # closed (a pixel of noise inside the object) and opened (thin runs of
        # a like colour in what is in front of it are not the object)
        square = np.ones((3, 3), np.uint8)
        hit = cv2.morphologyEx(cv2.morphologyEx(hit.astype(np.uint8), cv2.MORPH_CLOSE, square), cv2.MORPH_OPEN, square)
        hit = hit.astype(bool) & self.mask
        # the model leaves out the shape's rim (see __init__): a matching pixel
        # shows its neighbours on the rim too
        core = hit
        padded = np.pad(hit, 1)
        hit = padded | (cv2.dilate(padded.astype(np.uint8), square).astype(bool) & ~np.pad(self.mask, 1))
        out = np.zeros((height, width), bool)
        h, w = hit.shape
        x0, y0 = at[0] - 1, at[1] - 1
        cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(width, x0 + w), min(height, y0 + h)
        share = 0.0
        if cx1 > cx0 and cy1 > cy0:
            out[cy0:cy1, cx0:cx1] = hit[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0]
            crop = slice(cy0 - y0, cy1 - y0), slice(cx0 - x0, cx1 - x0)
            inside = int(np.pad(self.mask, 1)[crop].sum())
            share = float(np.pad(core, 1)[crop].sum()) / max(inside, 1)
        return out, share

    def search(self, frame_lab: np.ndarray, predicted: np.ndarray, reach: int, pull: float) -> tuple[np.ndarray, int]:
        """The offset within ``reach`` of ``predicted`` where most of the model's
        pixels match, less ``pull`` times the squared distance from the
        prediction (an object behind something keeps its motion: a few
        matching pixels elsewhere must not drag it there), and how many match there."""
        at = self._place(predicted)
        window = self._window(frame_lab, at, reach)
        h, w = self.mask.shape
        best: Optional[tuple[float, int, int, int]] = None
        for dy in range(2 * reach + 1):
            for dx in range(2 * reach + 1):
                near = window[dy:dy + h, dx:dx + w]
                # how well, not only whether, each pixel matches: on a plain
                # object a place a few pixels short matches about as many
                distance = np.linalg.norm(near - self.colours, axis=2)
                count = float(np.maximum(0.0, 1.0 - distance / MATCH)[self.mask].sum())
                score = count - pull * ((dx - reach) ** 2 + (dy - reach) ** 2) - 0.01 * abs(dx - reach)
                if best is None or score > best[0]:
                    best = (score, count, dx - reach, dy - reach)
        _, count, dx, dy = best
        return np.array([round(predicted[0]) + dx, round(predicted[1]) + dy], np.float64), count

    def likeness(self, frame_lab: np.ndarray, predicted: np.ndarray, reach: int) -> tuple[np.ndarray, float]:
        """The offset within ``reach`` of ``predicted`` where the model's
        lightness pattern correlates best with the frame's (zero-mean
        normalised correlation over its pixels), and that correlation: the
        object's own highlights and shading, not only its colours, which a
        thing of the same colours in front of or behind it shares. 0 for a
        plain object (no pattern) or where the model leaves the frame."""
        at = self._place(predicted)
        window = self._window(frame_lab, at, reach)[..., 0]
        h, w = self.mask.shape
        model = self.colours[..., 0][self.mask]
        model = model - model.mean()
        spread = float(np.linalg.norm(model))
        best = (0.0, 0, 0)
        if spread < 1.0 * np.sqrt(model.size):  # under a level of lightness on average: plain
            return np.asarray(predicted, np.float64), 0.0
        for dy in range(2 * reach + 1):
            for dx in range(2 * reach + 1):
                near = window[dy:dy + h, dx:dx + w][self.mask]
                if (near >= OUTSIDE).any():
                    continue
                near = near - near.mean()
                norm = float(np.linalg.norm(near))
                score = float(model @ near) / (spread * norm) if norm > 0 else 0.0
                if score > best[0]:
                    best = (score, dx - reach, dy - reach)
        score, dx, dy = best
        return np.array([round(predicted[0]) + dx, round(predicted[1]) + dy], np.float64), score

    def palette_share(self, frame_lab: np.ndarray, mask: np.ndarray) -> float:
        """The share of the frame's pixels under ``mask`` (working size) whose
        colour is one of the look's, wherever it is on it: an object that
        turned shows the same colours in another arrangement."""
        side = 256 // PALETTE_BIN + 1
        palette = np.zeros((side + 2,) * 3, bool)
        index = np.clip(self.colours[self.mask] // PALETTE_BIN, 0, side - 1).astype(int) + 1
        palette[index[:, 0], index[:, 1], index[:, 2]] = True
        near = palette.copy()
        for axis in range(3):  # a bin's neighbours: colours at a bin's edge
            near = near | np.roll(near, 1, axis) | np.roll(near, -1, axis)
        pixels = np.clip(frame_lab[mask] // PALETTE_BIN, 0, side - 1).astype(int) + 1
        return float(near[pixels[:, 0], pixels[:, 1], pixels[:, 2]].mean()) if len(pixels) else 0.0

    @property
    def size(self) -> int:
        return int(self.mask.sum())

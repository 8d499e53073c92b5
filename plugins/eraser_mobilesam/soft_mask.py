"""The mask decoder's 256x256 logits to the photo's soft mask, for the SAM
family and SAM 2.1 alike: bilinear at half-pixel centres (torch's
``align_corners=False``), clipped to [0, 1].

A re-click on a 12 MP photo must not cost a 12 MP interpolation: only the
rectangle around the object is interpolated, in place; when that is much of
the photo, it is cut into tiles of ``BLOCK`` x ``BLOCK`` low-res cells: a
tile whose low-res neighbourhood is all >= 1 is filled with 1, one all <= 0
is left 0 (exactly what clipping the interpolation would give there), and
only the tiles along the object's edge are interpolated, a run of
neighbouring ones at a time. A mask that is mostly edge (a speckled one, as
random weights give) is interpolated in one call: its tiles would cost a
call each and save no pixels.
"""

from __future__ import annotations

import math
from typing import Optional

import cv2
import numpy as np

BLOCK = 16  # low-res cells per tile side: at most 16 x 16 tiles
# below this share of the photo, the rectangle around the object is
# interpolated in one call (fewer calls: one can wait on a busy machine's threads)
TILED_SHARE = 0.25
# above this share of edge tiles among those that may be above 0, tiles save
# nothing: the rectangle is interpolated in one call
MIXED_SHARE = 0.5


def tile_edges(blocks: int, scale: float, size: int) -> list[int]:
    """Where each block's pixels start along an axis of ``size`` pixels:
    pixel x reads low-res u = (x + 0.5) * scale - 0.5, and block b holds
    b * BLOCK <= u < (b + 1) * BLOCK (the first and last also what lies beyond)."""
    edges = [min(size, max(0, math.ceil((b * BLOCK + 0.5) / scale - 0.5))) for b in range(blocks + 1)]
    edges[0], edges[-1] = 0, size
    return edges


def _block_reduce(values: np.ndarray, blocks: tuple[int, int], reduce) -> np.ndarray:
    rows, cols = blocks
    padded = np.pad(values, ((0, rows * BLOCK - values.shape[0]), (0, cols * BLOCK - values.shape[1])), mode="edge")
    return reduce(padded.reshape(rows, BLOCK, cols, BLOCK), axis=(1, 3))


def interpolate(logits: np.ndarray, out: np.ndarray, y0: int, y1: int, x0: int, x1: int, fx: float, fy: float) -> None:
    """``out[y0:y1, x0:x1]`` = the clipped bilinear interpolation, written in place."""
    if y0 >= y1 or x0 >= x1:
        return
    tile = out[y0:y1, x0:x1]
    # photo pixel (x0 + x) maps to low-res (x0 + x + 0.5) * fx - 0.5
    to_low = np.array([[fx, 0, (x0 + 0.5) * fx - 0.5], [0, fy, (y0 + 0.5) * fy - 0.5]], np.float32)
    cv2.warpAffine(logits, to_low, (x1 - x0, y1 - y0), dst=tile, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                   borderMode=cv2.BORDER_REPLICATE)
    np.clip(tile, 0.0, 1.0, out=tile)


def upsample(logits: np.ndarray, height: int, width: int, valid: Optional[tuple[float, float]] = None) -> np.ndarray:
    """``logits`` (n, m), shifted so that the soft mask is their clip to
    [0, 1], of which the top-left ``valid`` (rows, columns; fractional, in
    low-res pixels; default all) covers the photo -> float32 (height, width)."""
    logits = np.ascontiguousarray(logits, dtype=np.float32)
    n, m = logits.shape
    valid_h, valid_w = valid or (n, m)
    fx, fy = valid_w / width, valid_h / height
    out = np.zeros((height, width), np.float32)
    # no pixel beyond the rectangle around the positive samples can be above 0
    rows, cols = np.flatnonzero((logits > 0).any(axis=1)), np.flatnonzero((logits > 0).any(axis=0))
    if rows.size == 0:
        return out
    top, bottom = max(0, int((rows[0] - 1) / fy)), min(height, math.ceil((rows[-1] + 2) / fy))
    left, right = max(0, int((cols[0] - 1) / fx)), min(width, math.ceil((cols[-1] + 2) / fx))
    if (bottom - top) * (right - left) <= TILED_SHARE * height * width:
        interpolate(logits, out, top, bottom, left, right, fx, fy)
        return out
    # a pixel reads the 2x2 samples around it: the 3x3 neighbourhood of a
    # block's samples bounds every pixel of its tile
    kernel = np.ones((3, 3), np.uint8)
    blocks = (math.ceil(n / BLOCK), math.ceil(m / BLOCK))
    low = _block_reduce(cv2.erode(logits, kernel, borderType=cv2.BORDER_REPLICATE), blocks, np.min)
    high = _block_reduce(cv2.dilate(logits, kernel, borderType=cv2.BORDER_REPLICATE), blocks, np.max)
    full, mixed = low >= 1, (high > 0) & (low < 1)
    if mixed.sum() > MIXED_SHARE * (high > 0).sum():
        # mostly edge (a speckled or soft mask: random weights): one call over
        # the rectangle costs less than a call per run of tiles and the fills
        interpolate(logits, out, top, bottom, left, right, fx, fy)
        return out
    ys, xs = tile_edges(blocks[0], fy, height), tile_edges(blocks[1], fx, width)
    for i in range(blocks[0]):
        y0, y1 = max(ys[i], top), min(ys[i + 1], bottom)
        for j in np.flatnonzero(full[i]):
            out[y0:y1, xs[j]:xs[j + 1]] = 1.0
        # one interpolation per run of neighbouring edge tiles
        row = np.concatenate([[False], mixed[i], [False]])
        starts, ends = np.flatnonzero(row[1:] & ~row[:-1]), np.flatnonzero(row[:-1] & ~row[1:])
        for a, b in zip(starts, ends):
            interpolate(logits, out, y0, y1, max(xs[a], left), min(xs[b], right), fx, fy)
    return out

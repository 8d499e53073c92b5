"""Fine detail for fills computed below full resolution.

A backend that works at a reduced size returns a fill without the grain and
fine texture of the photo around it, so after upscaling it looks smooth and
"plastic" next to its surroundings. The lost band is known for the rest of
the photo: the residual ``image - blur(image)`` at the scale of the
downscaling. This module lays tiles of that residual, taken from known pixels
near the hole, over the hole and adds them to the fill. Tiles overlap by half
with raised-cosine weights; dividing by the root of the summed squared weights
(not the sum) keeps the variance of uncorrelated grain unchanged where tiles
overlap. Tile sources are drawn from a seeded generator: deterministic.
"""

from __future__ import annotations

import cv2
import numpy as np

from eraser.geometry import Rect


def _window(size: int) -> np.ndarray:
    w = np.sin(np.pi * (np.arange(size) + 0.5) / size) ** 2
    return np.outer(w, w).astype(np.float32)


def restore_detail(crop: np.ndarray, fill: np.ndarray, hole: np.ndarray, target: Rect, scale: float, seed: int = 0) -> np.ndarray:
    """Add the crop's fine detail to ``fill`` (the fill of ``target``, a rect of the crop).

    ``scale`` is how much the fill was upscaled; below 1.5 nothing is done.
    """
    if scale < 1.5:
        return fill
    hole = np.asarray(hole, bool)
    tile = int(np.clip(8 * scale, 48, 128)) // 2 * 2
    half = tile // 2
    hole_in_target = hole[target.slices]
    rows = np.flatnonzero(hole_in_target.any(axis=1))
    cols = np.flatnonzero(hole_in_target.any(axis=0))
    if rows.size == 0:
        return fill
    # Sources come from a window around ``target``, not the whole crop.
    height, width = hole.shape
    src = target.grow(3 * tile, width, height)
    if src.height < tile or src.width < tile:
        return fill
    residual = crop[src.slices].astype(np.float32)
    residual -= cv2.GaussianBlur(residual, (0, 0), scale / 2)
    # A tile may be a source if it holds no hole pixel: a max over the tile
    # (cv2's separable dilation, anchored at its top left) is 0.
    touched = cv2.dilate(hole[src.slices].view(np.uint8), np.ones((tile, tile), np.uint8), anchor=(0, 0))
    ys, xs = np.nonzero(touched[: src.height - tile + 1, : src.width - tile + 1] == 0)
    if ys.size == 0:
        return fill
    rng = np.random.default_rng(seed)
    weight = _window(tile)
    # (the window repeated per channel: numpy's loop over a broadcast last axis of 3 was slow)
    weight3, weight2 = np.repeat(weight[..., None], 3, axis=2), weight * weight
    acc = np.zeros((target.height + 2 * tile, target.width + 2 * tile, 3), np.float32)
    norm = np.zeros(acc.shape[:2], np.float32)
    # The tiles with a hole pixel, row by row, and their sources, drawn at once (the same
    # draws as one per tile): the nearest of a few random ones, to prefer sources near it.
    ty = np.arange(rows[0] - half, rows[-1] + 1, half)
    tx = np.arange(cols[0] - half, cols[-1] + 1, half)
    a, b = np.nonzero(_counts(hole_in_target, ty, tx, tile))
    ty, tx = ty[a], tx[b]
    picks = rng.integers(0, ys.size, (ty.size, 8))
    near = (ys[picks] - (ty + target.y0 - src.y0)[:, None]) ** 2 + (xs[picks] - (tx + target.x0 - src.x0)[:, None]) ** 2
    best = picks[np.arange(ty.size), np.argmin(near, axis=1)]
    piece = np.empty((tile, tile, 3), np.float32)
    for ay, ax, sy, sx in zip((ty + half).tolist(), (tx + half).tolist(), ys[best].tolist(), xs[best].tolist()):
        # acc is offset by half a tile
        np.multiply(residual[sy : sy + tile, sx : sx + tile], weight3, out=piece)
        acc[ay : ay + tile, ax : ax + tile] += piece
        norm[ay : ay + tile, ax : ax + tile] += weight2
    # Over the whole target, not gathered at the hole's pixels (the same sums
    # per pixel; boolean gathers and scatters were most of this step's time).
    root = np.sqrt(norm[half : half + target.height, half : half + target.width])
    np.maximum(root, np.float32(1e-3), out=root)
    values = acc[half : half + target.height, half : half + target.width]  # in place: acc's pages are mapped already
    values /= root[..., None]
    values += fill  # (the fill plus its detail: addition is exact either way round)
    np.rint(values, out=values)
    np.clip(values, 0, 255, out=values)
    return cv2.copyTo(values.astype(np.uint8), hole_in_target.view(np.uint8), fill.copy())


def _counts(hole: np.ndarray, ty: np.ndarray, tx: np.ndarray, tile: int) -> np.ndarray:
    """``out[i, j]`` = number of hole pixels in the tile at ``(ty[i], tx[j])`` (it may reach past the edges)."""
    table = cv2.integral(hole.view(np.uint8))
    height, width = hole.shape
    y0, y1 = np.clip(ty, 0, height)[:, None], np.clip(ty + tile, 0, height)[:, None]
    x0, x1 = np.clip(tx, 0, width), np.clip(tx + tile, 0, width)
    return table[y1, x1] - table[y0, x1] - table[y1, x0] + table[y0, x0]

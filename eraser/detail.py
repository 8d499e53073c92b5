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
    image = crop[src.slices].astype(np.float32)
    residual = image - cv2.GaussianBlur(image, (0, 0), scale / 2)
    del image
    # A tile may be a source if it holds no hole pixel (summed-area tables).
    known = _box_sums(~hole[src.slices], tile)
    ys, xs = np.nonzero(known == tile * tile)
    if ys.size == 0:
        return fill
    holes = _box_sums(hole_in_target, tile, pad=half)
    rng = np.random.default_rng(seed)
    weight = _window(tile)
    weight3, weight2 = weight[..., None], weight * weight
    acc = np.zeros((target.height + 2 * tile, target.width + 2 * tile, 3), np.float32)
    norm = np.zeros(acc.shape[:2], np.float32)
    # The tiles with a hole pixel, row by row, and their sources, drawn at once (the same
    # draws as one per tile): the nearest of a few random ones, to prefer sources near it.
    ty = np.arange(rows[0] - half, rows[-1] + 1, half)
    tx = np.arange(cols[0] - half, cols[-1] + 1, half)
    a, b = np.nonzero(holes[ty[:, None] + half, tx + half])
    ty, tx = ty[a], tx[b]
    picks = rng.integers(0, ys.size, (ty.size, 8))
    near = (ys[picks] - (ty + target.y0 - src.y0)[:, None]) ** 2 + (xs[picks] - (tx + target.x0 - src.x0)[:, None]) ** 2
    best = picks[np.arange(ty.size), np.argmin(near, axis=1)]
    for ay, ax, sy, sx in zip((ty + half).tolist(), (tx + half).tolist(), ys[best].tolist(), xs[best].tolist()):
        # acc is offset by half a tile
        acc[ay : ay + tile, ax : ax + tile] += residual[sy : sy + tile, sx : sx + tile] * weight3
        norm[ay : ay + tile, ax : ax + tile] += weight2
    detail = acc[half : half + target.height, half : half + target.width][hole_in_target]
    root = np.sqrt(norm[half : half + target.height, half : half + target.width][hole_in_target])
    values = fill[hole_in_target].astype(np.float32) + detail / np.maximum(root, 1e-3)[:, None]
    out = fill.copy()
    out[hole_in_target] = np.clip(np.rint(values), 0, 255).astype(np.uint8)
    return out


def _box_sums(mask: np.ndarray, size: int, pad: int = 0) -> np.ndarray:
    """``out[y, x]`` = number of true pixels in ``mask[y-pad : y-pad+size, x-pad : x-pad+size]``."""
    if pad:
        mask = np.pad(mask, pad + size)[size:, size:]  # shift by pad, room past the end
    table = cv2.integral(mask.astype(np.uint8))
    return table[size:, size:] - table[:-size, size:] - table[size:, :-size] + table[:-size, :-size]

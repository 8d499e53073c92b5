"""The texture layer: fine detail laid over the smooth structure, tile by tile.

Only the high-frequency residual of the photo (``image - blur(image)``) is
copied, in small tiles that overlap by half and are blended with
raised-cosine weights, so no tile can carry an object's shape or colour: the
colours and edges come from the structure layer.  Each tile's source is
chosen among candidates that are

* known pixels of the crop (never the hole, i.e. never the object being
  removed), mostly near the tile, so the texture is the local one;
* similar in low-frequency colour to the structure under the tile (dark
  background texture goes to dark background);
* of the detail strength expected there: the local energy of the residual
  around the hole, spread into it smoothly.  A source far busier than its
  surroundings (a name tag on a plain suit, a resistor on a board) costs
  too much to be chosen;
* for tiles on the border, consistent with the known residual they overlap,
  so the texture continues across the border instead of starting afresh.

Each tile is scaled so the fill has the expected detail energy in all (the
structure layer's own detail included).  Candidates come from a seeded
generator: the same input gives the same fill.
"""

from __future__ import annotations

import cv2
import numpy as np

CANDIDATES_NEAR = 32  # random sources within NEAR_TILES tiles of the target
CANDIDATES_FAR = 16  # random sources anywhere in the crop
NEAR_TILES = 3
COLOUR_SIGMA = 10.0  # grey levels of low-frequency mismatch that cost as much as...
ENERGY_SIGMA = 0.5  # ...this much log-energy mismatch, and as...
DISTANCE_TILES = 6.0  # ...a source this many tiles away.
MAX_GAIN = 1.5  # a tile is never amplified more than this (no invented contrast)


def _window(size: int) -> np.ndarray:
    w = np.sin(np.pi * (np.arange(size) + 0.5) / size) ** 2
    return np.outer(w, w).astype(np.float32)


def _known_blur(values: np.ndarray, known: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of ``values`` over known pixels only (normalised convolution)."""
    k = known.astype(np.float32)
    weighted = values * (k[..., None] if values.ndim == 3 else k)
    num = cv2.GaussianBlur(weighted, (0, 0), sigma)
    den = cv2.GaussianBlur(k, (0, 0), sigma)
    den = np.maximum(den, 1e-4)
    return num / (den[..., None] if values.ndim == 3 else den)


def _box_mean(values: np.ndarray, size: int) -> np.ndarray:
    """``out[y, x]`` = mean of ``values[y:y+size, x:x+size]`` (top-left indexing)."""
    table = cv2.integral(values.astype(np.float64)) if values.ndim == 2 else cv2.integral(values.astype(np.float64))
    s = table[size:, size:] - table[:-size, size:] - table[size:, :-size] + table[:-size, :-size]
    return (s / (size * size)).astype(np.float32)


def _spread(energy: np.ndarray, known: np.ndarray, step: int) -> np.ndarray:
    """The local detail energy, with hole pixels given the energy of the nearest
    known surroundings (coarse-to-fine normalised blurs on a reduced map)."""
    height, width = known.shape
    size = (max(1, width // step), max(1, height // step))
    e = cv2.resize(energy * known, size, interpolation=cv2.INTER_AREA)
    k = cv2.resize(known.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    out = np.zeros_like(e)
    filled = np.zeros(e.shape, bool)
    for sigma in (1.0, 2.0, 4.0, 8.0, 16.0, 32.0):
        num = cv2.GaussianBlur(e, (0, 0), sigma)
        den = cv2.GaussianBlur(k, (0, 0), sigma)
        ok = (den > 0.05) & ~filled
        out[ok] = num[ok] / den[ok]
        filled |= ok
    if not filled.all():
        out[~filled] = float((e.sum() + 1e-6) / (k.sum() + 1e-6))
    return cv2.resize(out, (width, height), interpolation=cv2.INTER_LINEAR)


def synthesise(image: np.ndarray, hole: np.ndarray, structure: np.ndarray, scale: float, seed: int = 0) -> np.ndarray:
    """``structure`` (float32 RGB) plus texture in the hole, as RGB uint8."""
    height, width = hole.shape
    known = ~hole
    out = structure.copy()
    # The residual band the structure lacks: finer than its solver's pixels.
    # Kept fine (grain, not edges): a coarser band would carry shapes.
    sigma = float(np.clip(0.5 * scale, 1.5, 2.0))
    tile = int(np.clip(round(8 * sigma), 12, 16)) // 2 * 2
    half = tile // 2
    if height < tile + 2 or width < tile + 2 or not known.any():
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)
    img = image.astype(np.float32)
    # Blurring over known pixels only keeps the object out of the residual next to the hole.
    residual = img - _known_blur(img, known, sigma)
    residual[hole] = 0.0
    energy = (residual**2).sum(axis=2)
    # Sources: tiles made of known pixels only (top-left corners), on a grid.
    src_ok = _box_mean(known.astype(np.float32), tile) > 0.999
    stride = max(1, tile // 4)
    grid = np.zeros_like(src_ok)
    grid[::stride, ::stride] = True
    src_ok &= grid
    sy, sx = np.nonzero(src_ok)
    if sy.size == 0:
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)
    colour_mean = _box_mean(img, tile)  # low-frequency colour of each source tile
    energy_mean = _box_mean(energy, tile)
    # Expected energy in the hole, and what the structure layer already has.
    expected = _spread(energy, known.astype(np.float32), half)
    s_res = structure - cv2.GaussianBlur(structure, (0, 0), sigma)
    # Measured over hole pixels only: the known texture beside a thin hole is not the fill's.
    s_energy = _known_blur((s_res**2).sum(axis=2), hole, half)

    # Targets: tiles on a half-tile grid that cover hole pixels.
    ys, xs = np.nonzero(hole)
    ty = np.arange(ys.min() - half, ys.max() + 1, half)
    tx = np.arange(xs.min() - half, xs.max() + 1, half)
    ty, tx = (a.ravel() for a in np.meshgrid(ty, tx, indexing="ij"))
    pad = tile
    hole_p = np.pad(hole, pad)
    cover = _box_mean(hole_p.astype(np.float32), tile)[ty + pad, tx + pad]
    ty, tx = ty[cover > 0], tx[cover > 0]
    n = ty.size
    cy = np.clip(ty + half, 0, height - 1)
    cx = np.clip(tx + half, 0, width - 1)
    struct_p = np.pad(structure, ((pad, pad), (pad, pad), (0, 0)), mode="edge")
    t_colour = _box_mean(struct_p, tile)[ty + pad, tx + pad]
    t_energy = expected[cy, cx]
    t_own = s_energy[cy, cx]

    rng = np.random.default_rng(seed)
    # Near candidates: random offsets snapped to the source grid; invalid ones are dropped by cost.
    reach = NEAR_TILES * tile
    oy = rng.integers(-reach, reach + 1, (n, CANDIDATES_NEAR))
    ox = rng.integers(-reach, reach + 1, (n, CANDIDATES_NEAR))
    ny = np.clip((ty[:, None] + oy) // stride * stride, 0, src_ok.shape[0] - 1)
    nx = np.clip((tx[:, None] + ox) // stride * stride, 0, src_ok.shape[1] - 1)
    far = rng.integers(0, sy.size, (n, CANDIDATES_FAR))
    cand_y = np.concatenate([ny, sy[far]], axis=1)
    cand_x = np.concatenate([nx, sx[far]], axis=1)
    valid = src_ok[cand_y, cand_x]

    colour_cost = ((colour_mean[cand_y, cand_x] - t_colour[:, None]) ** 2).mean(axis=2) / COLOUR_SIGMA**2
    energy_cost = (np.log1p(energy_mean[cand_y, cand_x]) - np.log1p(t_energy)[:, None]) ** 2 / ENERGY_SIGMA**2
    dist = np.hypot(cand_y - ty[:, None], cand_x - tx[:, None]) / (DISTANCE_TILES * tile)
    cost = colour_cost + energy_cost + dist**2
    # Border tiles: agree with the known residual they overlap (the texture continues).
    res_p = np.pad(residual, ((pad, pad), (pad, pad), (0, 0)))
    known_p = np.pad(known, pad)
    overlap = _box_mean(known_p.astype(np.float32), tile)[ty + pad, tx + pad] > 0.05
    gray = res_p @ np.float32([0.299, 0.587, 0.114])
    src_gray = residual @ np.float32([0.299, 0.587, 0.114])
    dy, dx = np.mgrid[0:tile, 0:tile]
    for i in np.flatnonzero(overlap):
        m = known_p[ty[i] + pad + dy, tx[i] + pad + dx]
        target = gray[ty[i] + pad + dy, tx[i] + pad + dx][m]
        patches = src_gray[np.clip(cand_y[i][:, None, None] + dy, 0, height - 1), np.clip(cand_x[i][:, None, None] + dx, 0, width - 1)][:, m]
        cost[i] += ((patches - target) ** 2).mean(axis=1) / (t_energy[i] / 3 + 4.0)
    cost[~valid] = np.inf
    best = np.argmin(cost, axis=1)
    chosen_ok = valid[np.arange(n), best]
    by, bx = cand_y[np.arange(n), best], cand_x[np.arange(n), best]
    # Gain: make the total detail energy what the surroundings predict.
    gain = np.sqrt(np.maximum(t_energy - t_own, 0.0) / (energy_mean[by, bx] + 1e-3))
    gain = np.clip(gain, 0.0, MAX_GAIN)

    weight = _window(tile)
    acc = np.zeros((height + 2 * pad, width + 2 * pad, 3), np.float32)
    norm = np.zeros(acc.shape[:2], np.float32)
    for i in np.flatnonzero(chosen_ok):
        y, x = ty[i] + pad, tx[i] + pad
        acc[y : y + tile, x : x + tile] += residual[by[i] : by[i] + tile, bx[i] : bx[i] + tile] * (gain[i] * weight)[..., None]
        norm[y : y + tile, x : x + tile] += weight * weight
    acc = acc[pad : pad + height, pad : pad + width]
    norm = norm[pad : pad + height, pad : pad + width]
    # Dividing by the root of the summed squared weights keeps the variance of
    # uncorrelated tiles where they overlap (a plain sum would halve it).
    detail = acc / np.sqrt(np.maximum(norm, 1e-6))[..., None]
    # Half strength on the first pixel inside the border, full from the third:
    # the structure layer meets the known pixels there, fresh grain would make a step.
    depth = cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3)
    detail *= np.clip(0.25 * (depth + 1.0), 0.5, 1.0)[..., None]
    out[hole] += detail[hole]
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)

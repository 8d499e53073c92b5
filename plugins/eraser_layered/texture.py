"""The texture layer: fine grain laid over the smooth structure, tile by tile.

Only the photo's luma residual above a 3 px blur (``image - blur(image)``) is
used, and never verbatim: each 16 px tile gets the *power spectrum* of a
source tile with fresh random phases (random-phase noise). That keeps the
grain's strength, scale and direction and cannot reproduce a shape: no
letter, rim, pin or stone is ever copied (the benchmark's copied-structure
score is 0 by construction), where laying the tiles themselves turned
straps and letters beside the astronaut's helmet into stamped glyphs.
Colours and edges come from the structure layer. Each tile's source is
chosen among candidates that are

* known pixels of the crop (never the hole, i.e. never the object being
  removed), mostly near the tile, so the grain is the local one;
* similar in low-frequency colour to the structure under the tile (dark
  background grain goes to dark background);
* of the detail strength expected there: the local energy of the residual
  around the hole, spread into it smoothly. A source far busier than its
  surroundings (a name tag on a plain suit, a resistor on a board) costs
  too much to be chosen;
* grain, not edges: a tile that loses much of its energy when the residual
  is softly limited to several times the finest grain around the hole (a
  rim, a strap) is refused, since its spectrum would become streaks.

Each tile is scaled so the hole gets the detail energy its surroundings
predict (of the raw residual: a limited tile is scaled back up, so
heavy-tailed grain like gravel keeps its strength), within limits: at most
``MAX_GAIN`` times its source, and no more than the typical grain around
the hole (a robust estimate, a low quantile of local medians, so other
objects nearby do not count). Tiles overlap by a quarter with flat-topped windows, summed so that
their variance is kept.
Phases and candidates come from a seeded generator: the same input gives
the same fill.
"""

from __future__ import annotations

import cv2
import numpy as np

from eraser_layered.structure import LUMA

SIGMA = 3.0  # px: the texture layer is image - blur(image, SIGMA)
TILE = 16  # px, square tiles
CANDIDATES_NEAR = 32  # random sources within NEAR_TILES tiles of the target
CANDIDATES_FAR = 16  # random sources anywhere in the crop
NEAR_TILES = 3
COLOUR_SIGMA = 10.0  # grey levels of low-frequency mismatch that cost as much as...
ENERGY_SIGMA = 0.5  # ...this much log-energy mismatch, and as...
DISTANCE_TILES = 6.0  # ...a source this many tiles away.
# The limits below were chosen on bench/quality.py's blobs and strokes and by
# eye on the samples (session 4). The first release's (edge limit 3, edge
# ratio 1.5, a cap of twice the finest grain, gain 1.5, target energy that of
# the limited residual) left lawn and gravel a smooth patch (texture ratio
# 0.27 on blobs); with a cap on the mean energy instead of the robust grain,
# the erased coin became a dark blotch busier than the background.
MAX_GAIN = 3.0  # a tile is never amplified more than this (no invented contrast)
EDGE_LIMIT = 5.0  # residuals are softly limited to this many times the finest local grain
GRAIN_CAP = 1.2  # texture RMS at most this many times the robust grain around the hole
GRAIN_TILES = 4  # the grain is judged over a window this many tiles across...
LOW_QUANTILE = 0.4  # ...as this quantile of its cells' medians (see _local_grain)
EDGE_RATIO = 2.0  # raw over limited energy above which a source tile is an edge, not grain


def _random_phase(tiles: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each tile's power spectrum with fresh random phases: the same grain
    (strength, scale, direction), none of its shapes. The phases are those
    of white noise, so the result is real; the tile's mean is dropped."""
    spectrum = np.abs(np.fft.fft2(tiles - tiles.mean(axis=(1, 2), keepdims=True)))
    phase = np.fft.fft2(rng.standard_normal(tiles.shape))
    phase /= np.maximum(np.abs(phase), 1e-12)
    return np.real(np.fft.ifft2(spectrum * phase)).astype(np.float32)


def _window(size: int, band: int) -> np.ndarray:
    """Flat-topped: 1 in the middle, a raised-cosine ramp over ``band`` px at each
    edge. Most pixels then come from one tile, so grain stays coherent; a
    window that blends everywhere (sin^2 at half overlap) mixes four tiles at
    each pixel and turns grain into worms."""
    ramp = np.sin(0.5 * np.pi * (np.arange(band) + 0.5) / band) ** 2
    w = np.ones(size, np.float32)
    w[:band], w[size - band :] = ramp, ramp[::-1]
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
    table = cv2.integral(values.astype(np.float64))
    s = table[size:, size:] - table[:-size, size:] - table[size:, :-size] + table[:-size, :-size]
    return (s / (size * size)).astype(np.float32)


def _spread(energy: np.ndarray, known: np.ndarray, step: int) -> np.ndarray:
    """The local detail energy, with hole pixels given the energy of the nearest
    known surroundings (coarse-to-fine normalised blurs on a reduced map)."""
    height, width = known.shape
    size = (max(1, width // step), max(1, height // step))
    # Local mean energy first (tile scale), then its log: a few strong edges next
    # to the hole must not promise texture everywhere, and the log of a mean is
    # not biased low like the mean of logs of single pixels.
    local = _known_blur(energy, known > 0, step)
    e = cv2.resize(np.log1p(local) * known, size, interpolation=cv2.INTER_AREA)
    k = cv2.resize(known.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    out = _fill_in(e, k)
    return np.expm1(cv2.resize(out, (width, height), interpolation=cv2.INTER_LINEAR))


def _fill_in(weighted: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """A reduced map's values (``weighted / weight``) carried to where it has
    none: each cell takes the first of normalised blurs of growing size that
    reaches it; cells none reaches take the overall mean."""
    out = np.zeros_like(weighted)
    filled = np.zeros(weighted.shape, bool)
    for sigma in (1.0, 2.0, 4.0, 8.0, 16.0, 32.0):
        num = cv2.GaussianBlur(weighted, (0, 0), sigma)
        den = cv2.GaussianBlur(weight, (0, 0), sigma)
        ok = (den > 0.05) & ~filled
        out[ok] = num[ok] / den[ok]
        filled |= ok
    if not filled.all():
        out[~filled] = float((weighted.sum() + 1e-6) / (weight.sum() + 1e-6))
    return out


def _quantile_of_finite(values: np.ndarray, q: float, axis: int) -> np.ndarray:
    """The ``q`` quantile (lower value, no interpolation) of the finite entries
    along ``axis``; NaN where there are none. np.nanquantile, but one sort."""
    ordered = np.sort(values, axis=axis)  # NaN sorts last
    count = np.isfinite(values).sum(axis=axis)
    index = np.clip(np.floor(q * (count - 1)).astype(int), 0, None)
    picked = np.take_along_axis(ordered, np.expand_dims(index, axis), axis=axis).squeeze(axis)
    return np.where(count > 0, picked, np.nan)


def _local_grain(residual: np.ndarray, known: np.ndarray, tile: int, step: int, tiles: int = 2) -> np.ndarray:
    """The typical grain around each pixel (a robust RMS: 1.48 x a low
    quantile of local medians of the absolute residual), spread into the hole.

    Per cell of ``step`` px, the median over its known pixels; around each
    cell, a low quantile of those medians in a window about ``tiles`` tiles
    across. Other things near the hole (the coins beside the one removed, a row
    of pins, a label) make some cells busy; the quantile skips them, where a
    mean, or a median over a window they fill by half, would count them as
    the background's grain."""
    height, width = known.shape
    rows, cols = -(-height // step), -(-width // step)
    pad = ((0, rows * step - height), (0, cols * step - width))
    values = np.pad(np.where(known, np.abs(residual), np.nan), pad, constant_values=np.nan)
    cells = values.reshape(rows, step, cols, step).transpose(0, 2, 1, 3).reshape(rows, cols, step * step)
    med = _quantile_of_finite(cells, 0.5, axis=2)
    r = max(1, (tiles * tile) // (2 * step))
    padded = np.pad(med, r, constant_values=np.nan)
    stack = np.stack([padded[r + dy : r + dy + rows, r + dx : r + dx + cols] for dy in range(-r, r + 1) for dx in range(-r, r + 1)])
    low = _quantile_of_finite(stack, LOW_QUANTILE, axis=0)
    have = np.isfinite(low)
    if not have.any():
        return np.full(known.shape, 0.5, np.float32)
    weight = (have & np.isfinite(med)).astype(np.float32)
    out = _fill_in(np.where(weight > 0, low, 0.0).astype(np.float32), weight)  # into the hole
    full = cv2.resize(out, (cols * step, rows * step), interpolation=cv2.INTER_LINEAR)[:height, :width]
    return 1.4826 * full + 0.5


def synthesise(image: np.ndarray, hole: np.ndarray, structure: np.ndarray, seed: int = 0) -> np.ndarray:
    """``structure`` (float32 RGB) plus texture in the hole, as RGB uint8."""
    height, width = hole.shape
    known = ~hole
    out = structure.copy()
    # The band above a 3 px blur: grain and fine texture, not shapes (a coarser
    # band would carry them). A narrower band would leave a gap between it and
    # the smooth structure that shows as soft, "plastic" texture.
    sigma = SIGMA
    tile = TILE
    band = tile // 4  # the overlap of neighbouring tiles
    half = tile // 2
    step = tile - band
    if height < tile + 2 or width < tile + 2 or not known.any():
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)
    img = image.astype(np.float32)
    # Blurring over known pixels only keeps the object out of the residual next to the hole.
    # Luma only: grain is mostly luminance, and colour residuals at the edges
    # of labels and straps laid down elsewhere read as coloured specks.
    residual = (img - _known_blur(img, known, sigma)) @ LUMA
    residual[hole] = 0.0
    # Grain, not edges: residuals beyond several times the local typical grain
    # (a robust estimate, see _local_grain) are folds, rims and
    # letters; in a tile's spectrum they become streaks, so they are softly
    # limited (tanh) to that level.
    # The raw energy decides which sources fit (letters and rims stand out in it);
    # the limited residual is what is laid down.
    raw_energy = residual**2
    grain = _local_grain(residual, known, tile, half, GRAIN_TILES)
    # The scale is the finest band's (1 px) grain: in the 3 px band folds and
    # rims are common enough to pass for grain themselves.
    finest = (img - _known_blur(img, known, 1.0)) @ LUMA
    finest[hole] = 0.0
    fine = _local_grain(finest, known, tile, half)
    limit = EDGE_LIMIT * fine
    residual = limit * np.tanh(residual / limit)
    energy = residual**2
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
    raw_mean = _box_mean(raw_energy, tile)
    # The energy expected in the hole: the raw residual's, so that heavy-tailed
    # grain (gravel: its limited tiles are scaled back up) keeps its strength.
    expected_raw = _spread(raw_energy, known.astype(np.float32), half)

    # Targets: tiles on a grid (overlapping by ``band``) that cover hole pixels.
    ys, xs = np.nonzero(hole)
    ty = np.arange(ys.min() - band, ys.max() + 1, step)
    tx = np.arange(xs.min() - band, xs.max() + 1, step)
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
    # At most the typical (robust) grain of the same band around the hole: the
    # mean energy is dominated by the edges of other things nearby (the coins
    # beside the one removed, folds and straps), which would come back as a
    # blotch far busier than the background. Grass and gravel are grain
    # throughout, so their texture keeps its strength.
    t_energy = np.minimum(expected_raw[cy, cx], (GRAIN_CAP * grain[cy, cx]) ** 2)
    t_raw = expected_raw[cy, cx]

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
    # An edge tile (a rim, a letter) loses much of its energy to the soft limit;
    # grain keeps nearly all of it. Such sources are not used at all.
    edgy = raw_mean > EDGE_RATIO * (energy_mean + 1e-3)
    valid = src_ok[cand_y, cand_x] & ~edgy[cand_y, cand_x]

    colour_cost = ((colour_mean[cand_y, cand_x] - t_colour[:, None]) ** 2).mean(axis=2) / COLOUR_SIGMA**2
    energy_cost = (np.log1p(raw_mean[cand_y, cand_x]) - np.log1p(t_raw)[:, None]) ** 2 / ENERGY_SIGMA**2
    dist = np.hypot(cand_y - ty[:, None], cand_x - tx[:, None]) / (DISTANCE_TILES * tile)
    cost = colour_cost + energy_cost + dist**2
    cost[~valid] = np.inf
    # Every tile's best source (the costs do not depend on the tiles laid
    # before it: random phases have nothing to join up).
    best = np.argmin(cost, axis=1)
    has = np.isfinite(cost[np.arange(n), best])
    ty, tx, n = ty[has], tx[has], int(has.sum())
    y0, x0 = cand_y[has, best[has]], cand_x[has, best[has]]
    # Gain: the detail energy the surroundings predict, from this source.
    gain = np.sqrt(t_energy[has] / (energy_mean[y0, x0] + 1e-3))
    gain = np.clip(gain, 0.0, MAX_GAIN)
    tiles = _random_phase(residual[y0[:, None, None] + np.arange(tile)[:, None], x0[:, None, None] + np.arange(tile)], rng)
    weight = _window(tile, band)
    acc = np.zeros((height + 2 * pad, width + 2 * pad), np.float32)
    norm = np.zeros(acc.shape, np.float32)
    for i in range(n):
        win = (slice(ty[i] + pad, ty[i] + pad + tile), slice(tx[i] + pad, tx[i] + pad + tile))
        acc[win] += tiles[i] * (gain[i] * weight)
        norm[win] += weight * weight
    acc = acc[pad : pad + height, pad : pad + width]
    norm = norm[pad : pad + height, pad : pad + width]
    # Dividing by the root of the summed squared weights keeps the variance of
    # uncorrelated tiles where they overlap (a plain sum would halve it).
    detail = acc / np.sqrt(np.maximum(norm, 1e-6))
    # Half strength on the first pixel inside the border, full from the third:
    # the structure layer meets the known pixels there, fresh grain would make a step.
    depth = cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3)
    detail *= np.clip(0.25 * (depth + 1.0), 0.5, 1.0)
    out[hole] += detail[hole][:, None]
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)

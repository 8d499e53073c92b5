"""The texture layer: fine detail laid over the smooth structure, tile by tile.

Only the photo's luma residual above a 3 px blur (``image - blur(image)``)
is copied, in 16 px tiles with flat tops that overlap by a quarter, so no
tile can carry an object's shape or colour: the colours and edges come from
the structure layer.  Tiles are laid in raster order; each one's source is
chosen among candidates that are

* known pixels of the crop (never the hole, i.e. never the object being
  removed), mostly near the tile, so the texture is the local one;
* similar in low-frequency colour to the structure under the tile (dark
  background texture goes to dark background);
* of the detail strength expected there: the local energy of the residual
  around the hole, spread into it smoothly.  A source far busier than its
  surroundings (a name tag on a plain suit, a resistor on a board) costs
  too much to be chosen;
* grain, not edges: a tile that loses much of its energy when the residual
  is softly limited to a few times the finest grain around the hole (a rim,
  a letter, a strap) is refused;
* consistent with what it overlaps: the known residual at the border (the
  texture continues across it) and the tiles already laid;
* not used many times already (a repeated stamp reads as a pattern).

Each tile is scaled so the fill has the expected detail energy (the
structure layer's own detail included), but never more than twice the
finest grain around the hole: at the surroundings' full strength, folds and
straps beside the astronaut's helmet became stamped glyphs.  The price is
weaker texture on lawn and gravel.  Candidates come from a seeded
generator: the same input gives the same fill.
"""

from __future__ import annotations

import cv2
import numpy as np

SIGMA = 3.0  # px: the texture layer is image - blur(image, SIGMA)
TILE = 16  # px, square tiles
CANDIDATES_NEAR = 32  # random sources within NEAR_TILES tiles of the target
CANDIDATES_FAR = 16  # random sources anywhere in the crop
NEAR_TILES = 3
COLOUR_SIGMA = 10.0  # grey levels of low-frequency mismatch that cost as much as...
ENERGY_SIGMA = 0.5  # ...this much log-energy mismatch, and as...
DISTANCE_TILES = 6.0  # ...a source this many tiles away.
MAX_GAIN = 1.5  # a tile is never amplified more than this (no invented contrast)
EDGE_LIMIT = 3.0  # residuals are softly limited to this many times the finest local grain
GRAIN_CAP = 2.0  # texture RMS at most this many times the finest grain around the hole
EDGE_RATIO = 1.5  # raw over limited energy above which a source tile is an edge, not grain
REUSE = 2.0  # cost added each time a source tile is used again (a stamp repeated is a pattern)


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
    table = cv2.integral(values.astype(np.float64)) if values.ndim == 2 else cv2.integral(values.astype(np.float64))
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
    return np.expm1(cv2.resize(out, (width, height), interpolation=cv2.INTER_LINEAR))


def _local_grain(residual: np.ndarray, known: np.ndarray, tile: int, step: int) -> np.ndarray:
    """The typical grain (robust RMS: 1.48 x the median absolute residual) around
    each pixel, over windows of about two tiles, spread into the hole."""
    gray = np.abs(residual)
    # medianBlur takes 8-bit images for large windows: quarter grey levels suffice.
    med = cv2.medianBlur(np.clip(gray * 4, 0, 255).astype(np.uint8), 2 * tile + 1).astype(np.float32) / 4
    # Windows that reach into the hole (whose residual is zeroed) are not trusted.
    trusted = cv2.erode(known.astype(np.uint8), np.ones((2 * tile + 1, 2 * tile + 1), np.uint8)) > 0
    if not trusted.any():
        trusted = known
    return 1.4826 * _spread(med, trusted.astype(np.float32), step) + 0.5


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
    luma = np.float32([0.299, 0.587, 0.114])
    residual = (img - _known_blur(img, known, sigma)) @ luma
    residual[hole] = 0.0
    # Grain, not edges: residuals beyond a few times the local typical grain
    # (a robust estimate, the median absolute residual) are folds, rims and
    # letters; laid down in random tiles they become worms and blots, so they
    # are softly limited (tanh) to that level.
    # The raw energy decides which sources fit (letters and rims stand out in it);
    # the limited residual is what is laid down.
    raw_energy = residual**2
    # The scale is the finest band's (1 px) grain: in the 3 px band folds and
    # rims are common enough to pass for grain themselves.
    finest = (img - _known_blur(img, known, 1.0)) @ luma
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
    # Expected energy in the hole (raw, and of the limited residual), and what
    # the structure layer already has.
    expected_raw = _spread(raw_energy, known.astype(np.float32), half)
    expected = _spread(energy, known.astype(np.float32), half)
    s_res = structure - cv2.GaussianBlur(structure, (0, 0), sigma)
    # Measured over hole pixels only: the known texture beside a thin hole is not the fill's.
    s_energy = _known_blur((s_res @ luma) ** 2, hole, half)

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
    # At most a few times the photo's finest grain (a 1 px band) around the
    # hole: beside folds, rims and letters the 3 px band promises edges, and
    # edges laid in random tiles read as glyphs and stamps. Grass and gravel
    # are busy in the finest band too, so their texture keeps its strength.
    t_energy = np.minimum(expected[cy, cx], (GRAIN_CAP * fine[cy, cx]) ** 2)
    t_raw = expected_raw[cy, cx]
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
    # An edge tile (a rim, a letter) loses much of its energy to the soft limit;
    # grain keeps nearly all of it. Such sources are not used at all.
    edgy = raw_mean > EDGE_RATIO * (energy_mean + 1e-3)
    valid = src_ok[cand_y, cand_x] & ~edgy[cand_y, cand_x]

    colour_cost = ((colour_mean[cand_y, cand_x] - t_colour[:, None]) ** 2).mean(axis=2) / COLOUR_SIGMA**2
    energy_cost = (np.log1p(raw_mean[cand_y, cand_x]) - np.log1p(t_raw)[:, None]) ** 2 / ENERGY_SIGMA**2
    dist = np.hypot(cand_y - ty[:, None], cand_x - tx[:, None]) / (DISTANCE_TILES * tile)
    cost = colour_cost + energy_cost + dist**2
    cost[~valid] = np.inf
    # Gain per candidate: make the total detail energy what the surroundings predict.
    gains = np.sqrt(np.maximum(t_energy - t_own, 0.0)[:, None] / (energy_mean[cand_y, cand_x] + 1e-3))
    gains = np.clip(gains, 0.0, MAX_GAIN)

    # Tiles are laid in raster order, each agreeing with what it overlaps: the
    # known residual at the border (the texture continues across it) and the
    # tiles laid before it (their grain joins up, as in image quilting).
    weight = _window(tile, band)
    acc = np.zeros((height + 2 * pad, width + 2 * pad), np.float32)
    norm = np.zeros(acc.shape, np.float32)
    known_p = np.pad(known, pad)
    known_gray = np.pad(residual, pad)
    src_gray = residual
    dy, dx = np.mgrid[0:tile, 0:tile]
    rows = np.arange(CANDIDATES_NEAR + CANDIDATES_FAR)
    used = np.zeros(src_ok.shape, np.float32)
    for i in range(n):
        ok = valid[i]
        if not ok.any():
            continue
        win = (slice(ty[i] + pad, ty[i] + pad + tile), slice(tx[i] + pad, tx[i] + pad + tile))
        kn = known_p[win]
        placed = (norm[win] > 0) & ~kn
        seen = kn | placed
        total = cost[i] + REUSE * used[cand_y[i], cand_x[i]]
        if seen.any():
            ref = np.where(kn, known_gray[win], acc[win] / np.sqrt(np.maximum(norm[win], 1e-6)))[seen]
            cy_, cx_ = np.clip(cand_y[i][ok], 0, height - tile), np.clip(cand_x[i][ok], 0, width - tile)
            patches = src_gray[cy_[:, None, None] + dy, cx_[:, None, None] + dx][:, seen] * gains[i][ok][:, None]
            total[ok] += ((patches - ref) ** 2).mean(axis=1) / (t_energy[i] + 4.0)
        b = rows[np.argmin(total)]
        y0, x0, g = cand_y[i, b], cand_x[i, b], gains[i, b]
        used[y0, x0] += 1
        acc[win] += src_gray[y0 : y0 + tile, x0 : x0 + tile] * (g * weight)
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

"""Patch synthesis: the hole filled with pieces of the photo, continued
from its border, coherent, not a collage.

The completion of Wexler, Shechtman and Irani (2007): the fill is the image
whose every patch has a close match among the photo's known patches. It
alternates two steps, coarse to fine:

* E: for each patch overlapping the hole, the nearest known patch, found by
  PatchMatch (Barnes et al. 2009: neighbours' matches shifted by one pixel,
  plus random search at shrinking radii), here run on all patches at once
  (numpy, every pixel's candidates in one array operation);
* M: each hole pixel becomes the weighted mean of what the overlapping
  patches' matches say it is (votes weighted by how well each patch matched).

What keeps it from pasting objects and from a mosaic:

* **peeled start**: the coarsest level is filled ring by ring from the
  border, each pixel from the known patch that matches what is already
  there. The fill grows out of the surroundings (the suit and the backdrop
  around a removed helmet) instead of being drawn to whatever patch
  matches a smooth guess (a harmonic first guess, tried, averaged orange
  suit and black backdrop into a brown that matched the hair);
* **coherence and reuse costs** in the search, in proportion to the grain
  around the hole: a match that agrees with its neighbours' offsets is
  preferred (whole pieces copied, not a pixel from here and a pixel from
  there, which reads as hash), and a source already used by many patches
  costs more (Simakov et al.'s completeness, in short: one flat patch
  repeated was what a blurred estimate converged to on gravel). On smooth
  surroundings they are off: there they cut a suit into rectangles;
* **copy where offsets agree, vote elsewhere**: at full size a pixel whose
  neighbours share its offset is its own patch's source centre (the photo
  copied intact: a mean of votes blurs grain); where offsets disagree (a
  smooth suit matches many places equally) the mean vote stays (a copy
  there is a mosaic of blocks);
* **one border offset**: the fill is shifted by the median mismatch of the
  two sides' local means along the border (a disc of lighter backdrop
  where a coin was joins without a step).

Measured against PatchMatch on the README's helmet: copied structure 0.0
(PatchMatch 0.39: its neck ring and a badge pasted into the hole). Tried and
dropped: excluding "rare" known patches (no close match elsewhere) from the
sources (no measurable gain on the helmet; it flagged the saucer's rim
around the cup, background the fill must continue), a structure-layer
guide term in the distance (pulled the fill to the harmonic average's
colours), random-phase grain at full strength on top (worms on the helmet).

Only the levels up to ``SEARCH`` px run full EM; finer ones inherit the
coarse matches (offsets doubled), search only near the border and where an
inherited source became invalid, and copy.
"""

from __future__ import annotations

import cv2
import numpy as np

from eraser.cancel import check

R = 3  # patch radius: 7 x 7 patches
# The distance samples a 3 x 3 grid of the patch's pixels (its corners, edge
# middles and centre): nearly the same ranking at a fifth of the cost.
_SAMPLE = np.array([(dy, dx) for dy in (-R, 0, R) for dx in (-R, 0, R)])
COARSE = 96  # px: the coarsest level's longer side is at most this
SEARCH = 256  # px: levels up to this size run full EM; finer ones a short refinement
EM_ITERS = 5  # EM iterations at the coarsest level (fewer as levels get finer)
PM_ITERS = 2  # PatchMatch sweeps per E step
PEEL_RING = 2.0  # px: the coarsest guess is filled in rings this deep...
PEEL_ROUNDS = 5  # ...each with this many rounds of random and nearby candidates
VOTE_PERCENTILE = 75  # votes weigh exp(-d / this percentile of d): lower is sharper
# Costs that keep copies coherent, at full strength on grain (gravel, grass,
# sand: there a mean of votes is a smooth blob, texture ratio 0.06) and
# off on smooth surfaces (a suit, a wall: there they cut the fill into
# rectangles copied from the folds). Between, in proportion to the grain.
COHERENCE = 8.0  # cost of disagreeing with all 4 neighbours' offsets, in typical distances
GRAIN_SMOOTH, GRAIN_FULL = 1.5, 4.0  # grey levels of median fine residual around the hole: no grain, full grain
BLEND_PX = 3.5  # px next to the known pixels that keep the blended vote
AGREE = 3  # neighbours (of 4) sharing a pixel's offset for it to be copied rather than voted
REUSE = 1.0  # cost of a source fully reused by every patch around it, in typical distances


def _pyramid(img: np.ndarray, hole: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    levels = [(img, hole)]
    while max(levels[-1][1].shape) > COARSE and min(levels[-1][1].shape) > 4 * (2 * R + 1):
        im, h = levels[-1]
        size = ((im.shape[1] + 1) // 2, (im.shape[0] + 1) // 2)
        small = cv2.resize(im, size, interpolation=cv2.INTER_AREA)
        # A coarse pixel is hole when any pixel under it is: no hole colour leaks into sources.
        sh = cv2.resize(h.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0
        levels.append((small, sh))
    return levels[::-1]


class _Level:
    """One pyramid level, padded by R (reflected) so every patch is in the frame."""

    def __init__(self, img: np.ndarray, hole: np.ndarray):
        self.h, self.w = hole.shape
        pad = lambda a: cv2.copyMakeBorder(a, R, R, R, R, cv2.BORDER_REFLECT)  # noqa: E731
        self.src = pad(img)
        self.hole = np.pad(hole, R, mode="reflect")
        known = (~self.hole).astype(np.uint8)
        full = cv2.erode(known, np.ones((2 * R + 1, 2 * R + 1), np.uint8), borderValue=0) > 0
        inside = np.zeros_like(full)
        inside[R : R + self.h, R : R + self.w] = True
        self.valid = full & inside
        sy, sx = np.nonzero(self.valid)
        self.sources = (sy, sx)
        # Targets: patches that overlap the hole (centres within R of it).
        near = cv2.dilate(hole.astype(np.uint8), np.ones((2 * R + 1, 2 * R + 1), np.uint8)) > 0
        ty, tx = np.nonzero(near)
        self.ty, self.tx = ty + R, tx + R
        # Targets whose patch holds known pixels are anchored by them; only
        # deeper ones are pushed to agree with their neighbours.
        depth = cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3)
        self.free = (depth[ty, tx] > R + 1).astype(np.float32)
        self.hy, self.hx = (a + R for a in np.nonzero(hole))


def _distance(lv: _Level, cur: np.ndarray, ty, tx, sy, sx, known=None) -> np.ndarray:
    """Mean squared difference over the sampled patch pixels (only ``known``
    ones when given); infinite where the source is not a whole known patch."""
    width = cur.shape[1]
    flat_cur, flat_src = cur.reshape(-1, 3), lv.src.reshape(-1, 3)
    t, s = ty * width + tx, sy * width + sx
    d = np.zeros(ty.shape, np.float32)
    count = np.zeros(ty.shape, np.float32) if known is not None else float(len(_SAMPLE))
    for oy, ox in _SAMPLE:
        o = oy * width + ox
        diff = np.take(flat_cur, t + o, axis=0) - np.take(flat_src, s + o, axis=0)
        e = np.einsum("ij,ij->i", diff, diff)
        if known is not None:
            k = np.take(known.ravel(), t + o)
            e = e * k
            count = count + k
        d += e
    d /= np.maximum(count, 1.0)
    d[~lv.valid[sy, sx]] = np.inf
    return d


def _usage(lv: _Level, ny, nx, dist) -> np.ndarray:
    """The reuse cost of each source: how many targets already copy from
    within a patch of it, times a typical distance (Simakov's completeness,
    in short: a fill that copies one patch over and over has lost most of
    the photo, and on grain it is a flat patch repeated)."""
    count = np.zeros(lv.valid.shape, np.float32)
    np.add.at(count, (ny, nx), 1.0)
    count = cv2.boxFilter(count, -1, (2 * R + 1, 2 * R + 1), normalize=False)
    ok = np.isfinite(dist)
    typical = float(np.median(dist[ok])) if ok.any() else 0.0
    return lv.reuse * typical * np.maximum(count - 1.0, 0.0) / (2 * R + 1) ** 2


def _agreement(field_y, field_x, has, ty, tx, sy, sx) -> np.ndarray:
    """How many of each target's 4 neighbours copy from the matching
    neighbour of source (sy, sx), i.e. share its offset (0 to 4). Targets
    lie at least R px inside the padded level, so their neighbours do too."""
    width = has.shape[1]
    here = ty * width + tx
    fy, fx, hv = field_y.ravel(), field_x.ravel(), has.ravel()
    count = np.zeros(ty.shape, np.float32)
    for dy, dx in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        n = here + (dy * width + dx)
        count += np.take(hv, n) & (np.abs(np.take(fy, n) - sy - dy) <= 1) & (np.abs(np.take(fx, n) - sx - dx) <= 1)
    return count


def _improve(lv, cur, ty, tx, ny, nx, dist, sy, sx, pick, usage=None, field=None) -> None:
    """Keep candidate sources (sy, sx) that beat the current match of the
    targets ``pick`` (indices into the level's targets). Costs: the patch
    distance, the reuse cost (``usage``) and, with ``field`` (the current
    sources by position, a cost scale), a discount for agreeing with the
    neighbours' offsets."""
    sy = np.clip(sy, R, lv.valid.shape[0] - 1 - R)
    sx = np.clip(sx, R, lv.valid.shape[1] - 1 - R)
    d = _distance(lv, cur, ty, tx, sy, sx)
    if usage is not None:
        d += usage[sy, sx]
    if field is not None:
        field_y, field_x, has, scale = field
        d += scale * lv.free[pick] * (4.0 - _agreement(field_y, field_x, has, ty, tx, sy, sx))
    better = d < dist[pick]
    win = pick[better]
    ny[win], nx[win], dist[win] = sy[better], sx[better], d[better]


def _patchmatch(lv: _Level, cur: np.ndarray, ny, nx, dist, rng, iters: int, radius: int, pick=None) -> None:
    """PatchMatch on all targets at once (or on those indexed by ``pick``);
    ``ny``/``nx``/``dist`` per target, updated in place."""
    pick = np.arange(lv.ty.size) if pick is None else pick
    ty, tx = lv.ty[pick], lv.tx[pick]
    field_y = np.zeros(lv.valid.shape, np.int64)
    field_x = np.zeros(lv.valid.shape, np.int64)
    has = np.zeros(lv.valid.shape, bool)
    for _ in range(iters):
        usage = _usage(lv, ny, nx, dist) if lv.reuse else None
        if usage is not None:
            dist[pick] += usage[ny[pick], nx[pick]]
        field = None
        if lv.coherence:
            field_y[lv.ty, lv.tx], field_x[lv.ty, lv.tx] = ny, nx
            has[lv.ty, lv.tx] = True
            ok = np.isfinite(dist)
            scale = lv.coherence * float(np.median(dist[ok])) / 4.0 if ok.any() else 0.0
            field = (field_y.copy(), field_x.copy(), has, scale)
            dist[pick] += scale * lv.free[pick] * (4.0 - _agreement(field[0], field[1], has, ty, tx, ny[pick], nx[pick]))
        # Propagation: a neighbour's source shifted by the step, at 1 and 4 px
        # (the long step spreads a good match across the hole in few sweeps).
        for step in (4, 1):
            field_y[lv.ty, lv.tx], field_x[lv.ty, lv.tx] = ny, nx
            has[lv.ty, lv.tx] = True
            for dy, dx in ((step, 0), (-step, 0), (0, step), (0, -step)):
                py = np.clip(ty - dy, 0, lv.valid.shape[0] - 1)
                px = np.clip(tx - dx, 0, lv.valid.shape[1] - 1)
                ok = has[py, px]
                sy = np.where(ok, field_y[py, px] + dy, ny[pick])
                sx = np.where(ok, field_x[py, px] + dx, nx[pick])
                _improve(lv, cur, ty, tx, ny, nx, dist, sy, sx, pick, usage, field)
        r = radius
        while r >= 1:
            sy = ny[pick] + rng.integers(-r, r + 1, pick.size)
            sx = nx[pick] + rng.integers(-r, r + 1, pick.size)
            _improve(lv, cur, ty, tx, ny, nx, dist, sy, sx, pick, usage, field)
            r //= 3
        if usage is not None or field is not None:  # back to plain distances, for the vote
            dist[pick] = _distance(lv, cur, ty, tx, ny[pick], nx[pick])


def _peel(lv: _Level, cur: np.ndarray, rng) -> None:
    """The coarsest first guess: the hole filled ring by ring from its border,
    each pixel the centre of the known patch that best matches the pixels
    already there (a smooth first guess would average unlike surroundings,
    orange suit and black backdrop, into a brown that matches hair)."""
    hole = lv.hole[R:-R, R:-R]
    depth = cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3)
    known = (~lv.hole).astype(np.float32)
    sy_all, sx_all = lv.sources
    rings = np.ceil(depth / PEEL_RING)
    for ring in range(1, int(rings.max()) + 1):
        ty, tx = np.nonzero(hole & (rings == ring) & (known[R:-R, R:-R] == 0))
        if ty.size == 0:
            continue
        ty, tx = ty + R, tx + R
        best = np.full(ty.shape, np.inf, np.float32)
        by, bx = ty.copy(), tx.copy()
        for _ in range(PEEL_ROUNDS):
            pick = rng.integers(0, sy_all.size, ty.size)
            cand = [(sy_all[pick], sx_all[pick]), (by + rng.integers(-3, 4, ty.shape), bx + rng.integers(-3, 4, ty.shape))]
            for sy, sx in cand:
                sy = np.clip(sy, R, lv.valid.shape[0] - 1 - R)
                sx = np.clip(sx, R, lv.valid.shape[1] - 1 - R)
                d = _distance(lv, cur, ty, tx, sy, sx, known)
                better = d < best
                best[better], by[better], bx[better] = d[better], sy[better], sx[better]
        ok = np.isfinite(best)
        cur[ty[ok], tx[ok]] = lv.src[by[ok], bx[ok]]
        known[ty[ok], tx[ok]] = 1.0


def _vote(lv: _Level, cur: np.ndarray, ny, nx, dist, reach: int = 2) -> None:
    """Hole pixels become the weighted mean of what the overlapping patches'
    sources say they are (in place), from the inner (2 reach + 1)^2 pixels
    of each patch (5 x 5 by default: half the gathers of the whole 7 x 7)."""
    ok = np.isfinite(dist)
    if not ok.any():
        return
    width = cur.shape[1]
    # Flat indices: each target's source centre, and each target's weight
    # (Wexler's: a patch that matched well speaks louder).
    scale = float(np.percentile(dist[ok], VOTE_PERCENTILE)) + 1.0
    source = np.zeros(lv.valid.size, np.int64)
    weight = np.zeros(lv.valid.size, np.float32)
    targets = lv.ty * width + lv.tx
    source[targets] = ny * width + nx
    weight[targets] = np.where(ok, np.exp(-dist / scale), 0.0)
    flat_src = lv.src.reshape(-1, cur.shape[2])
    holes = lv.hy * width + lv.hx
    acc = np.zeros((holes.size, cur.shape[2]), np.float32)
    den = np.zeros(holes.size, np.float32)
    for oy in range(-reach, reach + 1):
        for ox in range(-reach, reach + 1):
            o = oy * width + ox
            centre = holes - o
            w = np.take(weight, centre)
            acc += w[:, None] * np.take(flat_src, np.take(source, centre) + o, axis=0, mode="clip")
            den += w
    got = den > 0
    cur[lv.hy[got], lv.hx[got]] = acc[got] / den[got, None]


def _graininess(image: np.ndarray, hole: np.ndarray) -> float:
    """0 on a smooth surround, 1 on grain: the median absolute fine residual
    (luma minus a 1.5 px blur) over known pixels within 16 px of the hole,
    mapped from GRAIN_SMOOTH..GRAIN_FULL grey levels to 0..1."""
    gray = image @ np.float32([0.299, 0.587, 0.114])
    residual = np.abs(gray - cv2.GaussianBlur(gray, (0, 0), 1.5))
    ring = (cv2.dilate(hole.astype(np.uint8), np.ones((33, 33), np.uint8)) > 0) & ~hole
    if not ring.any():
        return 0.0
    level = float(np.median(residual[ring]))
    return float(np.clip((level - GRAIN_SMOOTH) / (GRAIN_FULL - GRAIN_SMOOTH), 0.0, 1.0))


def _match_border(image: np.ndarray, fill: np.ndarray, hole: np.ndarray, sigma: float = 3.0) -> np.ndarray:
    """The fill shifted by one offset per channel so its local mean meets the
    photo's along the border: the median, over the hole's first ring, of the
    two sides' local means' difference. A fill whose sources were a little
    brighter (a disc of lighter backdrop where a coin was) joins without a
    step. One median, not an offset per border pixel carried inwards: that
    spread a label's colour beside the hole into it as a plume, and shifted
    the slats' edges."""
    known = (~hole).astype(np.float32)
    inside = hole.astype(np.float32)
    img, out = image.astype(np.float32), fill.astype(np.float32)
    blur = lambda a: cv2.GaussianBlur(a, (0, 0), sigma)  # noqa: E731
    outer = blur(img * known[..., None]) / np.maximum(blur(known), 1e-4)[..., None]
    inner = blur(out * inside[..., None]) / np.maximum(blur(inside), 1e-4)[..., None]
    border = hole & (cv2.dilate(known.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0)
    if border.any():
        out[hole] += np.median(outer[border] - inner[border], axis=0)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def synthesise(image: np.ndarray, hole: np.ndarray, seed: int = 0) -> np.ndarray | None:
    """The filled image (uint8), or None when the crop has no patch to copy from."""
    rng = np.random.default_rng(seed)
    levels = _pyramid(image.astype(np.float32), np.asarray(hole, bool))
    if levels[0][1].all():
        return None
    grainy = _graininess(np.asarray(image, np.float32), np.asarray(hole, bool))
    ny = nx = dist = None
    prev = last = None  # last: the previous (coarser) level's answer
    for k, (img, h) in enumerate(levels):
        check()  # the page's Escape stops the fill between levels and iterations
        lv = _Level(img, h)
        lv.coherence, lv.reuse = COHERENCE * grainy, REUSE * grainy
        if lv.sources[0].size == 0:
            return None
        cur = lv.src.copy()
        if prev is not None:  # the coarser answer, enlarged, until the vote replaces it
            up = cv2.resize(last, (h.shape[1], h.shape[0]), interpolation=cv2.INTER_LINEAR)
            cur[lv.hole] = cv2.copyMakeBorder(up, R, R, R, R, cv2.BORDER_REFLECT)[lv.hole]
        if prev is None:
            _peel(lv, cur, rng)
            pick = rng.integers(0, lv.sources[0].size, lv.ty.size)
            ny, nx = lv.sources[0][pick], lv.sources[1][pick]
        else:
            # Inherit: a fine pixel's source is its coarse pixel's source doubled,
            # plus its place within the coarse pixel (offsets kept, a coherent copy).
            shape, pty, ptx, pny, pnx = prev
            fy = np.zeros(shape, np.int64)
            fx = np.zeros_like(fy)
            fy[pty, ptx], fx[pty, ptx] = pny - pty, pnx - ptx
            cy = np.clip((lv.ty - R) // 2 + R, 0, fy.shape[0] - 1)
            cx = np.clip((lv.tx - R) // 2 + R, 0, fy.shape[1] - 1)
            ny = np.clip(lv.ty + 2 * fy[cy, cx], R, lv.valid.shape[0] - 1 - R)
            nx = np.clip(lv.tx + 2 * fx[cy, cx], R, lv.valid.shape[1] - 1 - R)
        searching = max(h.shape) <= SEARCH
        if prev is not None:
            # (Copying each pixel's own inherited source instead of a vote
            # made a smooth suit a mosaic of 2 x 2 blocks.)
            _vote(lv, cur, ny, nx, _distance(lv, cur, lv.ty, lv.tx, ny, nx))
        dist = _distance(lv, cur, lv.ty, lv.tx, ny, nx)
        if searching:  # full EM, fewer iterations as levels get finer
            radius = max(h.shape) // 2 if prev is None else 4
            for _ in range(max(1, EM_ITERS - 2 * k)):
                check()
                _patchmatch(lv, cur, ny, nx, dist, rng, PM_ITERS if k == 0 else 1, radius)
                # The whole patch votes here: with the inner 5 x 5 only, the
                # suit's folds came out as a regular row of ridges.
                _vote(lv, cur, ny, nx, dist, reach=R)
                dist = _distance(lv, cur, lv.ty, lv.tx, ny, nx)
        else:
            # Finer levels search only the patches near the border, where a
            # patch must agree with the known pixels (else a seam shows);
            # deeper in, the inherited matches are as good.
            # Inherited sources that are no longer valid here (their patch
            # now touches the hole) are drawn afresh.
            depth = cv2.distanceTransform(lv.hole.astype(np.uint8), cv2.DIST_L2, 3)
            lost = ~np.isfinite(dist)
            if lost.any():
                fresh = rng.integers(0, lv.sources[0].size, int(lost.sum()))
                ny[lost], nx[lost] = lv.sources[0][fresh], lv.sources[1][fresh]
                dist[lost] = _distance(lv, cur, lv.ty[lost], lv.tx[lost], ny[lost], nx[lost])
            pick = np.nonzero((depth[lv.ty, lv.tx] <= 2 * R + 1) | lost)[0]
            _patchmatch(lv, cur, ny, nx, dist, rng, 2 if lost.any() else 1, 4, pick)
        if k == len(levels) - 1:
            # Where neighbouring patches share an offset, each pixel is its
            # own patch's source centre: the photo copied intact, grain sharp
            # (a mean of votes blurs it). Elsewhere offsets disagree (a smooth
            # suit matches many places equally), a copy would be a mosaic of
            # blocks and the mean vote is kept. The BLEND_PX next to the
            # known pixels keep the vote too: it joins them.
            if not searching:  # (a searched level's loop ended with a vote)
                _vote(lv, cur, ny, nx, dist)
            field_y = np.zeros(lv.valid.shape, np.int64)
            field_x = np.zeros(lv.valid.shape, np.int64)
            has = np.zeros(lv.valid.shape, bool)
            field_y[lv.ty, lv.tx], field_x[lv.ty, lv.tx] = ny, nx
            has[lv.ty, lv.tx] = True
            agree = _agreement(field_y, field_x, has, lv.ty, lv.tx, ny, nx)
            depth = cv2.distanceTransform(lv.hole.astype(np.uint8), cv2.DIST_L2, 3)
            inner = lv.hole[lv.ty, lv.tx] & (depth[lv.ty, lv.tx] > BLEND_PX) & np.isfinite(dist) & (agree >= AGREE)
            cur[lv.ty[inner], lv.tx[inner]] = lv.src[ny[inner], nx[inner]]
        prev = (lv.valid.shape, lv.ty, lv.tx, ny, nx)
        last = cur[R:-R, R:-R]
    out = cur[R:-R, R:-R]
    return _match_border(image, out, np.asarray(hole, bool))

"""Seams of the temporal fill: each source frame brought to the filled frame's light.

A hole's pixels are taken from frames up to a second away; where the
exposure or the white balance moved in between (a camera's automatic
exposure, a cloud), each source frame's pixels come in a shade of their own,
and the fill shows its pieces' edges and a step at the hole's border.

The correction (:func:`light_change`, :func:`gain`): the light's change from
each frame to the next, one gain per channel, measured on the whole frame's
background (away from both holes, followed by the background's motion).
Added up over a window it gives each frame's light, and a source's colours
are scaled from its frame's light to the filled frame's. Measured on
thousands of pixels once per pair of frames, it moves smoothly from frame to
frame: the fill follows the light without a jitter of its own.

Its first form, still here (:func:`offsets`, off by default:
temporal.RESIDUAL), fitted one colour offset per source frame on each frame
alone by least squares to what must hold:

- at the hole's border (its outer ring, where the frame's own pixels are
  background: the hole was widened for that), a source's colour plus its
  offset is the frame's own;
- where two sources meet (neighbouring pixels, or a pixel that both passes
  reached), their corrected colours agree.

Each pair of sources (and each source at the border) says the median
difference of its pixels, weighted by the square root of their count and
less where the differences spread (an object's edge left in the ring,
something in front of the hole's border, a seam along an edge of the
scene: a change of light shifts all pixels alike). A source nothing ties to the border or to another source
keeps its colours. Those offsets moved a little from frame to frame (the
error's flicker rose by a quarter on the bench's clip) and an offset fitted
on the sky darkened the rocket beside it.
"""

from __future__ import annotations

import cv2
import numpy as np

RING = 3  # the hole's outer ring this many pixels wide is compared with the frame's own pixels
LEAST = 8  # fewer pixels than this do not make an equation
SPREAD = 3.0  # levels: an equation whose differences spread (median absolute deviation) more than this weighs less
SAMPLES = 4096  # pixels per kind of equation at most (taken evenly)
DEAD = 1.5  # levels (0-255) taken off every offset
LIGHT_SAMPLES = 6000  # background pixels compared per pair of frames for the light's change
LEAST_LIGHT = 200  # fewer than this: the light is taken as unchanged
NEAR_LIGHT = 0.05  # (log) a pixel's change this far from the median is not the light's
# (log) taken off every change of light: on a steady clip the measure's noise
# alone changed the fill (and the codec's loss around it)
STEADY = 0.006
DARK, BRIGHT = 16, 240  # levels: pixels outside these do not follow a gain (noise, clipping)
ANCHOR = 0.05  # the weight of "no offset" for every source (keeps an unconnected source as it was)


def offsets(frame: np.ndarray, xs: np.ndarray, ys: np.ndarray, hole_mask: np.ndarray, origin: tuple[int, int],
            sources: tuple, first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The colour offsets to add to ``first`` and ``second`` (the two passes'
    colours of the hole pixels ``xs, ys``; ``sources`` as temporal._sample
    gets them), float32 ``(N, channels)`` each."""
    src_a, src_b = sources[0], sources[3]
    top = int(max(src_a.max(initial=-1), src_b.max(initial=-1)))
    frames = np.flatnonzero(np.bincount(src_a[src_a >= 0], minlength=top + 1)
                            + np.bincount(src_b[src_b >= 0], minlength=top + 1)) if top >= 0 else np.zeros(0, np.int64)
    zero = np.zeros_like(first), np.zeros_like(second)
    if frames.size == 0:
        return zero
    rows: list[tuple] = []  # arrays: source, other source (-1: the frame itself), weight, value
    # the border: the frame's own colours against the primary source's
    x0, y0 = origin
    # (beyond the hole's box is outside the hole: eroded from there too)
    inner = cv2.erode(hole_mask.astype(np.uint8), np.ones((2 * RING + 1, 2 * RING + 1), np.uint8),
                      borderType=cv2.BORDER_CONSTANT, borderValue=0) > 0
    ring = hole_mask & ~inner
    on_ring = _thinned(np.flatnonzero(ring[ys - y0, xs - x0] & (src_a >= 0)))
    if on_ring.size:
        own = frame[ys[on_ring], xs[on_ring]].astype(np.float32)
        _add_groups(rows, src_a[on_ring], None, own - first[on_ring])
    # a pixel both passes reached: the two sources must agree there
    both = _thinned(np.flatnonzero((src_a >= 0) & (src_b >= 0) & (src_a != src_b)))
    if both.size:
        _add_groups(rows, src_a[both], src_b[both], second[both] - first[both])
    # neighbouring pixels with different primary sources
    grid = np.full(hole_mask.shape, -1, np.int64)
    grid[ys - y0, xs - x0] = np.arange(xs.size)
    for a, b in ((grid[:, :-1], grid[:, 1:]), (grid[:-1, :], grid[1:, :])):
        pair = (a >= 0) & (b >= 0)
        i, j = a[pair], b[pair]
        differ = _thinned(np.flatnonzero((src_a[i] >= 0) & (src_a[j] >= 0) & (src_a[i] != src_a[j])))
        if differ.size:
            i, j = i[differ], j[differ]
            _add_groups(rows, src_a[i], src_a[j], first[j] - first[i])
    if not rows:
        return zero
    # least squares through its normal equations (a few dozen unknowns): each
    # equation w * (offset_s - offset_t) = w * value adds w^2 to (s, s) and
    # (t, t), -w^2 to (s, t) and (t, s); one against the frame (t = -1) only to (s, s)
    k = frames.size
    position = np.full(int(frames.max()) + 1, -1, np.int64)
    position[frames] = np.arange(k)
    s_all = position[np.concatenate([r[0] for r in rows])]
    t_raw = np.concatenate([r[1] for r in rows])
    w2 = np.concatenate([r[2] for r in rows]) ** 2
    v_all = np.concatenate([r[3] for r in rows]).astype(np.float64)
    paired = t_raw >= 0
    t_all = np.where(paired, position[np.maximum(t_raw, 0)], 0)
    normal = np.eye(k) * ANCHOR**2
    right = np.zeros((k, first.shape[1]))
    np.add.at(normal, (s_all, s_all), w2)
    np.add.at(right, s_all, w2[:, None] * v_all)
    np.add.at(normal, (t_all[paired], t_all[paired]), w2[paired])
    np.add.at(normal, (s_all[paired], t_all[paired]), -w2[paired])
    np.add.at(normal, (t_all[paired], s_all[paired]), -w2[paired])
    np.add.at(right, t_all[paired], -w2[paired, None] * v_all[paired])
    solved = np.linalg.solve(normal, right).astype(np.float32)
    # an offset of a level or two is as likely noise as light: left out, so a
    # steady clip's fill does not jitter by the fit's noise
    solved = np.sign(solved) * np.maximum(np.abs(solved) - DEAD, 0)
    table = np.zeros((int(frames.max()) + 2, first.shape[1]), np.float32)
    table[frames] = solved
    return table[src_a] * (src_a >= 0)[:, None], table[src_b] * (src_b >= 0)[:, None]


def _add_groups(rows: list, s: np.ndarray, t, difference: np.ndarray) -> None:
    """One equation per (source, other) pair with enough pixels: the median
    difference, weighted by the square root of the count and less where the
    differences spread (their median absolute deviation)."""
    other = np.full(s.size, -1, np.int64) if t is None else t.astype(np.int64)
    key = s.astype(np.int64) * 1_000_003 + other + 1
    starts, counts, middle = _medians(key, difference)
    _, _, spread = _medians(key, np.abs(difference - np.repeat(middle, counts, axis=0)[_inverse(key)]))
    first = np.argsort(key, kind="stable")[starts]  # a pixel of each group, for its sources
    enough = counts >= LEAST
    # a change of light shifts every pixel alike; differences that spread
    # widely (the ring runs along something in front, the sources meet along
    # an edge of the scene) say little
    weight = np.sqrt(counts) / (1.0 + (spread.max(axis=1) / SPREAD) ** 2)
    rows.append((s[first][enough].astype(np.int64), other[first][enough], weight[enough], middle[enough]))


def _thinned(index: np.ndarray) -> np.ndarray:
    """Every k-th of ``index``, at most SAMPLES: medians of a few thousand pixels
    say as much as of all, for a fraction of the sorting."""
    return index[::-(-index.size // SAMPLES)] if index.size > SAMPLES else index


def _inverse(key: np.ndarray) -> np.ndarray:
    """For each element, its position in ``key`` sorted (stable): undoes np.repeat over sorted groups."""
    order = np.argsort(key, kind="stable")
    inverse = np.empty_like(order)
    inverse[order] = np.arange(order.size)
    return inverse


def _medians(key: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group of equal ``key`` (in sorted order): where it starts among the
    sorted keys, its size, and the median (lower middle) of each column of
    ``values``, by one sort per column rather than a call per group."""
    ordered = np.sort(key, kind="stable")
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    counts = np.diff(np.r_[starts, ordered.size])
    middle = np.empty((starts.size, values.shape[1]), np.float32)
    for c in range(values.shape[1]):
        by = np.lexsort((values[:, c], key))
        middle[:, c] = values[by[starts + (counts - 1) // 2], c]
    return starts, counts, middle


def light_change(frame_a: np.ndarray, frame_b: np.ndarray, motion, hole_a, hole_b) -> np.ndarray:
    """How the light changed from frame a to frame b: the log of a gain per
    channel, the median over the background away from both holes (a grid of
    a's pixels followed into b by the background's ``motion``)."""
    from eraser.video.motion import sample_points

    height, width = frame_a.shape[:2]
    step = max(2, int(np.sqrt(height * width / LIGHT_SAMPLES)))
    gy, gx = np.mgrid[step // 2:height:step, step // 2:width:step]
    keep = np.ones(gx.shape, bool)
    for hole in (hole_a, hole_b):
        if not hole.empty:
            x0, y0, x1, y1 = hole.box
            keep &= ~((gx >= x0) & (gx < x1) & (gy >= y0) & (gy < y1))
    xs, ys = gx[keep].astype(np.float64), gy[keep].astype(np.float64)
    qx, qy = motion.apply(xs, ys)
    inside = (qx >= 1) & (qx < width - 2) & (qy >= 1) & (qy < height - 2)
    if hole_b is not None and not hole_b.empty:  # the hole's box in b too (the motion may land there)
        x0, y0, x1, y1 = hole_b.box
        inside &= ~((qx >= x0) & (qx < x1) & (qy >= y0) & (qy < y1))
    if inside.sum() < LEAST_LIGHT:
        return np.zeros(frame_a.shape[2], np.float32)
    a = frame_a[ys[inside].astype(np.int64), xs[inside].astype(np.int64)].astype(np.float32)
    b = sample_points(frame_b, qx[inside], qy[inside], cv2.INTER_LINEAR, cv2.BORDER_REPLICATE).astype(np.float32)
    # clipped or dark pixels do not follow a gain
    lit = ((a > DARK) & (a < BRIGHT) & (b > DARK) & (b < BRIGHT)).all(axis=1)
    if lit.sum() < LEAST_LIGHT:
        return np.zeros(frame_a.shape[2], np.float32)
    ratio = np.log(b[lit]) - np.log(a[lit])
    # the mean of those near the median: a median of whole levels sticks
    # (a change of 1 % is 1-2 levels), and misplaced edges stray far
    near = np.abs(ratio - np.median(ratio, axis=0)) < NEAR_LIGHT
    return ((ratio * near).sum(axis=0) / np.maximum(near.sum(axis=0), 1)).astype(np.float32)


def gain(change: np.ndarray) -> np.ndarray:
    """The factor for a change of light (logs, as light_change says), less
    ``STEADY``: a change within it is as likely the measure's noise."""
    return np.exp(np.sign(change) * np.maximum(np.abs(change) - STEADY, 0)).astype(np.float32)

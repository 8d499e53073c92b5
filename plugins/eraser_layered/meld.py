"""The finest level rebuilt from the steps between its pixels (the
gradient-domain step of "image melding", Darabi et al. 2012, and of
Photomontage).

The fill's colours come from many copied pieces; where two meet, each
keeps its own tone: a darker block with stair-stepped edges in the
README's coin, rectangular pieces of slightly different paper in the text
on paper. The fill is rebuilt from the steps between neighbouring pixels
instead: inside one coherent copy (the heaviest votes of two neighbours
come from neighbouring sources) the fill's own step, which is the copied
texture; onto a known pixel, the fill's own step too (the border's tone
is ``border.py``'s); across a seam, the fill's step cut down to the larger
of the steps the two pixels' sources take there (plus a little of the
photo's typical step): a tone step between two copies flattens, an edge
either copy brings stays, and so does a step of over ``EDGE`` grey levels
(two surfaces meeting: a flag's red stripe and the wall). The hole then solves Poisson's equation with
those steps (the known pixels fixed), by the harmonic fill's multigrid
V-cycles (``harmonic.solve``) with the steps as right-hand side: a tone
step is spread over the whole piece, not only its edge.

Only on a finest level of at most ``synthesis.FINE`` px (the cost: the
watermark's 38 pieces, at 287 x 768, took 0.25 s, a third of the fill).

Tried and dropped (2026-12-07): the sources' steps everywhere, as Darabi
et al. (a strong edge beside one source, a tripod leg by the lawn, was
integrated into a black-and-white blob; the brick's mortar lines ghosted);
a screened solve, |grad x - g|^2 + lam |x - F|^2 with lam 0.01-0.04
(seams spread over 5-10 px, but the coin's darker block stayed, only
softer); the fill's steps cut down at the border too (the white strap
beside the helmet's suit bled into the fill).
"""

from __future__ import annotations

import cv2
import numpy as np

from eraser_layered.harmonic import solve
from eraser_layered.vote import R, _weights, heaviest

# A step of the fill larger than its sources' by more than SLACK times the
# photo's median step counts as a seam (0: the constructed gravel's stone
# contrast in the hole fell to 0.927 of its ring's, 0.962 without the meld;
# 1: a faint trace of the coin's darker block stayed)
SLACK = 0.5
# A step across a seam larger than EDGE grey levels (in its largest channel)
# is an edge between two surfaces that the copies bring together, not a tone
# step between two copies of one surface: it is kept (cut down, the pasted
# flag's red and white stripes and the grey wall beside them were integrated
# into a soft vertical smear, both judges of 2026-12-07; the README coin's
# darker block steps by under 22, its 99th percentile). A kept step is one
# pixel wide, sharper than the photo's edges: on smooth surroundings the
# pixels on either side are blurred by EDGE_SOFTEN px (kept unblurred, the
# flag's edges were jagged stairs); on grain (stones, blades, mortar) not:
# there it took off what keeping the steps gave the grain back.
EDGE, EDGE_SOFTEN = 30.0, 0.8
_STEPS = ((0, 1), (1, 0), (0, -1), (-1, 0))


def meld(lv, cur: np.ndarray, nnf: np.ndarray, dist: np.ndarray, smooth: float = 1.0) -> None:
    """``cur``'s hole pixels rebuilt from their steps, cut down across seams
    (in place); ``smooth``: how smooth the surroundings are (1 smooth, 0
    grain), how much the pixels beside a kept edge are softened. Steps over
    ``EDGE`` are kept only on a searched level (``lv.search``): there the
    layout is the level's own; copied along a coarser field, a large step
    between two pieces was as often a mismatch (the README spoon's shadow
    on the saucer became a dark wedge with a hard edge)."""
    edge_min = EDGE if lv.search else np.inf
    if lv.holes.size == 0:
        return
    pos, _ = heaviest(lv, *_weights(lv, nnf, dist))
    padded = cur.reshape(lv.h + 2 * R, lv.width, 3)
    fill = np.ascontiguousarray(padded[R:-R, R:-R])
    hole = np.zeros((lv.h, lv.w), bool)
    hy, hx = lv.holes // lv.width - R, lv.holes % lv.width - R
    hole[hy, hx] = True
    # step[d][y, x]: the hole pixel's source value less its source's neighbour in direction d.
    step = []
    for dy, dx in _STEPS:
        s = np.zeros_like(fill)
        s[hy, hx] = cur[pos] - np.take(cur, pos + dy * lv.width + dx, axis=0, mode="clip")
        step.append(s)
    source = np.zeros((lv.h, lv.w), np.int64)
    source[hy, hx] = pos
    # The photo's typical step around the hole: how much larger than its
    # source's step a step of the fill may be before it counts as a seam.
    known = ~hole[:, :-1] & ~hole[:, 1:]
    slack = SLACK * np.median(np.abs(np.diff(fill, axis=1))[known], axis=0) if known.any() else 0.0
    edge = np.zeros((lv.h, lv.w), bool)  # the pixels beside a kept edge across a seam
    guide = np.zeros_like(fill)  # sum over the neighbours q of the wanted x_p - x_q
    for d, (dy, dx) in enumerate(_STEPS):
        back = step[(d + 2) % 4]  # a hole neighbour's own view of the same pair, negated
        # the pair (p, q = p + (dy, dx)) for every p whose q lies in the frame
        ps = (slice(max(0, -dy), lv.h - max(0, dy)), slice(max(0, -dx), lv.w - max(0, dx)))
        qs = (slice(max(0, dy), lv.h + min(0, dy)), slice(max(0, dx), lv.w + min(0, dx)))
        own = fill[ps] - fill[qs]
        # kept inside a coherent copy and onto a known pixel; cut down across a seam
        coherent = (hole[ps] & hole[qs] & (source[qs] - source[ps] == dy * lv.width + dx))[..., None]
        seam = np.sign(own) * np.minimum(np.abs(own), np.maximum(np.abs(step[d][ps]), np.abs(back[qs])) + slack)
        keep = coherent | ~hole[qs][..., None]
        kept_edge = (np.abs(own).max(axis=-1) > edge_min) & ~keep[..., 0]
        edge[ps] |= kept_edge
        edge[qs] |= kept_edge
        keep |= kept_edge[..., None]
        guide[ps] += np.where(keep, own, seam)
    guide[~hole] = 0
    # Each piece of the hole in its own box and a 1 px ring (a watermark's
    # pieces in one box of the whole frame cost a third more).
    count, labels, stats, _ = cv2.connectedComponentsWithStats(hole.astype(np.uint8), connectivity=4)
    for piece in range(1, count):
        left, top, width, height, _ = stats[piece]
        box = (slice(max(top - 1, 0), top + height + 1), slice(max(left - 1, 0), left + width + 1))
        mine = labels[box] == piece
        x = fill[box].copy()
        solve(x, np.where(mine[..., None], guide[box] / 4.0, 0.0).astype(np.float32), mine)
        fill[box] = np.where(mine[..., None], x, fill[box])
    edge &= hole
    if smooth > 0 and edge.any():
        fill[edge] += smooth * (cv2.GaussianBlur(fill, (3, 3), EDGE_SOFTEN)[edge] - fill[edge])
    padded[R:-R, R:-R] = fill

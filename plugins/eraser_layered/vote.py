"""The vote of the patch synthesis (``synthesis.py``): each hole pixel
from what the overlapping patches' matches say it is, as their weighted
mean or as the heaviest vote alone (a copy, grain whole)."""

from __future__ import annotations

import cv2
import numpy as np

R = 3  # patch radius, as synthesis.py's
RARE_VOTE = 3.0  # a vote from a source of only rare colours weighs exp(-this)
CHUNK = 65_536  # hole pixels per pass of heaviest()
_ALL = [(dy, dx) for dy in range(-R, R + 1) for dx in range(-R, R + 1)]


def _vote(lv, cur: np.ndarray, nnf: np.ndarray, dist: np.ndarray) -> None:
    """Hole pixels become the weighted mean of what the overlapping patches'
    matches say they are (in place)."""
    if not np.isfinite(dist).any():
        return
    source, weight = _weights(lv, nnf, dist)
    if lv.copy:  # the heaviest vote alone: a copy, its grain whole, not a mean of 49
        best, den = heaviest(lv, source, weight)
        got = den > 0
        cur[lv.holes[got]] = lv.src[best[got]]
        _repad(lv, cur)
        return
    acc = np.zeros((lv.holes.size, 3), np.float32)
    den = np.zeros(lv.holes.size, np.float32)
    for dy, dx in _ALL:
        o = dy * lv.width + dx
        centre = lv.holes - o
        w = np.take(weight, centre)
        value = np.take(lv.src, np.take(source, centre) + o, axis=0, mode="clip")
        acc += w[:, None] * value
        den += w
    got = den > 0
    cur[lv.holes[got]] = acc[got] / den[got, None]
    _repad(lv, cur)


def heaviest(lv, source: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per hole pixel (``lv.holes``), the padded position its heaviest vote
    copies it from (itself where no patch votes) and that vote's weight (0
    there); ``source`` and ``weight`` as :func:`_weights` gives them."""
    offsets = np.array([dy * lv.width + dx for dy, dx in _ALL])
    best = lv.holes.copy()
    den = np.zeros(lv.holes.size, np.float32)
    # The first of the largest positive weights, as a loop over the offsets keeping each w > den
    # would find; by one argmax over each pixel's 49 votes laid in a row (a third of the loop's
    # time), in chunks (the votes' int64 positions: 27 MB for the 12 MP job's 70,000 pixels).
    for start in range(0, lv.holes.size, CHUNK):
        part = slice(start, start + CHUNK)
        centre = lv.holes[part, None] - offsets
        votes = np.take(weight, centre)
        first = np.argmax(votes, axis=1)
        row = np.arange(centre.shape[0])
        top = votes[row, first]
        got = top > 0
        best[part][got] = np.take(source, centre[row[got], first[got]]) + offsets[first[got]]
        den[part] = np.where(got, top, 0.0)
    return best, den


def _weights(lv, nnf: np.ndarray, dist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per padded position, the source its patch copies and its vote's weight
    (0 where no target patch is centred there)."""
    ok = np.isfinite(dist)
    scale = float(np.percentile(dist[ok], lv.vote_percentile)) + 1.0 if ok.any() else 1.0
    source = np.zeros(lv.src.shape[0], np.int64)
    weight = np.zeros(lv.src.shape[0], np.float32)
    source[lv.targets] = nnf
    # A source of rare colours (a label beside the hole) also votes less: the
    # sharp votes of the last level otherwise carry a label's cut edge on.
    weight[lv.targets] = np.where(ok, np.exp(-dist / scale - RARE_VOTE * lv.rare[nnf]) * lv.conf, 0.0)
    return source, weight


def _repad(lv, cur: np.ndarray) -> None:
    """The padding reflects the current fill, not the photo's hole pixels
    (an object at the frame's edge would otherwise be matched there)."""
    img = cur.reshape(lv.h + 2 * R, lv.width, 3)
    img[:] = cv2.copyMakeBorder(np.ascontiguousarray(img[R:-R, R:-R]), R, R, R, R, cv2.BORDER_REFLECT)
    if lv.basis is not None:  # the fill changed: its patches' projections too
        lv.cur_features = None

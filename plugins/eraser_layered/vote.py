"""The vote of the patch synthesis (``synthesis.py``): each hole pixel
from what the overlapping patches' matches say it is, as their weighted
mean or as the heaviest vote alone (a copy, grain whole)."""

from __future__ import annotations

import cv2
import numpy as np

R = 3  # patch radius, as synthesis.py's
RARE_VOTE = 3.0  # a vote from a source of only rare colours weighs exp(-this)
CHUNK = 65_536  # hole pixels per pass of the copy vote
_ALL = [(dy, dx) for dy in range(-R, R + 1) for dx in range(-R, R + 1)]


def _vote(lv, cur: np.ndarray, nnf: np.ndarray, dist: np.ndarray) -> None:
    """Hole pixels become the weighted mean of what the overlapping patches'
    matches say they are (in place)."""
    ok = np.isfinite(dist)
    if not ok.any():
        return
    scale = float(np.percentile(dist[ok], lv.vote_percentile)) + 1.0
    source = np.zeros(lv.src.shape[0], np.int64)
    weight = np.zeros(lv.src.shape[0], np.float32)
    source[lv.targets] = nnf
    # A source of rare colours (a label beside the hole) also votes less: the
    # sharp votes of the last level otherwise carry a label's cut edge on.
    weight[lv.targets] = np.where(ok, np.exp(-dist / scale - RARE_VOTE * lv.rare[nnf]) * lv.conf, 0.0)
    if lv.copy:  # the heaviest vote alone: a copy, its grain whole, not a mean of 49
        _copy(lv, cur, source, weight)
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


def _copy(lv, cur: np.ndarray, source: np.ndarray, weight: np.ndarray) -> None:
    """Each hole pixel from the first of its heaviest votes (a weight above
    0), in place: one gather of the winners' values, not one per offset."""
    offsets = np.array([dy * lv.width + dx for dy, dx in _ALL])
    for start in range(0, lv.holes.size, CHUNK):  # (49 votes a pixel: chunks bound the memory)
        holes = lv.holes[start : start + CHUNK]
        centre = holes[:, None] - offsets  # a row per hole pixel: argmax along contiguous rows
        votes = np.take(weight, centre)
        first = np.argmax(votes, axis=1)  # the first of equal weights, as a loop over offsets with '>' keeps
        row = np.arange(holes.size)
        got = votes[row, first] > 0
        picked = centre[row[got], first[got]]
        cur[holes[got]] = np.take(lv.src, np.take(source, picked) + offsets[first[got]], axis=0, mode="clip")
    _repad(lv, cur)


def _repad(lv, cur: np.ndarray) -> None:
    """The padding reflects the current fill, not the photo's hole pixels
    (an object at the frame's edge would otherwise be matched there)."""
    img = cur.reshape(lv.h + 2 * R, lv.width, 3)
    img[:] = cv2.copyMakeBorder(np.ascontiguousarray(img[R:-R, R:-R]), R, R, R, R, cv2.BORDER_REFLECT)
    if lv.basis is not None:  # the fill changed: its patches' projections too
        lv.cur_features = None

"""The vote of the patch synthesis (``synthesis.py``): each hole pixel
from what the overlapping patches' matches say it is, as their weighted
mean, as the heaviest vote alone (a copy, grain whole), or as the mean
with the copied pixels' own fine detail laid over it."""

from __future__ import annotations

import cv2
import numpy as np

R = 3  # patch radius, as synthesis.py's
RARE_VOTE = 3.0  # a vote from a source of only rare colours weighs exp(-this)
GRAIN_SIGMA = 1.0  # px: the detail a mean vote takes from the copied pixels is above this blur
_ALL = [(dy, dx) for dy in range(-R, R + 1) for dx in range(-R, R + 1)]


def _vote(lv, cur: np.ndarray, nnf: np.ndarray, dist: np.ndarray, detail: np.ndarray | None = None) -> None:
    """Hole pixels become the weighted mean of what the overlapping patches'
    matches say they are (in place); with ``detail`` (per padded position),
    plus ``lv.detail`` times the detail under the heaviest vote."""
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
    acc = np.zeros((lv.holes.size, 3), np.float32)
    den = np.zeros(lv.holes.size, np.float32)
    top = np.zeros(lv.holes.size, np.float32)
    heaviest = np.zeros(lv.holes.size, np.int64)  # where the heaviest vote's pixel lies: its detail is read once
    for dy, dx in _ALL:
        o = dy * lv.width + dx
        centre = lv.holes - o
        w = np.take(weight, centre)
        at = np.take(source, centre) + o
        value = np.take(lv.src, at, axis=0, mode="clip")
        if lv.copy:  # the heaviest vote alone: a copy, its grain whole, not a mean of 49
            np.copyto(acc, value, where=(w > den)[:, None])
            np.maximum(den, w, out=den)
            continue
        acc += w[:, None] * value
        den += w
        if detail is not None:
            np.copyto(heaviest, at, where=w > top)
            np.maximum(top, w, out=top)
    if lv.copy:
        den = (den > 0).astype(np.float32)
    got = den > 0
    cur[lv.holes[got]] = acc[got] / den[got, None]
    if detail is not None:
        cur[lv.holes[got]] += lv.detail * np.take(detail, heaviest[got], axis=0, mode="clip")
    _repad(lv, cur)


def _grain_vote(lv, cur: np.ndarray, nnf: np.ndarray, dist: np.ndarray) -> None:
    """The weighted mean vote (its tone) plus the grain of the photo's own
    pixels under the heaviest votes: each known pixel's detail above a
    ``GRAIN_SIGMA`` px blur of the known pixels, copied, so a seam between
    two copies is no tone step. ``lv.detail`` scales the detail (on a
    lawn's coarser grain it was a speckle: the mean alone is kept there)."""
    shape = (lv.h + 2 * R, lv.width, 3)
    known = (~lv.hole).astype(np.float32).reshape(shape[:2])
    img = lv.src.reshape(shape) * known[..., None]
    blur = lambda a: cv2.GaussianBlur(a, (0, 0), GRAIN_SIGMA)  # noqa: E731
    mean = blur(img) / np.maximum(blur(known), 1e-3)[..., None]
    _vote(lv, cur, nnf, dist, ((img - mean) * known[..., None]).reshape(-1, 3))


def _repad(lv, cur: np.ndarray) -> None:
    """The padding reflects the current fill, not the photo's hole pixels
    (an object at the frame's edge would otherwise be matched there)."""
    img = cur.reshape(lv.h + 2 * R, lv.width, 3)
    img[:] = cv2.copyMakeBorder(np.ascontiguousarray(img[R:-R, R:-R]), R, R, R, R, cv2.BORDER_REFLECT)
    if lv.basis is not None:  # the fill changed: its patches' projections too
        lv.cur_features = None

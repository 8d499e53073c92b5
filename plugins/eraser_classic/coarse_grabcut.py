"""GrabCut with a bounded cost: the colour models and the rough cut on a small
copy, the outline at full size in a thin band only.

GrabCut's time is its graph cuts, and a cut's time grows with the pixels it
is given and depends on the picture: on a 1200x800 photo's working copy,
100k undecided pixels of table top took 150 ms a cut, a 33k pixel saucer rim
200 ms. Above ``max_pixels`` the image and the labels are scaled down to
that many pixels and GrabCut iterates there; its result is scaled back, and
one more cut at full size, with the small copy's colour models frozen,
settles only the pixels within a few pixels of the rough outline (every
other undecided pixel is fixed to the side the small cut gave it), so the
edge keeps the full size's precision. Measured on the samples against their
ground truth in docs/page.md (Speed).
"""

from __future__ import annotations

from typing import Optional

import cv2
import numpy as np

from eraser_classic.grabcut import foreground, run_grabcut

# the band settled at full size: this many small-copy pixels (and one full-size pixel) either side of the rough outline
# (1 and 2 measured; 2 was as fast and a little closer to the ground truth)
BAND = 2


def bounded_grabcut(rgb: np.ndarray, labels: np.ndarray, iterations: int, max_pixels: Optional[int]) -> bool:
    """Refine ``labels`` (GC_* values, in place) as :func:`run_grabcut` does,
    iterating on at most about ``max_pixels`` pixels (None: no bound).
    Returns False, leaving ``labels`` as they were, when GrabCut cannot
    model one side."""
    h, w = labels.shape
    if max_pixels is None or h * w <= max_pixels:
        return run_grabcut(rgb, labels, iterations)
    scale = float(np.sqrt(max_pixels / (h * w)))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small_labels = shrunk_labels(labels, size)
    # every k-th pixel, not an average: the colour models must fit the full
    # size's pixels, noise and all (averaged ones are smoother, and frozen
    # models learnt on them put noisy background on the wrong side; tested)
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_NEAREST)
    models = (np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64))
    if not run_grabcut(small, small_labels, iterations, models):
        return False
    rough = cv2.resize(foreground(small_labels).astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR) >= 0.5
    fine = banded(labels, rough, int(np.ceil(BAND / scale)) + 1)
    if (fine >= cv2.GC_PR_BGD).any():  # GC_PR_BGD (2) or GC_PR_FGD (3)
        cv2.grabCut(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), fine, None, models[0], models[1], 1,
                    cv2.GC_EVAL_FREEZE_MODEL)
    labels[...] = fine
    return True


def shrunk_labels(labels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``labels`` at ``size`` (width, height): sure foreground wherever any
    was (a click's disk survives), sure background only where all was,
    otherwise probably the side most of the pixels were on."""

    def share(where: np.ndarray) -> np.ndarray:
        return cv2.resize(where.astype(np.float32), size, interpolation=cv2.INTER_AREA)

    out = np.where(share(foreground(labels)) >= 0.5, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
    out[share(labels == cv2.GC_BGD) >= 1.0 - 1e-6] = cv2.GC_BGD
    out[share(labels == cv2.GC_FGD) > 0] = cv2.GC_FGD
    return out


def banded(labels: np.ndarray, rough: np.ndarray, reach: int) -> np.ndarray:
    """A copy of ``labels`` whose undecided pixels are fixed to ``rough``'s
    side, except within ``reach`` pixels of its outline: those stay
    undecided, on ``rough``'s side as a first guess. Sure labels stay."""
    out = labels.copy()
    undecided = (labels == cv2.GC_PR_FGD) | (labels == cv2.GC_PR_BGD)
    r8 = rough.astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * reach + 1, 2 * reach + 1))
    near = (cv2.dilate(r8, kernel) > 0) & (cv2.erode(r8, kernel) == 0)
    out[undecided & rough] = np.where(near[undecided & rough], cv2.GC_PR_FGD, cv2.GC_FGD)
    out[undecided & ~rough] = np.where(near[undecided & ~rough], cv2.GC_PR_BGD, cv2.GC_BGD)
    return out

"""The structure layer: colour, gradients and edges carried smoothly through the hole.

OpenCV's frequency-selective reconstruction (``cv2.xphoto``, FSR_FAST) models
each block around the hole as a sparse sum of 2-D frequencies, so it extends
edges and gradients across the hole instead of smearing them like Telea.  It
is slow on large images and only the low frequencies of a big hole can be
guessed anyway, so it runs on a copy scaled down by how thick the hole is:
a thin scratch keeps full resolution (where FSR is at its best), a wide
object is solved coarsely and scaled up.  A smooth correction then makes the
result meet the known pixels exactly at the hole's border, so no step appears
there (on a black background an overshoot would show as a pale rim).
"""

from __future__ import annotations

import cv2
import numpy as np

# A hole pixel this far (px) from known ones at the solver's scale is deep enough;
# more resolution would only cost time (FSR's cost grows with the area it solves).
DEPTH_AT_SCALE = 8.0
# FSR fails on holes much deeper than its blocks (odd colours appear), so deep
# holes are solved coarse enough to stay about DEPTH_AT_SCALE px deep; this caps it.
MAX_SCALE = 16.0
# The longest side FSR is given; bounds the time on a large crop.
MAX_SIDE = 320


def solver_scale(hole: np.ndarray) -> float:
    """How much the crop is scaled down for the solver (>= 1)."""
    depth = float(cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 5).max())
    return max(1.0, min(depth / DEPTH_AT_SCALE, MAX_SCALE), max(hole.shape) / MAX_SIDE)


def fsr(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """FSR_FAST fill of ``hole`` (RGB uint8 in and out)."""
    out = np.zeros_like(image)
    known = np.where(hole, 0, 255).astype(np.uint8)
    # xphoto works on BGR like the rest of OpenCV; the colour order matters to its
    # colour conversion, so give it what it expects.
    cv2.xphoto.inpaint(cv2.cvtColor(image, cv2.COLOR_RGB2BGR), known, out, cv2.xphoto.INPAINT_FSR_FAST)
    return cv2.cvtColor(out, cv2.COLOR_BGR2RGB)


def structure(image: np.ndarray, hole: np.ndarray) -> tuple[np.ndarray, float]:
    """The smooth fill (float32 RGB, equal to ``image`` outside the hole) and the scale used."""
    height, width = hole.shape
    scale = solver_scale(hole)
    if scale > 1.0:
        size = (max(8, round(width / scale)), max(8, round(height / scale)))
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        # A small pixel is unknown if any pixel it covers is: no object colour leaks in.
        small_hole = cv2.resize(hole.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0
        # Linear, not cubic: cubic overshoots at dark/bright edges (a halo).
        smooth = cv2.resize(fsr(small, small_hole), (width, height), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    else:
        smooth = fsr(image, hole).astype(np.float32)
    img = image.astype(np.float32)
    # Meet the border exactly: the mismatch on the known side, spread into the
    # hole by normalised blurs that fade with depth; first at the solver's
    # scale (its pixels are coarse), then at 1 px for the pixel-level step.
    known = (~hole).astype(np.float32)
    out = smooth
    for sigma in (1.5 * scale, 1.0):
        out = out + _spread(img - out, known, sigma)
    out = np.where(hole[..., None], out, img)
    return np.clip(out, 0, 255), scale


def _spread(mismatch: np.ndarray, known: np.ndarray, sigma: float) -> np.ndarray:
    """``mismatch`` on known pixels carried about ``sigma`` px into the hole."""
    num = cv2.GaussianBlur(mismatch * known[..., None], (0, 0), sigma)
    weight = cv2.GaussianBlur(known, (0, 0), sigma)[..., None]
    return num / np.maximum(weight, 1e-3) * np.clip(2.0 * weight, 0.0, 1.0)

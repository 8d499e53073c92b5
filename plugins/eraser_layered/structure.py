"""The structure layer: colour, gradients and edges carried smoothly through the hole.

OpenCV's frequency-selective reconstruction (``cv2.xphoto``, FSR_FAST) models
each block around the hole as a sparse sum of 2-D frequencies, so it extends
edges and gradients across the hole instead of smearing them like Telea.  It
runs on the luma only: on colour it invents hues (a green blot in a grey
photo, a yellow glow on black), and chroma has little detail to reconstruct,
so it comes from a Navier-Stokes fill at a coarse scale.  FSR is slow on
large images and fails on holes much deeper than its blocks, so it works on
a copy scaled down by the hole's depth: a thin scratch keeps full resolution
(where FSR is at its best), a wide object is solved coarsely and scaled up.
Its luma is then kept within the range of the hole's immediate surroundings
(an edge extended from a label a little way off must not become a dark blot
on a pale wall), and a smooth correction makes it meet the known pixels at
the border exactly, so no step or rim appears there. On deep holes both
solvers and that correction see a median-filtered copy of the crop: small
distinct things beside the hole (a label, a row of pins) would otherwise be
smeared into it as a plume, which is what Telea does.
"""

from __future__ import annotations

import cv2
import numpy as np

# A hole pixel this far (px) from known ones at the solver's scale is as deep as
# FSR handles well; deeper holes are solved at a coarser scale.
DEPTH_AT_SCALE = 16.0
MAX_SCALE = 16.0
# The longest side the luma solver is given; bounds the time on a large crop.
MAX_SIDE = 512
# Solver pixels of the median that keeps small objects out of a deep hole's
# structure (a label beside the hole became a plume through it with 5 or 7).
MEDIAN = 15
# Chroma: Navier-Stokes at a scale where the hole is this deep (smooth, cheap).
CHROMA_DEPTH = 6.0


def depth_of(hole: np.ndarray) -> float:
    return float(cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 5).max())


def solver_scale(hole: np.ndarray, depth_at_scale: float = DEPTH_AT_SCALE) -> float:
    """How much the crop is scaled down for the solver (>= 1)."""
    return max(1.0, min(depth_of(hole) / depth_at_scale, MAX_SCALE), max(hole.shape) / MAX_SIDE)


def _shrink(image: np.ndarray, hole: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """The crop at the solver's scale, large-scale structure only, and its hole."""
    height, width = hole.shape
    size = (max(8, round(width / scale)), max(8, round(height / scale)))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    # A small pixel is unknown if any pixel it covers is: no object colour leaks in.
    small_hole = cv2.resize(hole.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0
    # A median over a few solver pixels removes small distinct things beside the
    # hole (a label, a row of pins) that the solvers would otherwise smear into
    # it as a plume; edges between large areas stay. The hole gets a quick fill
    # first so the median does not pull the object's colour outwards.
    prefill = cv2.inpaint(small, small_hole.astype(np.uint8), 3, cv2.INPAINT_TELEA)
    return cv2.medianBlur(prefill, MEDIAN), small_hole


def _grow(small: np.ndarray, hole: np.ndarray) -> np.ndarray:
    # Linear, not cubic: cubic overshoots at dark/bright edges (a halo).
    return cv2.resize(small, (hole.shape[1], hole.shape[0]), interpolation=cv2.INTER_LINEAR).astype(np.float32)


def _at_scale(solve, image: np.ndarray, hole: np.ndarray, scale: float) -> np.ndarray:
    """``solve(image, hole)`` on a copy scaled down by ``scale``, scaled back (float32)."""
    if scale <= 1.0:
        return solve(image, hole).astype(np.float32)
    small, small_hole = _shrink(image, hole, scale)
    return _grow(solve(small, small_hole), hole)


def fsr(gray: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """FSR_FAST fill of ``hole`` in a single-channel uint8 image."""
    out = np.zeros_like(gray)
    cv2.xphoto.inpaint(gray, np.where(hole, 0, 255).astype(np.uint8), out, cv2.xphoto.INPAINT_FSR_FAST)
    return out


def _ns(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    return cv2.inpaint(image, hole.astype(np.uint8), 3, cv2.INPAINT_NS)


def structure(image: np.ndarray, hole: np.ndarray) -> tuple[np.ndarray, float]:
    """The smooth fill (float32 RGB, equal to ``image`` outside the hole) and the luma solver's scale."""
    ycc = cv2.cvtColor(image, cv2.COLOR_RGB2YCrCb)
    scale = solver_scale(hole)
    luma = _at_scale(fsr, np.ascontiguousarray(ycc[..., 0]), hole, scale)
    # FSR works block by block; on a deep hole, scaled up, its block edges show
    # as straight steps. Averaging with a Navier-Stokes fill at the same scale
    # (smooth, edge-following, no blocks) halves them, and a blur of the
    # solver's pixel size removes the rest (measured: also a little closer to
    # the truth on the benchmark's blobs than either alone).
    ns = _at_scale(_ns, ycc, hole, scale)
    luma = 0.5 * (luma + ns[..., 0]) if scale > 1.0 else luma
    if scale > 1.0:
        luma = cv2.GaussianBlur(luma, (0, 0), 0.75 * scale)
    chroma = _at_scale(_ns, ycc, hole, max(scale, solver_scale(hole, CHROMA_DEPTH)))[..., 1:]
    # Keep the luma within what surrounds the hole (its 1st to 99th percentile).
    ring = cv2.dilate(hole.astype(np.uint8), np.ones((3, 3), np.uint8), iterations=max(3, round(2 * scale))) > 0
    ring &= ~hole
    if ring.any():
        lo, hi = np.percentile(ycc[..., 0][ring], (1, 99))
        luma = np.clip(luma, lo, hi)
    filled = np.dstack([luma, chroma]).clip(0, 255).astype(np.uint8)
    smooth = cv2.cvtColor(filled, cv2.COLOR_YCrCb2RGB).astype(np.float32)
    img = image.astype(np.float32)
    # Meet the border exactly: the mismatch on the known side, spread into the
    # hole by normalised blurs that fade with depth; first at the solver's
    # scale (its pixels are coarse), then at 1 px for the pixel-level step.
    known = (~hole).astype(np.float32)
    # The coarse pass meets the large-scale surroundings (the median-filtered
    # crop, so a label at the border is not carried in); passes at 2 and 1 px
    # meet the pixels themselves (a label then leaves a rim of a few px only).
    coarse = _grow(_shrink(image, hole, scale)[0], hole) if scale > 1.0 else img
    out = smooth + _spread(coarse - smooth, known, 1.5 * scale)
    for sigma in (2.0, 1.0):
        out = out + _spread(img - out, known, sigma)
    out = np.where(hole[..., None], out, img)
    return np.clip(out, 0, 255), scale


def _spread(mismatch: np.ndarray, known: np.ndarray, sigma: float) -> np.ndarray:
    """``mismatch`` on known pixels carried about ``sigma`` px into the hole."""
    num = cv2.GaussianBlur(mismatch * known[..., None], (0, 0), sigma)
    weight = cv2.GaussianBlur(known, (0, 0), sigma)[..., None]
    return num / np.maximum(weight, 1e-3) * np.clip(2.0 * weight, 0.0, 1.0)

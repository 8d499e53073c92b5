"""What the hole's surroundings are like, for the patch synthesis: how
strong their fine grain is, and which colours are rare around the hole."""

from __future__ import annotations

import cv2
import numpy as np

R = 3  # patch radius, as synthesis.py's
# A colour bin (RARE_BINS levels per channel) holding under RARE_SHARE of the
# surroundings is rare (2 % counted the flag's stripes and the paper's strokes
# as rare, and the fill left them out).
RARE_SHARE, RARE_BINS = 0.005, 8
RARE_SOLID = 0.3  # share of a patch's pixels of rare colours below which it costs nothing


def grain_level(image: np.ndarray, hole: np.ndarray) -> float:
    """The median absolute fine residual (luma minus a 1.5 px blur), in grey
    levels, over known pixels within 16 px of the hole."""
    gray = image.astype(np.float32) @ np.float32([0.299, 0.587, 0.114])
    residual = np.abs(gray - cv2.GaussianBlur(gray, (0, 0), 1.5))
    ring = (cv2.dilate(hole.astype(np.uint8), np.ones((33, 33), np.uint8)) > 0) & ~hole
    return float(np.median(residual[ring])) if ring.any() else 0.0


def smoothness(level: float, smooth: float, grain: float) -> float:
    """1 at a grain level up to ``smooth`` grey levels, 0 from ``grain`` on."""
    return float(np.clip((grain - level) / (grain - smooth), 0.0, 1.0))


def rarity(img: np.ndarray, hole: np.ndarray, reach: float, width: int) -> np.ndarray:
    """Per padded position, the share of its patch whose colour is rare
    around the hole: a colour bin holding under ``RARE_SHARE`` of the known
    pixels within ``reach`` counts fully, a bin at twice that not at all. A
    label, a name tag or a pin beside the hole is rare next to the surface
    it lies on; the surface's grain, spread over a few common bins, is not."""
    blurred = cv2.GaussianBlur(img, (0, 0), 1.0)  # grain's single pixels do not count as colours
    q = np.clip(blurred // (256 // RARE_BINS), 0, RARE_BINS - 1).astype(np.int32)
    code = (q[..., 0] * RARE_BINS + q[..., 1]) * RARE_BINS + q[..., 2]
    away = cv2.distanceTransform((~hole).astype(np.uint8), cv2.DIST_L2, 3)
    ring = ~hole & (away <= reach)
    if not ring.any():
        return np.zeros((hole.shape[0] + 2 * R) * width, np.float32)
    share = np.bincount(code[ring], minlength=RARE_BINS**3).astype(np.float32) / np.count_nonzero(ring)
    rare = np.clip(2.0 - share[code] / RARE_SHARE, 0.0, 1.0).astype(np.float32)
    rare = cv2.boxFilter(rare, -1, (2 * R + 1, 2 * R + 1))
    # Only mostly rare patches count: a label is a solid block of its colour,
    # a pen stroke or a ruled line crosses a third of a patch and is continued.
    rare = np.clip((rare - RARE_SOLID) / (1.0 - RARE_SOLID), 0.0, 1.0)
    return np.pad(rare, R).ravel()

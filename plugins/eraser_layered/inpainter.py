"""The ``layered`` inpainter: patch synthesis (``synthesis.py``); where the
crop has no whole known patch to copy from, the smooth structure fill plus
random-phase grain (``structure.py``, ``texture.py``)."""

import cv2
import numpy as np

from eraser_layered.structure import LUMA, structure
from eraser_layered.synthesis import synthesise as patches
from eraser_layered.texture import synthesise


def _grain(image: np.ndarray, region: np.ndarray) -> float:
    """Robust std (1.4826 x median absolute value) of luma minus a 1.5 px blur over ``region``."""
    gray = image.astype(np.float32) @ LUMA
    band = gray - cv2.GaussianBlur(gray, (0, 0), 1.5)
    return 1.4826 * float(np.median(np.abs(band[region]))) if region.any() else 0.0


def _missing_grain(image: np.ndarray, fill: np.ndarray, hole: np.ndarray) -> float:
    """The share (0..1) of the surroundings' grain amplitude, in energy terms,
    that the fill's core lacks."""
    ring = (cv2.dilate(hole.astype(np.uint8), np.ones((31, 31), np.uint8)) > 0) & ~hole
    core = cv2.erode(hole.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    around, inside = _grain(image, ring), _grain(fill, core)
    if around <= 0.0 or not core.any():
        return 0.0
    return float(np.sqrt(max(0.0, 1.0 - (inside / around) ** 2)))


class LayeredInpainter:
    seed = 0  # seeds the random search (and the grain's phases); fixed, so equal inputs give equal fills

    def inpaint(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        hole = np.asarray(mask, bool)
        if not hole.any():
            return np.array(image, copy=True)
        if hole.all():  # nothing to learn from: a flat mid grey, like an empty canvas
            return np.full_like(image, 128)
        out = patches(np.ascontiguousarray(image), hole, seed=self.seed)
        if out is not None:
            # Where the patch fill averaged its votes it is smoother than the
            # grain around it (a faint backdrop between coins): the missing
            # share of the grain's energy is laid on as random-phase grain.
            # At full strength on top of the fill, that grain brought back
            # the worm-like texture on the helmet, so only what is missing.
            missing = _missing_grain(image, out, hole)
            if missing > 0.05:
                grained = synthesise(np.ascontiguousarray(image), hole, out.astype(np.float32), seed=self.seed)
                mixed = out.astype(np.float32) + missing * (grained.astype(np.float32) - out)
                out = np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
            return out
        smooth = structure(np.ascontiguousarray(image), hole)
        return synthesise(np.ascontiguousarray(image), hole, smooth, seed=self.seed)

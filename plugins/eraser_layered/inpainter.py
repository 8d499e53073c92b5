"""The ``layered`` inpainter: patch synthesis (``synthesis.py``) for the
mask's thick parts (objects); for its thin parts (strokes) and where the crop
has no whole known patch to copy from, the smooth structure fill plus
random-phase grain (``structure.py``, ``texture.py``)."""

import cv2
import numpy as np

from eraser_layered.structure import structure
from eraser_layered.synthesis import synthesise as patches
from eraser_layered.texture import synthesise


THIN = 4.0  # px: a hole part whose deepest pixel is this close to its border is a stroke


class LayeredInpainter:
    seed = 0  # seeds the random search (and the grain's phases); fixed, so equal inputs give equal fills

    def inpaint(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        hole = np.asarray(mask, bool)
        if not hole.any():
            return np.array(image, copy=True)
        if hole.all():  # nothing to learn from: a flat mid grey, like an empty canvas
            return np.full_like(image, 128)
        # (Random-phase grain laid over the patch fill, even only the share of
        # the surroundings' grain the fill lacked, was tried and dropped: on
        # the helmet it brought back the worm-like grain, and on the suit
        # beside a mission badge it drew the badge's edges as a busy blotch.)
        image = np.ascontiguousarray(image)
        # Thin parts (strokes, scratches, a watermark's glyphs: at most THIN px
        # from their border anywhere) take the smooth structure plus grain,
        # which beat the patch fill there by 4 dB on bench/quality.py's thin
        # strokes; thicker ones (objects) the patch fill.
        count, labels = cv2.connectedComponents(hole.view(np.uint8), connectivity=8)
        # A part is thick if any of its pixels lies deeper than THIN (a flag
        # per part, not np.maximum.at's per-part maximum: half this step's time).
        deep = np.zeros(count, bool)
        deep[labels[cv2.distanceTransform(hole.view(np.uint8), cv2.DIST_L2, 3) > THIN]] = True
        # (one object, or only thick parts: the hole itself, without a lookup per pixel)
        thick = hole if deep[1:].all() else hole & deep[labels]
        out = image.copy()
        if thick.any():
            filled = patches(image, thick, seed=self.seed)
            if filled is None:
                thin_only = hole
            else:
                out[thick] = filled[thick]
                thin_only = hole & ~thick
        else:
            thin_only = hole
        if thin_only.any():
            smooth = structure(out, thin_only)
            out = synthesise(out, thin_only, smooth, seed=self.seed)
        return out

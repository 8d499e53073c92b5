"""The ``layered`` inpainter: patch synthesis (``synthesis.py``); where the
crop has no whole known patch to copy from, the smooth structure fill plus
random-phase grain (``structure.py``, ``texture.py``)."""

import numpy as np

from eraser_layered.structure import structure
from eraser_layered.synthesis import synthesise as patches
from eraser_layered.texture import synthesise


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
        out = patches(np.ascontiguousarray(image), hole, seed=self.seed)
        if out is not None:
            return out
        smooth = structure(np.ascontiguousarray(image), hole)
        return synthesise(np.ascontiguousarray(image), hole, smooth, seed=self.seed)

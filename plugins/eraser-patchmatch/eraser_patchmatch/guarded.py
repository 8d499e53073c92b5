"""The ``guarded`` inpainter: PatchMatch's copies, without pasting objects.

pypatchmatch searches and copies (compiled, as ``patchmatch``), but the
known pixels ``guard.excluded`` marks (a second tag, a coin, lettering
beside the hole; the crop far from it) are passed as its ``global_mask``:
neither filled nor copied from. The fill's tone is then joined to the
photo's along the border (``eraser_layered.border``), so a copy from
a brighter or darker place does not read as a patch.
"""

import numpy as np
from patchmatch import patch_match

from eraser_layered.border import match_border
from eraser_patchmatch.guard import excluded
from eraser_patchmatch.inpainter import PatchMatchInpainter


class GuardedInpainter(PatchMatchInpainter):
    def inpaint(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        hole = np.asarray(mask, bool)
        image = np.ascontiguousarray(image)
        if not hole.any():
            return image.copy()
        if hole.all():  # nothing to copy from: a flat mid grey, as ``layered``
            return np.full_like(image, 128)
        guard = excluded(image, hole)
        patch_match.set_random_seed(self.seed)
        fill = patch_match.inpaint(image, hole.astype(np.uint8), global_mask=guard.astype(np.uint8), patch_size=self.patch_size)
        return match_border(image, fill, hole)

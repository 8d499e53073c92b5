"""``patchmatch.inpaint`` behind eraser's inpainter contract."""

import numpy as np
from patchmatch import patch_match


class PatchMatchInpainter:
    # Patch radius: 3 gives 7x7 patches, pypatchmatch's documented sweet spot
    # for speed; the default 15 is many times slower.
    patch_size = 3
    seed = 0

    def inpaint(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        # The search is randomised: seed it so equal inputs give equal fills.
        patch_match.set_random_seed(self.seed)
        return patch_match.inpaint(image, mask.astype(np.uint8), patch_size=self.patch_size)

"""The ``mask`` segmenter: the user's own mask, passed through."""

import numpy as np

from eraser.prompts import Prompt


class MaskSegmenter:
    def segment(self, image: np.ndarray, prompt: Prompt) -> np.ndarray:
        # The CLI and API load the file and check its size; see eraser.io.mask.
        return np.asarray(prompt.mask, dtype=np.float32)

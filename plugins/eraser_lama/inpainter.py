"""The ``lama`` inpainter: big-lama through CoreML or ONNX Runtime.

Input as LaMa expects: RGB in [0, 1] and a binary mask; the exported graph
zeroes the hole and appends the mask channel itself. The crop is padded to a
multiple of 8 with symmetric padding (not zeros, which would bleed dark into
the fill near the border) and cropped back; the CoreML package has a fixed
512x512 input, so there the padding goes up to that size.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from eraser.modelstore import InstalledModel
from eraser.runtimes import open_runner

STEM = "LaMa"
MULTIPLE = 8
MIN_SIZE = 16
COREML_SIZE = 512


def padded_size(size: int, runtime: str) -> int:
    if runtime == "coreml":
        return max(COREML_SIZE, size)
    return max(MIN_SIZE, -(-size // MULTIPLE) * MULTIPLE)


class LamaInpainter:
    def __init__(self, model: InstalledModel, runtime: Optional[str] = None) -> None:
        # float32 on CPU and GPU: others' ports saw wrong outputs in FP16 and on the Neural Engine.
        self.session = open_runner(model, STEM, runtime, compute_units="CPU_AND_GPU")

    def inpaint(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        height, width = mask.shape
        pad_h = padded_size(height, self.session.runtime) - height
        pad_w = padded_size(width, self.session.runtime) - width
        pads = ((0, pad_h), (0, pad_w))
        rgb = np.pad(image.astype(np.float32) / 255.0, pads + ((0, 0),), mode="symmetric")
        hole = np.pad(mask.astype(np.float32), pads, mode="symmetric")
        out = self.session.run({"image": rgb.transpose(2, 0, 1)[None], "mask": hole[None, None]})["output"]
        out = out[0, :, :height, :width].transpose(1, 2, 0)
        return np.clip(np.rint(out * 255.0), 0, 255).astype(np.uint8)

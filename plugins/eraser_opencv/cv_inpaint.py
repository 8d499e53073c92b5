"""``cv2.inpaint`` behind the inpainter contract (RGB in, RGB out)."""

import cv2
import numpy as np

METHODS = {"telea": cv2.INPAINT_TELEA, "ns": cv2.INPAINT_NS}


class OpenCVInpainter:
    def __init__(self, method: str, radius: int = 5) -> None:
        self.flag = METHODS[method]
        self.radius = radius

    def inpaint(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        # cv2.inpaint works per channel, so RGB order needs no conversion.
        return cv2.inpaint(image, mask.astype(np.uint8), self.radius, self.flag)

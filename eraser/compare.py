"""A before | mask | after strip for a person to look at."""

from __future__ import annotations

import cv2
import numpy as np

TINT = np.array([255, 40, 40], np.float32)  # the removed region, in red
GAP = 8
PANEL = 1024  # long side of each panel


def compare_image(before: np.ndarray, removal: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Three panels side by side: the original, the original with the removal
    mask tinted red, and the result; downscaled to ``PANEL`` pixels on the
    long side so a 12 MP photo gives a viewable file."""
    alpha = (removal.astype(np.float32) / 255.0)[..., None] * 0.6
    overlay = np.rint(before * (1 - alpha) + TINT * alpha).astype(np.uint8)
    panels = [_fit(p) for p in (before, overlay, after)]
    height = panels[0].shape[0]
    gap = np.full((height, GAP, 3), 255, np.uint8)
    return np.concatenate([panels[0], gap, panels[1], gap, panels[2]], axis=1)


def _fit(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    scale = PANEL / max(height, width)
    if scale >= 1:
        return image
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)

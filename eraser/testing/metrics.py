"""Scores shared by the tests, the benchmarks and plugin authors: mask
agreement (iou), blobs of differing pixels and structural similarity (SSIM)."""

from __future__ import annotations

import numpy as np


def iou(pred: np.ndarray, truth: np.ndarray, threshold: float = 0.5) -> float:
    """Intersection over union of two masks of one shape.

    Boolean masks count as they are; other masks count where they are at least
    ``threshold`` (soft 0..1 masks as segmenters return them). Two empty masks
    agree completely (1.0).
    """
    a = np.asarray(pred)
    b = np.asarray(truth)
    if a.shape != b.shape:
        raise ValueError(f"masks of different shapes: {a.shape} and {b.shape}")
    a = a if a.dtype == bool else a >= threshold
    b = b if b.dtype == bool else b >= threshold
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0


def largest_blob(pixels: np.ndarray) -> tuple[int, tuple[int, int, int, int]]:
    """The largest 8-connected blob of True pixels in a bool HxW array:
    ``(size in pixels, (x0, y0, x1, y1))`` with an inclusive box, or
    ``(0, (0, 0, -1, -1))`` when there is none."""
    import cv2

    if not pixels.any():
        return 0, (0, 0, -1, -1)
    _, _, stats, _ = cv2.connectedComponentsWithStats(pixels.astype(np.uint8), connectivity=8)
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h, area = (int(v) for v in stats[best])
    return area, (x, y, x + w - 1, y + h - 1)


LUMA = (0.299, 0.587, 0.114)


def ssim_map(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Structural similarity (Wang et al. 2004) of two uint8 images, per pixel,
    on their luma: an 11x11 Gaussian window of sigma 1.5, K1 0.01, K2 0.03,
    the image's edges reflected."""
    import cv2

    def luma(image: np.ndarray) -> np.ndarray:
        image = np.asarray(image, np.float64)
        if image.ndim == 2:
            return image
        return image[..., :3] @ np.asarray(LUMA) if image.shape[2] >= 3 else image[..., 0]

    x, y = luma(a), luma(b)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(v: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(v, (11, 11), 1.5, borderType=cv2.BORDER_REFLECT)

    mx, my = blur(x), blur(y)
    vx, vy, cov = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    return ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))

"""Removing small holes and islands from a mask (SAM's min_mask_region_area)."""

from __future__ import annotations

import cv2
import numpy as np


def remove_small(mask: np.ndarray, min_area: int, holes: bool) -> tuple[np.ndarray, bool]:
    """``mask`` without its holes (``holes=True``) or islands smaller than
    ``min_area`` pixels (8-connected), and whether anything changed. When
    every island is small, the largest one stays."""
    target = (~mask if holes else mask).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(target, connectivity=8)
    sizes = stats[1:, cv2.CC_STAT_AREA]
    small = np.flatnonzero(sizes < min_area) + 1
    if small.size == 0:
        return mask, False
    if holes:
        # holes that are small become part of the mask
        return mask | np.isin(labels, small), True
    kept = np.setdiff1d(np.arange(1, count), small)
    if kept.size == 0:
        kept = np.array([int(np.argmax(sizes)) + 1])
    return np.isin(labels, kept), True

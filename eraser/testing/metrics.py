"""Mask agreement, shared by the tests, the benchmarks and plugin authors."""

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

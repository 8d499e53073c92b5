"""Per-pixel reductions over an image's channels."""

from __future__ import annotations

import numpy as np


def largest(a: np.ndarray) -> np.ndarray:
    """The largest of the last axis's values, keeping that axis as 1: the
    same as ``a.max(axis=-1, keepdims=True)``, several times faster on 3
    channels (numpy's reduction over a short last axis is slow)."""
    out = a[..., :1].copy()
    for c in range(1, a.shape[-1]):
        np.maximum(out, a[..., c : c + 1], out=out)
    return out

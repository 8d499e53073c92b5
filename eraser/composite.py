"""Stage: composite. ``out = original * keep + fill * (1 - keep)``.

Exact wherever ``keep == 1``: those pixels are copied, never recomputed, so
everything outside the hole stays bit-identical to the input.
"""

from __future__ import annotations

import cv2
import numpy as np


def composite(original: np.ndarray, fill: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Blend ``fill`` into ``original`` by ``keep``; only pixels with ``keep < 1``
    are computed, so a small hole in a large crop costs little."""
    out = original.copy()
    # Where keep is 0 the blend is the fill exactly: copied, not computed
    # (most of a large hole; only the feathered band needs the arithmetic).
    out = cv2.copyTo(fill, (keep == 0.0).view(np.uint8), out)
    changed = (keep > 0.0) & (keep < 1.0)
    k = keep[changed][:, None]
    blended = original[changed].astype(np.float32) * k + fill[changed].astype(np.float32) * (1.0 - k)
    out[changed] = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    return out

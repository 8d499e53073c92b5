"""The colours hidden under fully transparent pixels, replaced before a fill.

A PNG keeps an RGB value under alpha 0 that nobody sees: magenta, black or
whatever the editor that cut the photo out left there. An inpainter reads
RGB only, so without this it copies that colour into the hole (a cup erased
beside a transparent band came out bright magenta). The fill is given a copy
in which every alpha-0 pixel has the colour of the visible pixels around it,
spread outwards by a push-pull pyramid (alpha-weighted means, halved until
every pixel has one, then carried back up); what is written keeps the
original RGB outside the hole, as before.
"""

from __future__ import annotations

from typing import Optional

import cv2
import numpy as np


def hidden_colours_filled(rgb: np.ndarray, alpha: Optional[np.ndarray],
                          hole: Optional[np.ndarray] = None) -> np.ndarray:
    """``rgb`` with its alpha-0 pixels coloured from the visible ones outside
    ``hole`` (the object being erased lends no colour: spread into a
    transparent band beside it, the fill would copy it back into its own
    hole); ``rgb`` itself when nothing is hidden or nothing can lend."""
    if alpha is None:
        return rgb
    hidden = alpha == 0
    weight = alpha.astype(np.float32) / 255.0
    if hole is not None:
        weight[hole] = 0
    if not hidden.any() or not weight.any():
        return rgb
    spread = _pulled(rgb.astype(np.float32) * weight[..., None], weight)
    out = rgb.copy()
    out[hidden] = np.clip(np.rint(spread[hidden]), 0, 255).astype(np.uint8)
    return out


def _pulled(weighted: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Colours everywhere from alpha-premultiplied ``weighted``: where a pixel
    has weight, its own mean; elsewhere the next coarser level's, upsampled."""
    height, width = weight.shape
    with np.errstate(divide="ignore", invalid="ignore"):
        colour = weighted / weight[..., None]
    if (weight > 0).all() or max(height, width) == 1:
        return np.nan_to_num(colour)
    size = (max(1, (width + 1) // 2), max(1, (height + 1) // 2))
    coarse = _pulled(cv2.resize(weighted, size, interpolation=cv2.INTER_AREA),
                     cv2.resize(weight, size, interpolation=cv2.INTER_AREA))
    up = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.where((weight > 0)[..., None], colour, up)

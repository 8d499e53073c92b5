"""Defects a person sees in an erase, made from a good result: to check that a
snapshot tolerance catches them (eraser's tests and bench/snapshot_tolerance.py
use these; so can a project choosing its own tolerance).

Each takes the good ``result`` (uint8, HxW or HxWxC), the photo ``before`` the
edit and the edit's ``removal`` mask (uint8 HxW, 255 replaced, 0 kept, as
``eraser.remove(..., return_mask=True)`` returns it), and returns a new image.
"""

from __future__ import annotations

import numpy as np


def centre(removal: np.ndarray) -> tuple[int, int]:
    """``(y, x)`` of the fully replaced pixel farthest from anything kept or
    from the photo's edge: the middle of the fill."""
    import cv2

    inside = np.pad((removal == 255).astype(np.uint8), 1)  # the photo's edge counts as kept
    dist = cv2.distanceTransform(inside, cv2.DIST_L2, 5)[1:-1, 1:-1]
    y, x = np.unravel_index(int(np.argmax(dist)), dist.shape)
    return int(y), int(x)


def square(removal: np.ndarray, size: int) -> tuple[slice, slice]:
    y, x = centre(removal)
    y0 = min(max(0, y - size // 2), removal.shape[0] - size)
    x0 = min(max(0, x - size // 2), removal.shape[1] - size)
    return slice(y0, y0 + size), slice(x0, x0 + size)


def blot(result: np.ndarray, before: np.ndarray, removal: np.ndarray, size: int = 8, contrast: int = 40) -> np.ndarray:
    """A ``size`` x ``size`` blot in the middle of the fill, every channel
    ``contrast`` levels lighter (darker where lighter would clip)."""
    out = result.astype(np.int16)
    ys, xs = square(removal, size)
    out[ys, xs] += np.where(out[ys, xs] + contrast <= 255, contrast, -contrast).astype(np.int16)
    return out.astype(np.uint8)


def black_square(result: np.ndarray, before: np.ndarray, removal: np.ndarray, size: int = 14) -> np.ndarray:
    """A black ``size`` x ``size`` square pasted into the middle of the fill."""
    out = result.copy()
    out[square(removal, size)] = 0
    return out


def colour_cast(result: np.ndarray, before: np.ndarray, removal: np.ndarray, levels: int = 10) -> np.ndarray:
    """The fill ``levels`` levels redder (lighter for grey), blended as the
    fill is: full strength where the removal mask is 255."""
    alpha = removal.astype(np.float32) / 255
    out = result.astype(np.float32)
    if out.ndim == 2:
        out += levels * alpha
    else:
        out[..., 0] += levels * alpha
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _blend(before: np.ndarray, fill: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    alpha = alpha[..., None] if fill.ndim == 3 else alpha
    return np.clip(np.rint(before * (1 - alpha) + fill.astype(np.float32) * alpha), 0, 255).astype(np.uint8)


def shifted_right(image: np.ndarray, px: int, fill: float = 0) -> np.ndarray:
    """``image`` moved ``px`` columns to the right; the first columns get ``fill``
    (no wrapping round: a hole at the right edge must not reappear at the left)."""
    out = np.full_like(image, fill)
    out[:, px:] = image[:, :image.shape[1] - px]
    return out


def pasted_off(result: np.ndarray, before: np.ndarray, removal: np.ndarray, px: int = 2) -> np.ndarray:
    """The fill and its blend pasted ``px`` to the right: a crop or paste off
    by ``px`` pixels (what was removed can show on one side)."""
    alpha = shifted_right(removal.astype(np.float32) / 255, px)
    return _blend(before, shifted_right(result, px), alpha)


def content_shifted(result: np.ndarray, before: np.ndarray, removal: np.ndarray, px: int = 2) -> np.ndarray:
    """The fill's content moved ``px`` to the right under the same blend
    (the first columns keep their own pixels)."""
    moved = shifted_right(result, px)
    moved[:, :px] = result[:, :px]
    return _blend(before, moved, removal.astype(np.float32) / 255)


def patch_outside(result: np.ndarray, before: np.ndarray, removal: np.ndarray, size: int = 4,
                  contrast: int = 40) -> np.ndarray:
    """A ``size`` x ``size`` patch ``contrast`` levels lighter (or darker) in
    the corner of the photo farthest from the edit."""
    import cv2

    kept = (removal == 0).astype(np.uint8)
    dist = cv2.distanceTransform(kept, cv2.DIST_L2, 5)
    h, w = removal.shape
    corners = [(8, 8), (8, w - 8 - size), (h - 8 - size, 8), (h - 8 - size, w - 8 - size)]
    y, x = max(corners, key=lambda c: dist[c[0], c[1]])
    out = result.astype(np.int16)
    ys, xs = slice(y, y + size), slice(x, x + size)
    out[ys, xs] += np.where(out[ys, xs] + contrast <= 255, contrast, -contrast).astype(np.int16)
    return out.astype(np.uint8)


def plus_minus_one(image: np.ndarray, seed: int = 0) -> np.ndarray:
    """-1, 0 or +1 on every channel of every pixel (what another JPEG decoder,
    BLAS or SIMD path gives): not a defect, a tolerance must pass it."""
    rng = np.random.default_rng(seed)
    return np.clip(image.astype(np.int16) + rng.integers(-1, 2, image.shape), 0, 255).astype(np.uint8)

"""The edited region of a before/after snapshot: where the edit may change pixels.

An erase changes a few percent of a photo. Judged over the whole image, a
defect in that small part drowns in the unchanged rest, so the snapshot kit
judges the region the edit touched and the rest separately. The region is
what ``mask`` covers (any value above 0: a feathered edge counts) together
with every pixel where the stored snapshot differs from ``before``, the photo
the edit started from, by more than ``threshold`` levels; holes inside are
filled (a fill can match the old photo by chance in places) and the whole is
grown by ``margin`` pixels (a changed fill moves the blend's edge a little).
"""

from __future__ import annotations

from typing import Any, Optional

import cv2
import numpy as np


def abs_diff(a: Any, b: Any) -> np.ndarray:
    """|a - b| per channel of two uint8 images of one shape, as uint8 HxWxC
    (grey gets one channel)."""
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    if a.dtype == np.uint8 and b.dtype == np.uint8 and (a.ndim == 2 or a.shape[2] <= 4):
        diff = cv2.absdiff(a, b)  # a tenth of numpy's time on a 12 MP photo
    else:
        diff = np.abs(a.astype(np.int16) - b.astype(np.int16)).astype(np.uint8)
    return diff[..., None] if diff.ndim == 2 else diff


def channel_max(diff: np.ndarray) -> np.ndarray:
    """The largest of an HxWxC array's channels, HxW (pairwise: numpy's max
    over a last axis of 3 is several times slower)."""
    out = diff[..., 0].copy()
    for c in range(1, diff.shape[-1]):
        np.maximum(out, diff[..., c], out=out)
    return out


def channel_diff(a: Any, b: Any) -> np.ndarray:
    """Per pixel, the largest absolute difference over the channels (uint8 HxW)."""
    return channel_max(abs_diff(a, b))


def mask_region(mask: Any, shape: tuple[int, int]) -> np.ndarray:
    """``mask`` (bool, 0..255 integers or 0..1 floats; HxW or HxWx1) as a bool
    HxW array: True wherever it is above 0."""
    m = np.asarray(mask)
    if m.ndim == 3 and m.shape[2] == 1:
        m = m[..., 0]
    if m.shape != tuple(shape):
        raise ValueError(f"mask of shape {m.shape} for an image of {tuple(shape)}")
    return m > 0


def fill_holes(region: np.ndarray) -> np.ndarray:
    """``region`` with every part it encloses (not reachable from the border) set."""
    h, w = region.shape
    padded = np.zeros((h + 2, w + 2), np.uint8)
    padded[1:-1, 1:-1] = region
    flood = padded.copy()
    cv2.floodFill(flood, np.zeros((h + 4, w + 4), np.uint8), (0, 0), 1)
    return region | (flood[1:-1, 1:-1] == 0)


def grow(region: np.ndarray, margin: int) -> np.ndarray:
    """``region`` with every pixel within ``margin`` px (Euclidean) of it added."""
    if margin <= 0 or not region.any():
        return region
    # an exact distance transform costs the same for any margin; a 33x33
    # dilation took over a second on 12 MP
    dist = cv2.distanceTransform((~region).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    return dist <= margin


def edit_region(
    expected: Any,
    before: Optional[Any] = None,
    mask: Optional[Any] = None,
    threshold: int = 2,
    margin: int = 2,
) -> Optional[np.ndarray]:
    """The bool HxW region the edit may change, or None when neither
    ``before`` nor ``mask`` is given (then the whole image is judged as one)."""
    if before is None and mask is None:
        return None
    expected = np.asarray(expected)
    shape = expected.shape[:2]
    if mask is not None:
        return grow(mask_region(mask, shape), margin)
    before = np.asarray(before)
    if before.shape != expected.shape:
        raise ValueError(f"before has shape {before.shape}, the snapshot {expected.shape}")
    diff = channel_diff(expected, before)
    body = drop_thin((diff > threshold).astype(np.uint8))
    # The feathered rim changes the photo by less than ``threshold`` in places;
    # any change near the body belongs to the edit.
    region = body | ((diff > 0) & grow(body, NEAR))
    return fill_holes(grow(region, margin))


# How far from the body of an edit its thin parts and its rim may reach, px:
# the rim of eraser's feather (sigma 5) fades out over about 3 sigma.
NEAR = 16


def drop_thin(changed: np.ndarray, near: int = NEAR) -> np.ndarray:
    """The connected parts of ``changed`` (uint8 HxW) that come within ``near``
    px of a part more than 3 px thick; all of it when nothing is that thick.

    A photo decoded by another JPEG decoder than the snapshot's differs from
    it in thin lines along edges; an edit has a body, and the bits of its
    feathered rim that differ stay because they lie next to that body."""
    if not changed.any():
        return changed.astype(bool)
    body = cv2.morphologyEx(changed, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    if not body.any():
        return changed.astype(bool)
    _, labels = cv2.connectedComponents(changed, connectivity=8)
    keep = np.zeros(labels.max() + 1, bool)
    keep[np.unique(labels[grow(body.astype(bool), near)])] = True
    keep[0] = False
    return keep[labels]

"""Stage: inpaint. One region's crop goes to the backend at its working size.

A crop larger than the backend's working size is inpainted downscaled; only
the target rectangle (the holes' rectangle) is scaled back, and it gets the crop's fine detail (see
:mod:`eraser.detail`). Backends get read-only arrays, and what they return is
checked against the contract in :mod:`eraser.backends` before it is used.
"""

from __future__ import annotations

from typing import Optional

import cv2
import numpy as np

from eraser import detail
from eraser.cancel import Cancelled
from eraser.errors import BackendFailure
from eraser.fallback import describe, read_only
from eraser.regions import Region


def call_inpainter(backend: object, spec, image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """Run one inpainter call and check its output."""
    try:
        fill = backend.inpaint(read_only(image), read_only(hole))
    except Cancelled:  # not the backend's failure: no other inpainter is tried
        raise
    except Exception as exc:  # a plugin's bug must not take eraser down
        raise BackendFailure(spec, f"failed: {describe(exc)}") from None
    fill = np.asarray(fill) if not isinstance(fill, np.ndarray) else fill
    if fill.shape != image.shape or fill.dtype != np.uint8:
        raise BackendFailure(spec, f"returned {fill.dtype} {fill.shape}, expected uint8 {image.shape}")
    return fill


def fill_region(backend: object, spec, image: np.ndarray, region: Region, working_size: Optional[int]) -> np.ndarray:
    """The fill of ``region.target`` (RGB uint8, the size of ``target``)."""
    crop = image[region.outer.slices]
    hole = region.crop_hole()
    target = region.target.relative_to(region.outer)
    height, width = hole.shape
    if working_size is None or max(height, width) <= working_size:
        return call_inpainter(backend, spec, crop, hole)[target.slices]
    scale = working_size / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
    # A small pixel is a hole if any of the pixels it covers is one.
    small_hole = cv2.resize(hole.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0
    small_fill = call_inpainter(backend, spec, small, small_hole)
    # Scale back only ``target``: the affine map is cv2.resize's pixel-centre one.
    sx, sy = size[0] / width, size[1] / height
    to_small = np.array([[sx, 0, (target.x0 + 0.5) * sx - 0.5], [0, sy, (target.y0 + 0.5) * sy - 0.5]], np.float32)
    fill = cv2.warpAffine(
        small_fill, to_small, (target.width, target.height),
        flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE,
    )
    if not spec.detail:
        return fill
    return detail.restore_detail(crop, fill, hole, target, 1 / scale)

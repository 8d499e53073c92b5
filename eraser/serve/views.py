"""Small images for the page: the downscaled photo and the mask overlay."""

from __future__ import annotations

import base64
import io

import numpy as np

VIEW_MAX_SIDE = 1600  # the page shows at most this; clicks are mapped back to photo pixels


def view_size(width: int, height: int, max_side: int = VIEW_MAX_SIDE) -> tuple[int, int]:
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _resized(array: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    import cv2

    if (array.shape[1], array.shape[0]) == size:
        return array
    return cv2.resize(array, size, interpolation=cv2.INTER_AREA)


def photo_jpeg(rgb: np.ndarray, max_side: int = VIEW_MAX_SIDE) -> bytes:
    """The photo for display (JPEG, quality 90), downscaled to ``max_side``."""
    from PIL import Image

    small = _resized(np.asarray(rgb), view_size(rgb.shape[1], rgb.shape[0], max_side))
    buf = io.BytesIO()
    Image.fromarray(small).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def overlay(refined, size: tuple[int, int]) -> dict:
    """The refined mask's removal mask (255 = replaced) at the view's size,
    cut to the rectangle around it: ``{"png": base64 grey PNG, "box": [x, y,
    width, height], "size": the view's [width, height]}`` in view pixels
    (zeros outside the box). Made from the mask's
    parts (the rectangles around the objects) only: a 12 MP removal mask and
    its downscale cost 100 to 300 ms a click, a part's crop a few, and the page
    decodes and tints only the box. At the photo's size it is the removal mask."""
    import cv2
    from PIL import Image

    from eraser.refine import removal

    width, height = size
    full_h, full_w = refined.shape
    view = np.zeros((height, width), np.uint8)
    sx, sy = width / full_w, height / full_h
    for part in refined.parts:
        r = part.rect
        vx0, vy0 = int(np.floor(r.x0 * sx)), int(np.floor(r.y0 * sy))
        vx1, vy1 = min(width, int(np.ceil(r.x1 * sx))), min(height, int(np.ceil(r.y1 * sy)))
        # the photo's pixels under those view pixels, the part pasted in (zeros around it)
        fx0, fy0 = int(round(vx0 / sx)), int(round(vy0 / sy))
        fx1, fy1 = min(full_w, int(round(vx1 / sx))), min(full_h, int(round(vy1 / sy)))
        block = np.zeros((fy1 - fy0, fx1 - fx0), np.uint8)
        ox0, oy0, ox1, oy1 = max(r.x0, fx0), max(r.y0, fy0), min(r.x1, fx1), min(r.y1, fy1)
        block[oy0 - fy0 : oy1 - fy0, ox0 - fx0 : ox1 - fx0] = removal(part.keep[oy0 - r.y0 : oy1 - r.y0, ox0 - r.x0 : ox1 - r.x0])
        if block.shape != (vy1 - vy0, vx1 - vx0):
            block = cv2.resize(block, (vx1 - vx0, vy1 - vy0), interpolation=cv2.INTER_AREA)
        np.maximum(view[vy0:vy1, vx0:vx1], block, out=view[vy0:vy1, vx0:vx1])
    rows, cols = np.flatnonzero(view.any(axis=1)), np.flatnonzero(view.any(axis=0))
    if not len(rows):
        return {"png": None, "box": [0, 0, 0, 0], "size": [width, height]}
    y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    buf = io.BytesIO()
    Image.fromarray(view[y0:y1, x0:x1], mode="L").save(buf, format="PNG", compress_level=1)
    return {"png": base64.b64encode(buf.getvalue()).decode("ascii"), "box": [x0, y0, x1 - x0, y1 - y0],
            "size": [width, height]}


def mask_png(mask: np.ndarray) -> bytes:
    """A boolean mask as a black-and-white PNG (white = remove), full size."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.asarray(mask, dtype=bool).astype(np.uint8) * 255, mode="L").save(buf, format="PNG")
    return buf.getvalue()


def suggestion_map_base64(masks: list[np.ndarray], size: tuple[int, int]) -> str:
    """Which suggestion is under each pixel of the view, as an RGB PNG, base64:
    red + 256 * green is the suggestion's index + 1 (0: none). Larger masks
    are drawn first, so the smallest object under the pointer wins."""
    import cv2
    from PIL import Image

    width, height = size
    index = np.zeros((height, width), np.int32)
    for i in sorted(range(len(masks)), key=lambda i: -int(masks[i].sum())):
        small = cv2.resize(masks[i].astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
        index[small] = i + 1
    rgb = np.zeros((height, width, 3), np.uint8)
    rgb[..., 0], rgb[..., 1] = index & 255, index >> 8
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode("ascii")

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


def photo_png(rgb: np.ndarray, alpha: np.ndarray, max_side: int = VIEW_MAX_SIDE) -> bytes:
    """A photo with transparency for display: RGBA PNG (zlib level 1),
    downscaled to ``max_side``, so the page shows its transparent parts (on a
    checkerboard) instead of whatever colour they hold."""
    from PIL import Image

    size = view_size(rgb.shape[1], rgb.shape[0], max_side)
    rgb, alpha = np.asarray(rgb), np.asarray(alpha)
    if (rgb.shape[1], rgb.shape[0]) != size:
        # scaled with the colours weighted by their alpha, so the colour that
        # transparent pixels hide (often black) does not fringe the edges
        a = alpha.astype(np.float32)[..., None] / 255.0
        small_a = _resized(a[..., 0], size)[..., None]
        weighted = _resized(rgb.astype(np.float32) * a, size)
        rgb = np.clip(np.where(small_a > 0, weighted / np.maximum(small_a, 1e-6), 0) + 0.5, 0, 255).astype(np.uint8)
        alpha = np.clip(small_a[..., 0] * 255.0 + 0.5, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(np.dstack([rgb, alpha]), mode="RGBA").save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def overlay(refined, size: tuple[int, int]) -> dict:
    """The refined mask's removal mask (255 = replaced) at the view's size,
    cut to the rectangle around it: ``{"png": base64 tinted PNG (its palette
    indices are the mask, :mod:`eraser.serve.tint_png`), "box": [x, y,
    width, height], "size": the view's [width, height]}`` in view pixels
    (zeros outside the box). Made from the mask's parts (the rectangles
    around the objects) only, never a view-sized frame: a 12 MP removal mask
    and its downscale cost 100 to 300 ms a click, a part's crop a few, and the
    page draws only the box. At the photo's size it is the removal mask."""
    import cv2

    from eraser.serve.tint_png import tint_png

    width, height = size
    blocks = list(_view_blocks(refined, size))
    if not blocks:
        return {"png": None, "box": [0, 0, 0, 0], "size": [width, height]}
    if len(blocks) == 1:
        (x0, y0, _, _), union = blocks[0]
    else:
        x0, y0 = min(b[0][0] for b in blocks), min(b[0][1] for b in blocks)
        x1, y1 = max(b[0][2] for b in blocks), max(b[0][3] for b in blocks)
        union = np.zeros((y1 - y0, x1 - x0), np.uint8)
        for (bx0, by0, bx1, by1), block in blocks:
            target = union[by0 - y0 : by1 - y0, bx0 - x0 : bx1 - x0]
            np.maximum(target, block, out=target)
    bx, by, bw, bh = cv2.boundingRect(union)  # the non-zero pixels
    if not bw:
        return {"png": None, "box": [0, 0, 0, 0], "size": [width, height]}
    png = tint_png(np.ascontiguousarray(union[by : by + bh, bx : bx + bw]))
    return {"png": base64.b64encode(png).decode("ascii"), "box": [x0 + bx, y0 + by, bw, bh], "size": [width, height]}


def _removal8(keep: np.ndarray) -> np.ndarray:
    """:func:`eraser.refine.removal` in one pass (OpenCV rounds and saturates
    as it scales): 1 ms where the float steps took 7 at 1200x800 under load;
    the same values to 1 (a rounding tie), which a tint cannot show."""
    import cv2

    return cv2.convertScaleAbs(keep, alpha=-255.0, beta=255.0)


def _view_blocks(refined, size: tuple[int, int]):
    """Each part's removal mask at the view's scale, as ``((x0, y0, x1, y1), block)``."""
    import cv2

    width, height = size
    full_h, full_w = refined.shape
    if (full_w, full_h) == (width, height):  # refined at the view's size (a glimpse): nothing to scale
        for part in refined.parts:
            r = part.rect
            yield (r.x0, r.y0, r.x1, r.y1), _removal8(part.keep)
        return
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
        block[oy0 - fy0 : oy1 - fy0, ox0 - fx0 : ox1 - fx0] = _removal8(part.keep[oy0 - r.y0 : oy1 - r.y0, ox0 - r.x0 : ox1 - r.x0])
        if block.shape != (vy1 - vy0, vx1 - vx0):
            block = cv2.resize(block, (vx1 - vx0, vy1 - vy0), interpolation=cv2.INTER_AREA)
        yield (vx0, vy0, vx1, vy1), block


def mask_png(mask: np.ndarray) -> bytes:
    """A mask as a grey PNG (white = remove), full size: a boolean one black
    and white, a ``uint8`` one with its grey levels (blend weights)."""
    from PIL import Image

    buf = io.BytesIO()
    grey = mask if mask.dtype == np.uint8 else np.asarray(mask, dtype=bool).astype(np.uint8) * 255
    Image.fromarray(grey, mode="L").save(buf, format="PNG")
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

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


def mask_png_base64(mask: np.ndarray, size: tuple[int, int]) -> str:
    """A uint8 mask (255 = replaced) as a grey PNG of the view's size, base64."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(_resized(np.asarray(mask, dtype=np.uint8), size), mode="L").save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode("ascii")


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

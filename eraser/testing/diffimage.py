"""The picture written beside a failed snapshot: expected | obtained | differences.

In the third panel the snapshot is dimmed to half its brightness; a pixel
whose largest channel difference is over ``per_pixel`` (a differing pixel)
is bright red, 128 plus twice the difference, and a smaller difference is a
faint red, four times the difference, so a colour cast of 10 levels stands
out while a level of decoder noise hardly shows. The edited region's outline
is cyan, the largest blob of differing pixels inside it in a
yellow box, and the pixels changed outside it in magenta with a magenta box
around the largest of their blobs.
"""

from __future__ import annotations

from typing import Any, Optional

import cv2
import numpy as np

from eraser.testing.region import channel_diff
from eraser.testing.tolerance import Tolerance

CYAN, YELLOW, MAGENTA = (0, 255, 255), (255, 230, 0), (255, 0, 255)


def rgb(image: Any) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim == 2:
        return np.repeat(image[..., None], 3, axis=2)
    return image[..., :3] if image.shape[2] >= 3 else np.repeat(image[..., :1], 3, axis=2)


def draw_box(panel: np.ndarray, box, colour) -> None:
    x0, y0, x1, y1 = box
    # one pixel outside the blob so the blob itself stays visible
    cv2.rectangle(panel, (x0 - 1, y0 - 1), (x1 + 1, y1 + 1), colour, 1)


def diff_image(obtained: Any, expected: Any, comparison: Optional[Any] = None,
               per_pixel: int = Tolerance().per_pixel) -> np.ndarray:
    """Expected | obtained | the differences, marked as the module says;
    ``comparison`` (a :class:`~eraser.testing.compare.Comparison`) adds the
    region's outline and the boxes."""
    obtained, expected = rgb(obtained), rgb(expected)
    diff = channel_diff(obtained, expected).astype(np.int32)
    grey = (expected.mean(axis=-1) * 0.5).astype(np.uint8)
    red = np.where(diff > per_pixel, np.minimum(255, 128 + 2 * diff), np.maximum(grey, 4 * diff)).astype(np.uint8)
    heat = np.ascontiguousarray(np.stack([red, grey, grey], axis=-1))
    region = getattr(comparison, "region", None)
    if region is not None:
        edge = region & ~cv2.erode(region.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        heat[edge] = CYAN
        if comparison.changed_outside is not None:
            heat[comparison.changed_outside] = MAGENTA
    if comparison is not None and comparison.blob_box is not None:
        draw_box(heat, comparison.blob_box, YELLOW)
    if comparison is not None and comparison.outside_box is not None:
        draw_box(heat, comparison.outside_box, MAGENTA)
    return np.concatenate([expected, obtained, heat], axis=1)

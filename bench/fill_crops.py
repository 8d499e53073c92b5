"""Judging a fill by eye and by one number: the fine-detail ratio inside a hole,
and full-resolution crops of every output where the hole meets its most detailed
surroundings (written by ``python -m bench.speed --keep DIR``)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import cv2
import numpy as np
from PIL import Image

from eraser import refine
from eraser.geometry import bounding_rect

CROP = 800  # side of the full-resolution crops


def fill_detail(image: np.ndarray, hole: np.ndarray) -> Optional[float]:
    """Fine detail inside the hole (past its feathered rim) over a ring around it.

    Fine detail is the median absolute value of the luma minus its Gaussian
    blur (sigma 1 px): on this photo mostly the film grain and JPEG-scale
    texture, which a fill made at a lower resolution and scaled up lacks. The
    median ignores the few strong edges (streaks, seams) a fill may add.
    """
    rect = bounding_rect(hole)
    if rect is None:
        return None
    rect = rect.grow(80, hole.shape[1], hole.shape[0])
    sub_hole = hole[rect.slices]
    gray = cv2.cvtColor(np.ascontiguousarray(image[rect.slices]), cv2.COLOR_RGB2GRAY).astype(np.float32)
    high = np.abs(gray - cv2.GaussianBlur(gray, (0, 0), 1.0))
    rim = int(np.ceil(3 * refine.DEFAULT_FEATHER)) + 2
    inner = ~refine.dilate(~sub_hole, rim)
    ring = refine.dilate(sub_hole, 48) & ~refine.dilate(sub_hole, 8)
    if inner.sum() < 100 or ring.sum() < 100:
        return None
    return float(np.median(high[inner]) / max(np.median(high[ring]), 1e-6))


def pick_crop(photo: np.ndarray, hole: np.ndarray, size: int = CROP) -> tuple[int, int]:
    """Top-left of a size x size window to judge a fill by: 30-60 % hole, and
    of those the one whose surroundings have the most fine detail (a fill that
    is blurrier than its surroundings shows best next to texture)."""
    h, w = hole.shape
    size = min(size, h, w)
    gray = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY).astype(np.float32)
    detail = np.abs(gray - cv2.GaussianBlur(gray, (0, 0), 1.0)) * ~hole
    hole_sum = cv2.integral(hole.astype(np.uint8))
    detail_sum = cv2.integral(detail, sdepth=cv2.CV_64F)

    def window(integral: np.ndarray, x: int, y: int) -> float:
        return integral[y + size, x + size] - integral[y, x + size] - integral[y + size, x] + integral[y, x]

    rect = bounding_rect(hole)
    step = max(8, size // 16)
    best, best_xy = None, (max(0, min(w - size, rect.x0)), max(0, min(h - size, rect.y0)))
    for y in range(max(0, rect.y0 - size // 2), min(h - size, rect.y1 - size // 2) + 1, step):
        for x in range(max(0, rect.x0 - size // 2), min(w - size, rect.x1 - size // 2) + 1, step):
            frac = window(hole_sum, x, y) / size**2
            if not 0.3 <= frac <= 0.6:
                continue
            score = window(detail_sum, x, y) / ((1 - frac) * size**2)
            if best is None or score > best:
                best, best_xy = score, (x, y)
    return best_xy


def write_crops(keep: Path, photo: np.ndarray, outputs: dict[str, np.ndarray], hole: np.ndarray) -> list[str]:
    """Full-resolution crops and a scaled-down view of the whole object."""
    written = []
    x, y = pick_crop(photo, hole)
    sl = (slice(y, y + CROP), slice(x, x + CROP))
    outline = hole[sl].astype(np.uint8)
    contours, _ = cv2.findContours(outline, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)

    def save(name: str, rgb: np.ndarray) -> None:
        Image.fromarray(np.ascontiguousarray(rgb)).save(keep / name)
        written.append(name)

    save("crop_input.png", photo[sl])
    marked = photo[sl].copy()
    cv2.drawContours(marked, contours, -1, (255, 0, 255), 2)
    save("crop_input_hole.png", marked)
    for label, rgb in outputs.items():
        save(f"crop_{label}.png", rgb[sl])
    # All crops side by side, two per row, labelled, at full resolution.
    tiles = [("input, hole outlined", marked)] + [(label, rgb[sl]) for label, rgb in outputs.items()]
    cols = 2
    rows = (len(tiles) + cols - 1) // cols
    th, tw = marked.shape[:2]
    grid = np.full((rows * th, cols * tw, 3), 255, np.uint8)
    for i, (label, tile) in enumerate(tiles):
        r, c = divmod(i, cols)
        tile = np.ascontiguousarray(tile).copy()
        cv2.putText(tile, label, (12, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 5, cv2.LINE_AA)
        cv2.putText(tile, label, (12, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (255, 255, 255), 2, cv2.LINE_AA)
        grid[r * th : (r + 1) * th, c * tw : (c + 1) * tw] = tile
    save("crop_grid.png", grid)
    rect = bounding_rect(hole).grow(200, hole.shape[1], hole.shape[0])
    scale = min(1.0, 1200 / max(rect.width, rect.height))
    size = (round(rect.width * scale), round(rect.height * scale))
    for label, rgb in {"input": photo, **outputs}.items():
        view = cv2.resize(rgb[rect.slices], size, interpolation=cv2.INTER_AREA)
        if label == "input":
            small = cv2.resize(hole[rect.slices].astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)
            cs, _ = cv2.findContours(small, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
            cv2.drawContours(view, cs, -1, (255, 0, 255), 2)
            cv2.rectangle(view, (round((x - rect.x0) * scale), round((y - rect.y0) * scale)),
                          (round((x + CROP - rect.x0) * scale), round((y + CROP - rect.y0) * scale)), (0, 255, 255), 2)
        save(f"object_{label}.png", view)
    return written

"""Boxes of masks, and non-maximum suppression (no torchvision)."""

from __future__ import annotations

import numpy as np


def mask_to_box(masks: np.ndarray) -> np.ndarray:
    """XYXY boxes (inclusive right/bottom pixel, as SAM) of (N, H, W) bool masks; [0,0,0,0] when empty."""
    if masks.shape[0] == 0:
        return np.zeros((0, 4), np.float32)
    rows, cols = masks.any(axis=2), masks.any(axis=1)
    boxes = np.zeros((masks.shape[0], 4), np.float32)
    for i in range(masks.shape[0]):
        ys, xs = np.flatnonzero(rows[i]), np.flatnonzero(cols[i])
        if ys.size:
            boxes[i] = (xs[0], ys[0], xs[-1], ys[-1])
    return boxes


def box_iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    """IoU of one XYXY box with many (areas as torchvision's box_area: (x1-x0)*(y1-y0)).

    Where both boxes have no area (a mask one pixel wide or tall, or a 1x1
    photo's single pixel), that formula is 0/0: torchvision's nms then keeps
    both (NaN is never above the threshold), so upstream SAM returns the same
    one-pixel mask once per grid point. Here such a pair is measured by the
    pixels the boxes cover (inclusive: +1), so identical boxes have IoU 1.
    """
    inter = _overlap(box, others, 0.0)
    area = _area(box[None], 0.0)[0]
    union = area + _area(others, 0.0) - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
    flat = union <= 0
    if flat.any():
        pixels = _overlap(box, others[flat], 1.0)
        iou[flat] = pixels / (_area(box[None], 1.0)[0] + _area(others[flat], 1.0) - pixels)
    return iou


def _overlap(box: np.ndarray, others: np.ndarray, extra: float) -> np.ndarray:
    x0 = np.maximum(box[0], others[:, 0])
    y0 = np.maximum(box[1], others[:, 1])
    x1 = np.minimum(box[2], others[:, 2])
    y1 = np.minimum(box[3], others[:, 3])
    return np.clip(x1 - x0 + extra, 0, None) * np.clip(y1 - y0 + extra, 0, None)


def _area(boxes: np.ndarray, extra: float) -> np.ndarray:
    return (boxes[:, 2] - boxes[:, 0] + extra) * (boxes[:, 3] - boxes[:, 1] + extra)


def nms(boxes: np.ndarray, scores: np.ndarray, threshold: float) -> np.ndarray:
    """Indices of the boxes kept, by decreasing score: greedily, a box is
    dropped when its IoU with a kept one is above ``threshold`` (what
    torchvision's ``batched_nms`` does with one category). Ties keep the
    earlier box, as a stable sort does."""
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    order = np.argsort(-np.asarray(scores, np.float64), kind="stable")
    keep = []
    while order.size:
        best = order[0]
        keep.append(best)
        if order.size == 1:
            break
        rest = order[1:]
        order = rest[box_iou(boxes[best], boxes[rest]) <= threshold]
    return np.array(keep, np.int64)


def xyxy_to_xywh(box) -> list[float]:
    x0, y0, x1, y1 = (float(v) for v in box)
    return [x0, y0, x1 - x0, y1 - y0]

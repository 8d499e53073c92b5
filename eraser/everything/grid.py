"""Point grids and crop boxes, as SAM's automatic mask generator lays them out."""

from __future__ import annotations

import math

import numpy as np


def point_grid(per_side: int) -> np.ndarray:
    """(per_side^2, 2) points in [0, 1]^2 at the centres of a per_side x per_side grid."""
    offset = 1 / (2 * per_side)
    side = np.linspace(offset, 1 - offset, per_side)
    xs = np.tile(side[None, :], (per_side, 1))
    ys = np.tile(side[:, None], (1, per_side))
    return np.stack([xs, ys], axis=-1).reshape(-1, 2)


def layer_grids(per_side: int, n_layers: int, downscale: int) -> list[np.ndarray]:
    return [point_grid(int(per_side / (downscale ** i))) for i in range(n_layers + 1)]


def crop_boxes(width: int, height: int, n_layers: int, overlap_ratio: float) -> tuple[list[list[int]], list[int]]:
    """XYXY crop boxes (the whole photo first) and the layer of each."""
    boxes, layers = [[0, 0, width, height]], [0]
    short = min(width, height)
    for layer in range(1, n_layers + 1):
        per_side = 2 ** layer
        overlap = int(overlap_ratio * short * (2 / per_side))
        crop_w = int(math.ceil((overlap * (per_side - 1) + width) / per_side))
        crop_h = int(math.ceil((overlap * (per_side - 1) + height) / per_side))
        xs = [int((crop_w - overlap) * i) for i in range(per_side)]
        ys = [int((crop_h - overlap) * i) for i in range(per_side)]
        for x0 in xs:
            for y0 in ys:
                boxes.append([x0, y0, min(x0 + crop_w, width), min(y0 + crop_h, height)])
                layers.append(layer)
    return boxes, layers

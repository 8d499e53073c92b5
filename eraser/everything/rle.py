"""COCO run-length encoding (pycocotools), as SAM's generator writes it."""

from __future__ import annotations

import numpy as np

from eraser.errors import EraserError


def _mask_api():
    try:
        from pycocotools import mask as mask_api
    except ImportError:
        raise EraserError("COCO run-length encoding needs pycocotools: pip install pycocotools") from None
    return mask_api


def encode(mask: np.ndarray) -> dict:
    rle = _mask_api().encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": [int(v) for v in rle["size"]], "counts": rle["counts"].decode("ascii")}


def decode(rle: dict) -> np.ndarray:
    return _mask_api().decode({"size": rle["size"], "counts": rle["counts"].encode("ascii")}).astype(bool)

"""The small numeric steps of SAM 2.1's video propagation, in numpy, written
to give upstream's numbers (``sam2`` 1.1.0: ``SAM2VideoPredictor``,
``SAM2Base``, ``sam2.utils.misc``):

* a frame is resized to 1024x1024 by Pillow's default resampling (bicubic) on
  the 8-bit RGB, as ``load_video_frames`` does, then ImageNet-normalised;
* resizes of masks and logits: torch's ``interpolate(..., "bilinear",
  align_corners=False)`` is written out (OpenCV's INTER_LINEAR rounds its
  weights, off by 1e-4 of the value); with ``antialias=True``
  (used where upstream shrinks a mask) it is Pillow's bilinear on float images;
* the sine encodings of the 64x64 map (``PositionEmbeddingSine``) and of a
  time offset (``get_1d_sine_pe``);
* memories are stored as bfloat16 (round to nearest even), as upstream keeps them;
* holes of up to 8 low-res pixels in a mask are filled (``fill_hole_area=8``).
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from PIL import Image

from eraser_sam2.interface import EMBED_DIM, EMBED_SIZE, IMAGE_SIZE, PIXEL_MEAN, PIXEL_STD

FILL_HOLE_AREA = 8  # build_sam2_video_predictor's fill_hole_area (low-res pixels)
HOLE_SCORE = 0.1  # the logit a filled hole gets


def preprocess_frame(frame: np.ndarray) -> np.ndarray:
    """RGB uint8 (H, W, 3) -> normalised float32 (1, 3, 1024, 1024), as upstream loads video frames."""
    resized = np.asarray(Image.fromarray(np.ascontiguousarray(frame)).resize((IMAGE_SIZE, IMAGE_SIZE),
                                                                            Image.Resampling.BICUBIC))
    out = resized.astype(np.float32) / np.float32(255)
    out = (out - np.array(PIXEL_MEAN, np.float32)) / np.array(PIXEL_STD, np.float32)
    return np.ascontiguousarray(out.transpose(2, 0, 1)[None])


def _taps(size_in: int, size_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source indices and weights of a bilinear resize along one axis (half-pixel centres, clamped at 0)."""
    src = (np.arange(size_out, dtype=np.float32) + np.float32(0.5)) * np.float32(size_in / size_out) - np.float32(0.5)
    src = np.maximum(src, np.float32(0))
    low = np.minimum(src.astype(np.int64), size_in - 1)
    return low, np.minimum(low + 1, size_in - 1), (src - low).astype(np.float32)


def bilinear(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """A 2-D float map resized like torch's bilinear interpolate (align_corners=False, no antialias)."""
    image = np.asarray(image, np.float32)
    if image.shape == (height, width):
        return image.copy()
    y0, y1, wy = _taps(image.shape[0], height)
    x0, x1, wx = _taps(image.shape[1], width)
    rows = image[y0] * (1 - wy)[:, None] + image[y1] * wy[:, None]
    return (rows[:, x0] * (1 - wx) + rows[:, x1] * wx).astype(np.float32)


def bilinear_antialiased(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """A 2-D float map resized like torch's bilinear interpolate with ``antialias=True``."""
    image = np.asarray(image, np.float32)
    if image.shape == (height, width):
        return image.copy()
    resized = Image.fromarray(np.ascontiguousarray(image), mode="F").resize((width, height), Image.Resampling.BILINEAR)
    return np.asarray(resized, np.float32)


def to_bfloat16(x: np.ndarray) -> np.ndarray:
    """float32 rounded to bfloat16's precision (nearest, ties to even), kept as float32."""
    bits = np.ascontiguousarray(x, np.float32).view(np.uint32)
    rounded = (bits + (np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1)))) & np.uint32(0xFFFF0000)
    return rounded.view(np.float32)


def sine_map_encoding(channels: int = EMBED_DIM, side: int = EMBED_SIZE, temperature: float = 10000.0) -> np.ndarray:
    """DETR's normalised sine encoding of a side x side map, (1, channels, side, side):
    the first half from the row, the second from the column (``PositionEmbeddingSine``)."""
    half = channels // 2
    scale, eps = 2 * math.pi, 1e-6
    pos = np.arange(1, side + 1, dtype=np.float32)
    pos = pos / (np.float32(side) + np.float32(eps)) * np.float32(scale)
    dim_t = np.arange(half, dtype=np.float32)
    dim_t = np.float32(temperature) ** (2 * np.floor(dim_t / 2) / np.float32(half))
    angles = pos[:, None] / dim_t  # (side, half)
    enc = np.empty((side, half), np.float32)
    enc[:, 0::2], enc[:, 1::2] = np.sin(angles[:, 0::2]), np.cos(angles[:, 1::2])
    rows = np.broadcast_to(enc[:, None, :], (side, side, half))
    cols = np.broadcast_to(enc[None, :, :], (side, side, half))
    return np.ascontiguousarray(np.concatenate([rows, cols], axis=-1).transpose(2, 0, 1)[None], np.float32)


def time_encoding(offsets, dim: int = EMBED_DIM, temperature: float = 10000.0) -> np.ndarray:
    """(K, dim) sine encodings of (normalised) time offsets (``get_1d_sine_pe``)."""
    half = dim // 2
    dim_t = np.arange(half, dtype=np.float32)
    dim_t = np.float32(temperature) ** (2 * np.floor(dim_t / 2) / np.float32(half))
    angles = np.asarray(offsets, np.float32)[:, None] / dim_t
    return np.concatenate([np.sin(angles), np.cos(angles)], axis=-1).astype(np.float32)


def fill_holes(logits: np.ndarray, max_area: int = FILL_HOLE_AREA) -> np.ndarray:
    """Background regions (logit <= 0) of at most ``max_area`` pixels, 8-connected, set to a small positive logit."""
    background = (logits <= 0).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(background, connectivity=8)
    small = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] <= max_area)
    small = small[small > 0]  # label 0 is the foreground
    if small.size == 0:
        return logits
    out = logits.copy()
    out[np.isin(labels, small)] = np.float32(HOLE_SCORE)
    return out

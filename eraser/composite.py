"""Stage: composite. The fill goes into the original by the ``keep`` alpha, in two bands.

A plain ``original * keep + fill * (1 - keep)`` averages two textures that do
not line up across the feathered band, so the texture's contrast drops there
(0.7-0.8 of the photo's own within 6 px of the hole's border, every fill): a
soft ring along the removed object's outline. Here each image is split into a
low band (a local mean) and its detail (the rest):

* the low bands are blended by ``keep`` as before: no seam in tone;
* the detail switches from the original's to the fill's over a narrow step of
  ``keep`` (``DETAIL_FROM`` .. ``DETAIL_TO``: 1-2 px at the default feather),
  so no pixel averages two textures' detail.

Each low band is a mean weighted by where that image is trusted (``keep`` for
the original, ``1 - keep`` for the fill), so the removed object inside the
hole never bleeds into the band's tone.

Exact wherever ``keep == 1``: those pixels are copied, never recomputed, so
everything outside the hole stays bit-identical to the input; where
``keep == 0`` the output is the fill exactly.
"""

from __future__ import annotations

import cv2
import numpy as np

from eraser.geometry import Rect

# Sigma (px) of the low band: the scale of the tone transition. Detail finer
# than this switches sharply; coarser structure blends as before.
LOW_BAND_SIGMA = 3.0
# The detail's switch: all the original's at keep >= DETAIL_TO, all the
# fill's at keep <= DETAIL_FROM (keep is 0.5 on the hole's border and falls
# about 0.08 per px inward at feather 5).
DETAIL_FROM = 0.30
DETAIL_TO = 0.50
# keep falls to DETAIL_FROM about 0.52 feather px inside the hole's border
# (a Gaussian edge): a widening narrower than that (plus a pixel) leaves the
# removed object's own edge inside the switch.
SWITCH_DEPTH = 0.6
# The band is computed in tiles of this side (px).
TILE = 48
# Tiny weights: a local mean with (almost) nothing trusted nearby.
_EPS = 1e-4


def composite(original: np.ndarray, fill: np.ndarray, keep: np.ndarray, seen: np.ndarray | None = None,
              capped: bool = False) -> np.ndarray:
    """Blend ``fill`` into ``original`` by ``keep``; only the pixels with
    ``0 < keep < 1`` are blended (their local means come from the tile around
    them), so a small hole in a large crop costs little. ``seen``: what the
    original's low band reads where it differs from ``original`` (colours
    hidden under a transparent photo's alpha-0 pixels, replaced), by default
    ``original``. ``capped``: the original's detail weighs at most ``keep``
    (see :func:`object_in_switch`)."""
    seen = original if seen is None else seen
    out = original.copy()
    # Where keep is 0 the blend is the fill exactly: copied, not computed
    # (most of a large hole; only the feathered band needs the arithmetic).
    out = cv2.copyTo(fill, (keep == 0.0).view(np.uint8), out)
    changed = (keep > 0.0) & (keep < 1.0)
    if not changed.any():
        return out
    pad = reach()
    height, width = keep.shape
    # The band is a thin ring round a hole: only the tiles it crosses are
    # computed, each with the low band's reach around it.
    rows, cols = -(-height // TILE), -(-width // TILE)
    crossed = np.zeros((rows * TILE, cols * TILE), bool)
    crossed[:height, :width] = changed
    crossed = crossed.reshape(rows, TILE, cols, TILE).any(axis=(1, 3))
    for r, c in zip(*np.nonzero(crossed)):
        y0, x0 = r * TILE, c * TILE
        tile = (slice(y0, min(height, y0 + TILE)), slice(x0, min(width, x0 + TILE)))
        around = (slice(max(0, y0 - pad), min(height, y0 + TILE + pad)), slice(max(0, x0 - pad), min(width, x0 + TILE + pad)))
        where = np.zeros(keep[around].shape, bool)
        inner = (slice(y0 - around[0].start, tile[0].stop - around[0].start), slice(x0 - around[1].start, tile[1].stop - around[1].start))
        where[inner] = changed[tile]
        blended = two_band(original[around], fill[around], keep[around], where, seen[around], capped)
        out[around][where] = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    return out


def object_in_switch(dilate: float, feather: float) -> bool:
    """Whether the detail's switch reaches the removed object itself (little
    or no widening, or a wide feather): then :func:`composite` caps the
    original's detail at ``keep`` (``capped``). Not for a mask used as given
    (no feather: its soft edge is the removal mask a ``segment`` wrote, the
    default widening already in it)."""
    return feather > 0 and dilate <= SWITCH_DEPTH * feather + 1.0


def composite_part(image: np.ndarray, rect: Rect, fill: np.ndarray, keep: np.ndarray,
                   seen: np.ndarray | None = None, capped: bool = False) -> np.ndarray:
    """:func:`composite` of one refined part (``fill`` and ``keep`` cover ``rect``
    of the full-frame ``image``), reading the photo around ``rect`` too: a part
    cut tight round its hole (a mask used as given) still has the original's
    surroundings for its low band. ``seen``: full frame, as in :func:`composite`.
    Returns the ``rect``-sized result."""
    height, width = image.shape[:2]
    around = rect.grow(reach(), width, height)
    inner = rect.relative_to(around).slices
    wide_keep = np.ones((around.height, around.width), np.float32)
    wide_keep[inner] = keep
    wide_fill = image[around.slices].copy()  # never read: keep is 1 outside rect
    wide_fill[inner] = fill
    return composite(image[around.slices], wide_fill, wide_keep, None if seen is None else seen[around.slices], capped)[inner]


def two_band(original: np.ndarray, fill: np.ndarray, keep: np.ndarray, where: np.ndarray,
             seen: np.ndarray | None = None, capped: bool = False) -> np.ndarray:
    """float32 blend of two images (H, W[, C]) by ``keep`` (H, W) at the pixels
    ``where`` is true (in row-major order, as ``image[where]``): low bands by
    ``keep``, detail by a steep step of ``keep``. ``seen``: what the
    original's low band reads (default ``original``)."""
    seen = original if seen is None else seen
    k = keep.astype(np.float32)
    trusted = _blur(k)
    # Each low band: a Gaussian mean weighted by where that image is trusted
    # (normalised convolution); blur(1 - k) is 1 - blur(k).
    sum_a = _blur(seen * _channels(k, seen))[where]
    sum_b = _blur(fill * _channels(1.0 - k, fill))[where]
    weight_a = _channels(trusted[where], sum_a)
    weight_b = 1.0 - weight_a
    a = original[where].astype(np.float32)
    b = fill[where].astype(np.float32)
    # Almost nothing trusted nearby: the pixel itself is its mean (no detail).
    low_a = np.where(weight_a > _EPS, sum_a / np.maximum(weight_a, _EPS), a)
    low_b = np.where(weight_b > _EPS, sum_b / np.maximum(weight_b, _EPS), b)
    kw = k[where]
    t = np.clip((kw - DETAIL_FROM) / (DETAIL_TO - DETAIL_FROM), 0.0, 1.0)
    step = t * t * (3.0 - 2.0 * t)  # smoothstep: no kink at either end
    if capped:
        # The switch holds the removed object's own edge (little widening):
        # its detail at full weight came back as a sharp dark ring; at most
        # keep, it is no crisper than a plain blend left it.
        step = np.minimum(step, kw)
    step = _channels(step, a)
    kw = _channels(kw, a)
    return low_a * kw + low_b * (1.0 - kw) + (a - low_a) * step + (b - low_b) * (1.0 - step)


def reach() -> int:
    """How far the low band reads: the radius of OpenCV's kernel for a float
    image (4 sigma), so a tile with this much around it blends exactly as
    the whole image would."""
    return int(round(LOW_BAND_SIGMA * 8 + 1)) // 2


def _channels(weight: np.ndarray, like: np.ndarray) -> np.ndarray:
    """``weight`` with a trailing axis where ``like`` has channels."""
    return weight[..., None] if like.ndim == weight.ndim + 1 else weight


def _blur(image: np.ndarray) -> np.ndarray:
    blurred = cv2.GaussianBlur(image.astype(np.float32, copy=False), (0, 0), LOW_BAND_SIGMA, LOW_BAND_SIGMA,
                               borderType=cv2.BORDER_REPLICATE)
    return blurred.reshape(image.shape)  # OpenCV drops a single channel's axis

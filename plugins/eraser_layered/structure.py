"""The structure layer: colour, gradients and edges carried smoothly through the hole.

Two solvers, each where it is best:

* deep in the hole, the harmonic (membrane) fill of ``harmonic.py``: the
  fill closest to the lost pixels on average, with no streaks, blocks or
  plumes, and a small distinct thing at the border (a label, a pin) only
  tints it faintly;
* near the border (within ``BAND`` px), OpenCV's frequency-selective
  reconstruction (``cv2.xphoto``, FSR_FAST), which models the blocks around
  the hole as sparse sums of 2-D frequencies and so carries edges, lines and
  fine gradients a little way in. It fails on deep holes (blocky, invented
  shapes), so it is given the harmonic fill as known pixels beyond the band
  and only fills the band; its weight falls from 1 at the border to 0 at
  ``BAND`` px. It runs on luma only: on colour it invents hues (a green blot
  in a grey photo), so the colour is the harmonic fill's.

Measured on ``bench/quality.py`` (structure only, no texture): blobs 17.99 dB
and SSIM 0.482, thick strokes 20.26 dB / 0.554, thin strokes 24.95 dB /
0.759; the harmonic fill alone gives 17.86 / 19.53 / 23.19 dB, FSR at a
scale set by the hole's depth (the first release of this layer) 16.87 /
19.63 / 24.19 dB.
"""

from __future__ import annotations

import cv2
import numpy as np

from eraser_layered.harmonic import harmonic_fill

# px from the border over which FSR's weight falls from 1 to 0 (8, 16 and 32
# were measured; 16 was best on blobs and strokes alike).
BAND = 16.0
LUMA = np.float32([0.299, 0.587, 0.114])  # Rec. 601 weights, as OpenCV's RGB2GRAY


def fsr(gray: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """FSR_FAST fill of ``hole`` in a single-channel uint8 image."""
    out = np.zeros_like(gray)
    cv2.xphoto.inpaint(gray, np.where(hole, 0, 255).astype(np.uint8), out, cv2.xphoto.INPAINT_FSR_FAST)
    return out


def structure(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """The smooth fill: float32 RGB, equal to ``image`` outside the hole."""
    hole = np.asarray(hole, bool)
    img = image.astype(np.float32)
    smooth = harmonic_fill(img, hole)
    depth = cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 5)
    band = hole & (depth <= BAND)
    if band.any():
        luma = smooth @ LUMA
        # FSR sees the harmonic fill beyond the band as known: it only has to
        # bridge the band, which is as deep as it handles well.
        edges = fsr(np.clip(np.rint(luma), 0, 255).astype(np.uint8), band).astype(np.float32)
        weight = np.clip(1.0 - depth / BAND, 0.0, 1.0)
        smooth += (weight * (edges - luma))[..., None]
    smooth[~hole] = img[~hole]
    return np.clip(smooth, 0.0, 255.0)

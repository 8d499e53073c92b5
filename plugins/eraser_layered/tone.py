"""The fill's low frequencies settled to the membrane on smooth surroundings.

On a sky or a plain backdrop the patch fill copies pieces from where the
tone was a little different (a sky darker higher up): each reads as a
darker column with seams, though every piece is a real piece of the photo
(the sky under the pole in issue 24's blind looks). The harmonic fill of
the border is the tone a person expects there. Here the fill's local mean
is moved onto it wherever the two differ by a drift of tone (under
``GATE`` grey levels, fading out at twice that), not where the fill holds
a structure the membrane cannot (a flag's stripe, the backdrop meeting the
suit), and only on smooth surroundings: on any grain (faint gravel,
fabric, wood) the local mean's changes are the texture."""

from __future__ import annotations

import cv2
import numpy as np

from eraser_layered.channels import largest
from eraser_layered.harmonic import coarse_harmonic_fill
from eraser_layered.surroundings import smoothness

SIGMA = 2.0  # px: the local mean's blur (the grain above it stays the fill's)
GATE = 8.0  # grey levels of departure from the membrane still taken as a drift of tone
GRAIN = (1.0, 1.5)  # grain levels (surroundings.grain_level) over which this fades out (2.5-3 flattened faint gravel)
MIN_DEPTH = 8.0  # px: thinner holes have no room for a drift
SIZE = 128  # px: the membrane is solved at most this long and scaled back (at full size it was a fifth of a 12 MP fill)


def settle(image: np.ndarray, fill: np.ndarray, hole: np.ndarray, level: float) -> np.ndarray:
    """``fill`` (uint8) with its hole's local mean settled to the membrane."""
    weight = smoothness(level, *GRAIN)
    if weight <= 0.0 or cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3).max() < MIN_DEPTH:
        return fill
    ys, xs = np.nonzero(hole)
    pad = int(3 * SIGMA) + 2
    box = (slice(max(ys.min() - pad, 0), ys.max() + pad + 1), slice(max(xs.min() - pad, 0), xs.max() + pad + 1))
    h = hole[box]
    membrane = coarse_harmonic_fill(image[box].astype(np.float32), h, SIZE)
    out = fill[box].astype(np.float32)
    mean = cv2.GaussianBlur(out, (0, 0), SIGMA)
    # Only at the hole's pixels (the box's rest was most of this step's time).
    values = out[h]
    drift = membrane[h] - mean[h]
    keep = weight * np.clip(2.0 - largest(np.abs(drift)) / GATE, 0.0, 1.0)
    values += keep * drift
    result = fill.copy()
    result[box][h] = np.clip(np.rint(values), 0, 255).astype(np.uint8)
    return result

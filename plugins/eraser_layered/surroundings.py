"""What the hole's surroundings are like, for the patch synthesis: how
strong their fine grain is, and which colours are rare around the hole."""

from __future__ import annotations

import cv2
import numpy as np

from eraser_layered.harmonic import coarse_harmonic_fill

R = 3  # patch radius, as synthesis.py's
# A colour bin (RARE_BINS levels per channel) holding under RARE_SHARE of the
# surroundings is rare (2 % counted the flag's stripes and the paper's strokes
# as rare, and the fill left them out).
RARE_SHARE, RARE_BINS = 0.005, 8
# A rare colour no common colour bin borders is distinct (a blue label on grey
# gravel; not a flag's shaded red, which borders the stripe's common red).
COMMON_SHARE = 0.02
RARE_TOUCH = 0.05  # share of a patch's pixels of rare colours from which it is no source
RARE_FORBID = 0.5  # share of a patch's pixels of rare colours from which it is no source either
MEMBRANE = 96  # px: the expected grain energy is solved at most this long
RARE_SOLID = 0.3  # share of a patch's pixels of rare colours below which it costs nothing


def _ring(hole: np.ndarray) -> np.ndarray:
    """The known pixels within 16 px of the hole."""
    return (cv2.dilate(hole.astype(np.uint8), np.ones((33, 33), np.uint8)) > 0) & ~hole


def _luma_and_ring(image: np.ndarray, hole: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The luma (float32) and :func:`_ring`."""
    return image.astype(np.float32) @ np.float32([0.299, 0.587, 0.114]), _ring(hole)


def grain_level(image: np.ndarray, hole: np.ndarray) -> float:
    """The median absolute fine residual (luma minus a 1.5 px blur), in grey
    levels, over known pixels within 16 px of the hole."""
    gray, ring = _luma_and_ring(image, hole)
    residual = np.abs(gray - cv2.GaussianBlur(gray, (0, 0), 1.5))
    return float(np.median(residual[ring])) if ring.any() else 0.0


def grain_size(image: np.ndarray, hole: np.ndarray) -> float:
    """How coarse the grain around the hole is: the median absolute band-pass
    (a 1.5 px blur minus a 3 px one: the edges of blobs a few px across) over
    the median absolute fine residual (under 1.5 px: single pixels, thin
    blades), over known pixels within 16 px of the hole. Medians, so a label
    or a pin beside the hole does not count. The constructed gravel's
    stones: 0.71-0.76; its grass's blades 0.52-0.56; the grass photo 0.40."""
    gray, ring = _luma_and_ring(image, hole)
    if not ring.any():
        return 0.0
    soft = cv2.GaussianBlur(gray, (0, 0), 1.5)
    fine = float(np.median(np.abs(gray - soft)[ring]))
    band = float(np.median(np.abs(soft - cv2.GaussianBlur(gray, (0, 0), 3.0))[ring]))
    return band / max(fine, 1e-3)


def colour_spread(image: np.ndarray, hole: np.ndarray) -> float:
    """How far the surroundings' colours spread: the largest standard
    deviation of a channel, in grey levels, of a 2 px blur (so the grain's
    single pixels hardly count), over known pixels within 16 px of the hole.
    One surface all around (the pasted wood table: 9) is low; several
    regions meeting at the hole (the README's cup and spoon on their saucer
    and table: 50-70, the helmet 76) are high."""
    ring = _ring(hole)
    if not ring.any():
        return 0.0
    blurred = cv2.GaussianBlur(image.astype(np.float32), (0, 0), 2.0)
    return float(blurred[ring].std(axis=0).max())


def smoothness(level: float, smooth: float, grain: float) -> float:
    """1 at a grain level up to ``smooth`` grey levels, 0 from ``grain`` on."""
    return float(np.clip((grain - level) / (grain - smooth), 0.0, 1.0))


def rarity(img: np.ndarray, hole: np.ndarray, reach: float, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per padded position, the share of its patch whose colour is rare
    around the hole: a colour bin holding under ``RARE_SHARE`` of the known
    pixels within ``reach`` counts fully, a bin at twice that not at all. A
    label, a name tag or a pin beside the hole is rare next to the surface
    it lies on; the surface's grain, spread over a few common bins, is not."""
    blurred = cv2.GaussianBlur(img, (0, 0), 1.0)  # grain's single pixels do not count as colours
    # (a product and a cast, not a float floor division: that was most of this function's time)
    q = np.minimum((blurred * (RARE_BINS / 256)).astype(np.int32), RARE_BINS - 1)
    code = (q[..., 0] * RARE_BINS + q[..., 1]) * RARE_BINS + q[..., 2]
    away = cv2.distanceTransform((~hole).astype(np.uint8), cv2.DIST_L2, 3)
    ring = ~hole & (away <= reach)
    if not ring.any():
        size = (hole.shape[0] + 2 * R) * width
        return np.zeros(size, np.float32), np.zeros(size, bool), np.zeros(hole.shape, bool)
    share = np.bincount(code[ring], minlength=RARE_BINS**3).astype(np.float32) / np.count_nonzero(ring)
    # Per colour bin first, then looked up per pixel (the same values; the
    # arithmetic per pixel was a fifth of this function's time).
    pixels = np.clip(2.0 - share / RARE_SHARE, 0.0, 1.0).astype(np.float32)[code]
    rare = cv2.boxFilter(pixels, -1, (2 * R + 1, 2 * R + 1))
    # A patch that touches a distinct colour at all is no source: copied
    # beside a label's cut edge, it carried the label on as a stub (the
    # crowded scenes in the blind looks of issue 24).
    distinct = (share < RARE_SHARE) & ~_near(share >= COMMON_SHARE)
    touch = cv2.boxFilter(distinct.astype(np.float32)[code], -1, (2 * R + 1, 2 * R + 1)) > RARE_TOUCH
    touch |= rare > RARE_FORBID  # and one mostly of rare colours (a badge's pale ring)
    touch = np.pad(touch, R).ravel()
    # Only mostly rare patches count: a label is a solid block of its colour,
    # a pen stroke or a ruled line crosses a third of a patch and is continued.
    rare = np.clip((rare - RARE_SOLID) / (1.0 - RARE_SOLID), 0.0, 1.0)
    return np.pad(rare, R).ravel(), touch, pixels > 0.5


def _near(common: np.ndarray) -> np.ndarray:
    """Colour bins (flat, RARE_BINS per channel) next to, or one of, the
    ``common`` bins: a 3 x 3 x 3 dilation in the colour cube."""
    cube = np.pad(common.reshape((RARE_BINS,) * 3), 1)
    near = np.zeros((RARE_BINS,) * 3, bool)
    n = RARE_BINS
    for a in range(3):
        for b in range(3):
            for c in range(3):
                near |= cube[a : a + n, b : b + n, c : c + n]
    return near.ravel()


def grain_energy(img: np.ndarray, hole: np.ndarray, rare: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per padded position (flat), the log of its patch's fine energy (the
    squared residual of the level against a 1 px blur, over the patch), and
    the log energy the hole is expected to have there: the border's, spread
    over the hole as a membrane (``harmonic.spread``'s wide mean instead
    carried a pole's energy from one side across the lawn's hole, and a
    white stick was copied in). A lawn's grain coarsens towards the camera
    and a fill that copies it from the far, finer part reads as a smooth
    band in the object's shape (the tripod in issue 24's blind looks)."""
    gray = img.astype(np.float32) @ np.float32([0.299, 0.587, 0.114])
    residual = (gray - cv2.GaussianBlur(gray, (0, 0), 1.0)) ** 2
    known = (~hole).astype(np.float32)
    k = (2 * R + 1, 2 * R + 1)
    energy = cv2.boxFilter(residual * known, -1, k) / np.maximum(cv2.boxFilter(known, -1, k), 1e-3)
    log = np.log(energy + 1.0).astype(np.float32)
    # The expectation leaves out patches touching rare colours (a badge's
    # edge beside the hole is no grain the hole should have).
    away = cv2.dilate((hole | rare).astype(np.uint8), np.ones(k, np.uint8)) > 0
    away = away if not away.all() else hole
    expected = coarse_harmonic_fill(log, away, MEMBRANE)
    return np.pad(log, R, mode="reflect").ravel(), np.pad(expected, R, mode="reflect").ravel()

"""Which known pixels PatchMatch may not copy from: the guard of ``guarded``.

PatchMatch copies whatever patch matches best, and next to a removed object
that is often a second object: another name tag, a badge, a coin. Those
are made of colours rare around the hole, while the texture the hole
should continue (slats, beams, grass, a suit's folds) is made of common
ones. Two things are excluded from the sources:

* **solid distinct colours**: patches that touch a colour rare around the
  hole and bordering no common colour, or that are half rare
  (``eraser_layered.surroundings.rarity``, the ``layered`` fill's own
  test: a blue label on grey gravel), where they form a solid block at
  least ``SOLID`` px across (a tag, a badge), widened by ``WIDEN`` px so
  its cut edge is no source either. Thin ones are kept: without the
  opening, the pink blend along a flag's stripes counted, the stripes
  beside the hole were no source, and the hole became a navy smear.
  Straight lines the hole cuts end on (a piece ``LINE`` times longer than
  thick: a cable, a rail, a lane marking) are kept, to be continued across it.
  Only within reach of the hole's thick parts (where a disc ``2 * THIN + 1``
  px across fits: objects): a stroke or a scratch crossing a tag should
  carry the tag on, and is too thin to take a pasted one (guarded around
  strokes too, bench/quality.py's thin strokes on the helmet, rocket and
  cup were 22.7 dB, 24.3 without the guard, 23.9 now);
* **far pixels**: more than ``REACH`` hole depths (at least ``REACH_MIN``
  px) from the hole; the texture to continue lies beside the hole
  (the pasted gravel's copied share fell from 0.24 to 0.16).

An exclusion that would leave fewer known pixels than the hole has (and
than ``MIN_SOURCES``) to copy from is dropped.

(Tried and dropped: coarse patches, by mean colour, contrast and gradient,
far from every coarse patch of a ring around the hole. On the pasted lawn
the ring is lawn, so the buildings' edge above the hole counted as distinct
and the fill grew a mound of grass into them; it kept no paste out that the
colours did not.)
"""

from __future__ import annotations

import cv2
import numpy as np

from eraser_layered.inpainter import THIN
from eraser_layered.surroundings import R, rarity

REACH = 3.0  # hole depths from the hole within which sources lie
REACH_MIN = 24  # px
# px: the smallest distinct block excluded (an opening's diameter); 13 let
# a piece of the suit's badge be copied again beside the removed cup
SOLID = 9
WIDEN = 2  # px the distinct blocks are widened by (a cut edge's blended pixels)
# a distinct block this many times longer (its box's diagonal) than thick is a
# line (a cable, a rail, a lane marking): continued, not excluded. A tag is
# under 2; a 3-8 px line's patches (the line widened by the patch radius) over 10
LINE = 5
MIN_SOURCES = 4 * (2 * R + 1) ** 2  # px: fewer (or fewer than the hole's) and an exclusion is dropped


def depth_of(hole: np.ndarray) -> float:
    """The largest distance of a hole pixel from the known ones, in px."""
    return float(cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3).max())


def reach_of(hole: np.ndarray) -> float:
    """How far from the hole sources lie, in px."""
    return max(REACH_MIN, REACH * depth_of(hole))


def distinct_colours(image: np.ndarray, hole: np.ndarray, reach: float) -> np.ndarray:
    """Known pixels in solid blocks of colours distinct around the hole (bool,
    like ``hole``), judged against the surroundings within ``reach`` px."""
    height, width = hole.shape
    _, touch, _ = rarity(image.astype(np.float32), hole, reach, width + 2 * R)
    # rarity's positions are patch centres, padded by R
    touch = touch.reshape(height + 2 * R, width + 2 * R)[R:-R, R:-R].astype(np.uint8)
    solid = cv2.morphologyEx(touch, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (SOLID, SOLID)))
    # judged on the touching patches before the opening, which leaves a line's in short pieces
    blocks = (solid > 0) & ~lines(touch * ~hole, hole)  # a line the hole cuts: a piece each side
    widened = cv2.dilate(blocks.astype(np.uint8), np.ones((2 * WIDEN + 1, 2 * WIDEN + 1), np.uint8)) > 0
    return widened & ~hole


def lines(mask: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """The pieces of ``mask`` (uint8, 1 = in) that are straight lines the hole
    cuts: their tightest rectangle at least ``LINE`` times longer than the
    piece is thick and at most twice as wide (a ring or a frame is as wide as
    long), meeting the hole end on (a strap running beside it, or one that
    stops short of it, is no line to continue: kept out)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    half = cv2.distanceTransform(mask, cv2.DIST_L2, 3)  # to the nearest pixel out: half a piece's thickness
    thick = np.zeros(count, np.float32)
    np.maximum.at(thick, labels.ravel(), 2 * half.ravel())
    # within a patch of the hole
    border = cv2.dilate(hole.astype(np.uint8), np.ones((2 * R + 1, 2 * R + 1), np.uint8)) > 0
    border &= ~hole
    line = np.zeros(count, bool)
    # its box's diagonal first: cheap, and most pieces (specks, blocks) end there
    for piece in np.flatnonzero(np.hypot(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]) >= LINE * thick):
        if piece == 0:  # the background
            continue
        x, y, w, h = stats[piece, :4]
        box = (slice(y, y + h), slice(x, x + w))
        inside = labels[box] == piece
        _, sides, _ = cv2.minAreaRect(cv2.findNonZero(inside.astype(np.uint8)))
        meets = cv2.findNonZero((inside & border[box]).astype(np.uint8))  # where it meets the hole: across it, not along
        line[piece] = (max(sides) >= LINE * thick[piece] and min(sides) <= 2 * thick[piece] and meets is not None
                       and np.hypot(*np.ptp(meets.reshape(-1, 2), axis=0)) <= 2 * thick[piece])
    return line[labels]


def thick_parts(hole: np.ndarray) -> np.ndarray:
    """The hole's object-like parts: what a disc ``2 * THIN + 1`` px across
    fits in (a stroke, or two crossing, is thinner)."""
    size = 2 * round(THIN) + 1
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    return cv2.morphologyEx(hole.astype(np.uint8), cv2.MORPH_OPEN, disc) > 0


def far_pixels(hole: np.ndarray, reach: float | None = None) -> np.ndarray:
    """Known pixels farther than ``reach`` (by default :func:`reach_of`) from the hole."""
    away = cv2.distanceTransform((~hole).astype(np.uint8), cv2.DIST_L2, 3)
    return away > (reach_of(hole) if reach is None else reach)


def excluded(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """The known pixels PatchMatch may not copy from (bool, like ``hole``)."""
    hole = np.asarray(hole, bool)
    known = ~hole
    out = np.zeros_like(hole)
    if not known.any() or not hole.any():
        return out
    enough = max(MIN_SOURCES, np.count_nonzero(hole))
    thick = thick_parts(hole)
    reach = reach_of(hole)  # the hole's depth: one distance transform, used twice
    # A stroke crossing a tag should continue it, and is too thin to take a
    # pasted one: distinct colours are excluded near the thick parts only.
    distinct = distinct_colours(image, hole, reach) & ~far_pixels(thick) if thick.any() else out
    for exclusion in (far_pixels(hole, reach), distinct):
        trial = out | exclusion
        if np.count_nonzero(known & ~trial) >= enough:
            out = trial
    return out

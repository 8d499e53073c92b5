"""Stage refine: the widened, feathered ("blurred inverted") mask."""

import cv2
import numpy as np
import pytest

from eraser import refine
from eraser.errors import EraserError


def disk(shape, center, radius):
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]]
    return (xx - center[0]) ** 2 + (yy - center[1]) ** 2 <= radius**2


def test_refine_dilates_and_feathers_inside_the_hole_only():
    selection = disk((100, 100), (50, 50), 15).astype(np.float32)
    hole, keep = refine.refine_crop(selection, dilate_px=6, feather=3.0)
    assert hole.sum() == refine.dilate(selection > 0.5, 6).sum()
    assert hole[50, 50 + 15 + 6] and not hole[50, 50 + 15 + 8]
    # Outside the hole the original is kept exactly; inside it mostly replaced.
    assert (keep[~hole] == 1.0).all()
    assert (keep[hole] < 0.6).all()  # about 0.5 at the edge, more on convex corners
    assert keep[50, 50] < 1e-4
    # The feather makes a gradient in the outer ring of the hole.
    ring = keep[50, 50 + 15 : 50 + 22]
    assert np.all(np.diff(ring) >= 0) and ring[-1] > 0.3


def test_refine_uses_a_given_soft_mask_as_is():
    soft = np.zeros((10, 10), np.float32)
    soft[2:5, 2:5] = 1.0
    soft[5, 2:5] = 0.25
    hole, keep = refine.refine_crop(soft, 0, 0)
    assert hole.sum() == 12
    np.testing.assert_allclose(keep, 1.0 - soft)


def test_full_frame_refinement_equals_the_crop_refinement_near_each_object():
    selection = np.zeros((400, 500), np.float32)
    selection[disk((400, 500), (100, 100), 20)] = 1.0
    selection[disk((400, 500), (380, 300), 30)] = 1.0
    refined = refine.refine(selection, 10, 5.0)
    assert len(refined.parts) == 2
    hole, keep = refine.refine_crop(selection, 10, 5.0)
    assert np.array_equal(refined.hole, hole)
    np.testing.assert_array_equal(refined.keep, keep)
    assert refined.share == pytest.approx(hole.mean())
    assert np.array_equal(refined.removal_mask(), refine.removal(keep))


def test_widening_and_feathering_stop_short_of_an_excluded_point():
    selection = np.zeros((100, 100), np.float32)
    selection[40:60, 40:60] = 1.0
    point = (64.0, 50.0)  # 4 px right of the object: inside the 10 px widening
    plain = refine.refine(selection, 10, 5.0)
    assert plain.hole[50, 64] and plain.keep[50, 64] < 1.0
    refined = refine.refine(selection, 10, 5.0, exclude=[point])
    assert not refined.hole[50, 64] and refined.keep[50, 64] == 1.0
    assert not refined.notices
    # Elsewhere the widening is unchanged, and the object itself is still in the hole.
    assert refined.hole[50, 30] and refined.hole[40:60, 40:60].all()


def test_an_excluded_point_inside_the_segmentation_is_reported():
    selection = np.zeros((100, 100), np.float32)
    selection[40:60, 40:60] = 1.0
    refined = refine.refine(selection, 10, 5.0, exclude=[(50.0, 50.0)])
    assert refined.notices and "could not keep excluded point 50,50" in refined.notices[0]


@pytest.mark.parametrize(
    "dilate, feather, message",
    [
        (-1, 5.0, "must not be negative"),
        (10, -0.5, "must not be negative"),
        (10, float("nan"), "finite"),
        (10, float("inf"), "finite"),
        (1e9, 5.0, "too large"),
        (65, 5.0, "at most 64 px"),
        (99999999999999999999, 5.0, "too large"),
        (10, 1e9, "too large"),
        (2.5, 5.0, "whole number"),
        ("10", 5.0, "whole number"),
        (True, 5.0, "whole number"),
        (10, None, "must be a number"),
    ],
)
def test_bad_dilate_and_feather_are_one_line_errors(dilate, feather, message):
    with pytest.raises(EraserError, match=message):
        refine.check(dilate, feather, (100, 200))


def test_numpy_numbers_are_accepted():
    assert refine.check(np.int64(3), np.float32(2.5), (100, 200)) == (3, 2.5)
    assert refine.check(500, 500.0, (1000, 2000)) == (500, 500.0)  # a quarter of the longer side
    assert refine.check(64, 64.0, (5, 5)) == (64, 64.0)  # small photos still take the usual values


def test_wide_dilation_and_feather_are_round_and_smooth():
    selection = np.zeros((300, 300), np.float32)
    selection[150, 150] = 1.0
    hole, keep = refine.refine_crop(selection, 100, 40.0)
    yy, xx = np.nonzero(hole)
    radius = np.sqrt((yy - 150) ** 2 + (xx - 150) ** 2)
    assert radius.max() <= 100 and hole[150, 50] and hole[50, 150] and not hole[150, 49]
    assert (keep[~hole] == 1.0).all()
    # The reduced-size blur stays close to the exact one (exp(-100^2 / 2 / 40^2) = 0.044 at the centre).
    exact = cv2.GaussianBlur((~hole).astype(np.float32), (0, 0), 40.0, borderType=cv2.BORDER_REPLICATE)
    assert np.abs(keep[hole] - exact[hole]).max() < 0.01
    ring = keep[150, 150:251]
    assert np.all(np.diff(ring) >= -1e-4)  # falls off smoothly towards the hole's edge

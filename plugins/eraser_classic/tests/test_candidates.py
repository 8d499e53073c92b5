"""The point segmenter's candidates are computed in crops around their
windows: the same masks and scores as the whole frame gives."""

import cv2
import numpy as np
import pytest

from eraser.geometry import Rect, disks
from eraser_classic.candidates import Candidate, components_at, outline_score, overlap, watershed_candidate


def whole_frame_watershed(smooth, win, pos, neg, seed_radius):
    """The candidate as the whole working copy gives it: every pixel a marker."""
    h, w = smooth.shape[:2]
    markers = np.ones((h, w), np.int32)
    markers[win.y0 + 1 : win.y1 - 1, win.x0 + 1 : win.x1 - 1] = 0
    if neg:
        markers[disks((h, w), neg, seed_radius)] = 1
    markers[disks((h, w), pos, seed_radius)] = 2
    cv2.watershed(cv2.cvtColor(smooth, cv2.COLOR_RGB2BGR), markers)
    return components_at(markers == 2, pos)


def whole_frame_score(cand, win, grad, grad_ref):
    h, w = cand.shape
    boundary = (cv2.dilate(cand.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0) & ~cand
    inner = np.zeros((h, w), bool)
    inner[win.y0 + 2 : win.y1 - 2, win.x0 + 2 : win.x1 - 2] = True
    edge_of_image = np.zeros((h, w), bool)
    edge_of_image[[0, -1], :] = True
    edge_of_image[:, [0, -1]] = True
    free = boundary & inner
    touch = float((boundary & ~inner & ~edge_of_image).sum()) / boundary.sum()
    edge = float(grad[free].mean()) if free.any() else 0.0
    return edge / (float(np.median(grad[cand])) + grad_ref) * (1.0 - touch) ** 2


@pytest.fixture(scope="module")
def picture():
    rng = np.random.default_rng(3)
    h, w = 150, 200
    img = rng.normal(120, 25, (h, w, 3))
    yy, xx = np.mgrid[0:h, 0:w]
    img[(xx - 70) ** 2 / 900 + (yy - 60) ** 2 / 400 <= 1] = (200, 60, 50)  # an ellipse
    img[100:150, 150:200] = (40, 40, 200)  # a block in the corner
    smooth = cv2.GaussianBlur(np.clip(img, 0, 255).astype(np.uint8), (5, 5), 0)
    grad = cv2.Sobel(smooth.astype(np.float32).mean(axis=2), cv2.CV_32F, 1, 0) ** 2
    return smooth, np.sqrt(grad)


@pytest.mark.parametrize("win, pos, neg", [
    (Rect(40, 35, 100, 85), [(70, 60)], []),  # inside the frame
    (Rect(10, 5, 130, 115), [(70, 60), (80, 62)], [(95, 60)]),  # two clicks and a keep-this click
    (Rect(120, 70, 200, 150), [(190, 140)], []),  # at the frame's corner
    (Rect(0, 0, 200, 150), [(60, 55)], [(5, 5)]),  # the whole frame
    # the whole frame with no keep-this click: known without a watershed (all but the frame's edge)
    (Rect(0, 0, 200, 150), [(60, 55)], []),
    (Rect(0, 0, 200, 150), [(0, 0), (199, 75)], []),  # clicks on the edge
    (Rect(0, 0, 200, 150), [(70, 60), (170, 130)], []),  # two objects
    (Rect(68, 40, 110, 80), [(69, 60)], []),  # a box cut the window: the seed disk reaches past it
])
def test_a_candidate_in_its_crop_equals_the_whole_frame_s(picture, win, pos, neg):
    smooth, grad = picture
    cand = watershed_candidate(smooth, win, pos, neg, seed_radius=3)
    expected = whole_frame_watershed(smooth, win, pos, neg, 3)
    assert expected.any()
    assert np.array_equal(cand.whole(smooth.shape[:2]), expected)
    assert cand.area == int(expected.sum())
    assert outline_score(cand, grad, 5.0) == pytest.approx(whole_frame_score(expected, win, grad, 5.0), rel=1e-6)


def test_overlap_counts_common_pixels_across_crops():
    shape = (40, 50)
    a_mask, b_mask = np.zeros(shape, bool), np.zeros(shape, bool)
    a_mask[5:20, 5:30] = True
    b_mask[15:35, 20:45] = True
    a = Candidate(Rect(2, 3, 32, 22), a_mask[3:22, 2:32], Rect(2, 3, 32, 22))
    b = Candidate(Rect(18, 12, 48, 38), b_mask[12:38, 18:48], Rect(18, 12, 48, 38))
    assert overlap(a, b) == overlap(b, a) == int((a_mask & b_mask).sum()) == 5 * 10
    far = Candidate(Rect(40, 0, 50, 5), np.ones((5, 10), bool), Rect(40, 0, 50, 5))
    assert overlap(a, far) == 0


def test_an_empty_candidate_scores_lowest(picture):
    smooth, grad = picture
    empty = Candidate(Rect(0, 0, 10, 10), np.zeros((10, 10), bool), Rect(0, 0, 10, 10))
    assert outline_score(empty, grad, 1.0) == -np.inf

"""GrabCut with a bounded cost: iterated on a small copy, the outline settled
at full size."""

import cv2
import numpy as np
import pytest

from eraser.testing import iou
from eraser_classic.coarse_grabcut import banded, bounded_grabcut, shrunk_labels
from eraser_classic.grabcut import foreground, run_grabcut


def bar_scene(size=(240, 320)):
    """Noisy green with a red disk and, off it, a thin red bar 3 pixels wide."""
    rng = np.random.default_rng(1)
    h, w = size
    yy, xx = np.mgrid[0:h, 0:w]
    truth = ((xx - 120) ** 2 + (yy - 120) ** 2 <= 50**2) | ((yy >= 117) & (yy < 120) & (xx >= 120) & (xx < 290))
    image = np.where(truth[..., None], (200, 50, 40), (60, 140, 70)) + rng.normal(0, 12, (h, w, 3))
    labels = np.full((h, w), cv2.GC_PR_BGD, np.uint8)
    labels[40:200, 40:300] = cv2.GC_PR_FGD  # a rough candidate around both
    labels[:8, :] = labels[-8:, :] = cv2.GC_BGD
    labels[:, :8] = labels[:, -8:] = cv2.GC_BGD
    cv2.circle(labels, (120, 120), 3, cv2.GC_FGD, -1)  # the click
    return np.clip(image, 0, 255).astype(np.uint8), labels, truth


def test_within_the_budget_it_is_plain_grabcut():
    image, labels, _ = bar_scene()
    plain, bounded = labels.copy(), labels.copy()
    assert run_grabcut(image, plain, 2)
    assert bounded_grabcut(image, bounded, 2, max_pixels=labels.size)
    assert np.array_equal(plain, bounded)


def test_over_the_budget_the_object_and_its_thin_part_are_found_at_full_precision():
    image, labels, truth = bar_scene()
    out = labels.copy()
    assert bounded_grabcut(image, out, 2, max_pixels=4000)  # GrabCut iterates at about a quarter of the size
    found = foreground(out)
    assert iou(found, truth) >= 0.95
    bar = truth.copy()
    bar[:, :172] = False  # the bar beyond the disk: one pixel of the small copy wide
    assert found[bar].mean() >= 0.9
    # sure labels stay what they were
    assert (out[labels == cv2.GC_BGD] == cv2.GC_BGD).all() and (out[labels == cv2.GC_FGD] == cv2.GC_FGD).all()


def test_it_says_so_when_one_side_cannot_be_modelled():
    labels = np.full((200, 200), cv2.GC_PR_FGD, np.uint8)  # no background at all
    before = labels.copy()
    assert bounded_grabcut(np.zeros((200, 200, 3), np.uint8), labels, 2, max_pixels=1000) is False
    assert np.array_equal(labels, before)


def test_a_click_survives_the_small_copy_and_background_needs_all_of_it():
    labels = np.full((40, 40), cv2.GC_PR_BGD, np.uint8)
    labels[10, 10] = cv2.GC_FGD  # one pixel of a click
    labels[:, 30:] = cv2.GC_BGD
    labels[0:4, 20:28] = cv2.GC_PR_FGD
    labels[0:4, 28:] = cv2.GC_PR_FGD  # undecided pixels inside the sure background's cells
    small = shrunk_labels(labels, (10, 10))
    assert small[2, 2] == cv2.GC_FGD
    assert small[0, 5] == cv2.GC_PR_FGD and small[5, 5] == cv2.GC_PR_BGD
    assert small[0, 7] != cv2.GC_BGD and small[5, 8] == cv2.GC_BGD


@pytest.mark.parametrize("reach", [1, 3])
def test_only_pixels_near_the_rough_outline_stay_undecided(reach):
    labels = np.full((30, 30), cv2.GC_PR_BGD, np.uint8)
    labels[5:25, 5:25] = cv2.GC_PR_FGD
    labels[0, :] = cv2.GC_BGD
    labels[15, 15] = cv2.GC_FGD
    rough = np.zeros((30, 30), bool)
    rough[10:20, 10:20] = True
    out = banded(labels, rough, reach)
    undecided = np.isin(out, (cv2.GC_PR_BGD, cv2.GC_PR_FGD))
    distance = cv2.distanceTransform((~rough).astype(np.uint8), cv2.DIST_C, 3)
    inside = cv2.distanceTransform(rough.astype(np.uint8), cv2.DIST_C, 3)
    near = ((distance > 0) & (distance <= reach)) | ((inside > 0) & (inside <= reach))
    assert np.array_equal(undecided, near & np.isin(labels, (cv2.GC_PR_BGD, cv2.GC_PR_FGD)))
    assert (foreground(out) == (rough | (labels == cv2.GC_FGD))).all()
    assert (out[0] == cv2.GC_BGD).all() and out[15, 15] == cv2.GC_FGD

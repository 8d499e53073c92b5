"""The ``grabcut`` segmenter and the GrabCut helpers it shares with ``point``."""

import cv2
import numpy as np

from eraser.prompts import Prompt
from eraser.testing import iou
from eraser_classic.grabcut import GrabCutSegmenter, foreground, run_grabcut, stamp_disks, with_background


def test_a_box_around_the_disk_finds_it(scene):
    image, obj = scene
    mask = GrabCutSegmenter().segment(image, Prompt(box=(55, 35, 106, 86)))
    assert mask.shape == obj.shape and mask.dtype == np.float32
    assert iou(mask, obj) >= 0.9
    assert mask[:, :50].max() == 0.0  # far outside the box stays background


def test_a_box_with_nothing_standing_out_is_taken_whole():
    flat = np.full((60, 80, 3), 128, np.uint8)
    mask = GrabCutSegmenter().segment(flat, Prompt(box=(20, 10, 50, 40)))
    assert mask[10:40, 20:50].min() == 1.0 and mask.sum() == 30 * 30


def test_labels_without_background_get_a_background_border():
    labels = np.full((5, 6), cv2.GC_PR_FGD, np.uint8)
    with_background(labels)
    assert (labels[[0, -1], :] == cv2.GC_BGD).all() and (labels[:, [0, -1]] == cv2.GC_BGD).all()
    assert (labels[1:-1, 1:-1] == cv2.GC_PR_FGD).all()
    some = np.full((5, 6), cv2.GC_PR_FGD, np.uint8)
    some[2, 2] = cv2.GC_PR_BGD
    before = some.copy()
    with_background(some)
    assert np.array_equal(some, before)


def test_a_failed_grabcut_leaves_the_labels_and_says_so():
    labels = np.full((3, 3), cv2.GC_PR_FGD, np.uint8)  # nothing to model the background from
    before = labels.copy()
    assert run_grabcut(np.zeros((3, 3, 3), np.uint8), labels, 2) is False
    assert np.array_equal(labels, before)


def test_later_disks_win_and_foreground_counts_sure_and_probable():
    labels = np.full((20, 20), cv2.GC_PR_BGD, np.uint8)
    stamp_disks(labels, [(5, 5)], 3, cv2.GC_BGD)
    stamp_disks(labels, [(7, 5)], 3, cv2.GC_FGD)
    assert labels[5, 7] == cv2.GC_FGD and labels[5, 3] == cv2.GC_BGD
    labels[15, 15] = cv2.GC_PR_FGD
    fg = foreground(labels)
    assert fg.dtype == bool and fg[5, 7] and fg[15, 15] and not fg[5, 3] and not fg[0, 0]

"""eraser.testing.iou, the one mask-agreement score of tests, bench and plugins."""

import numpy as np
import pytest

from eraser.testing import iou


def test_iou_of_soft_and_boolean_masks():
    truth = np.zeros((4, 4), bool)
    truth[:2, :2] = True  # 4 pixels
    soft = np.zeros((4, 4), np.float32)
    soft[:2, :3] = 0.5  # 6 pixels at the threshold count
    soft[3, 3] = 0.49  # below it does not
    assert iou(soft, truth) == pytest.approx(4 / 6)
    assert iou(truth, truth) == 1.0
    assert iou(~truth, truth) == 0.0
    assert iou(soft, truth, threshold=0.6) == 0.0


def test_two_empty_masks_agree_and_shapes_must_match():
    assert iou(np.zeros((3, 3)), np.zeros((3, 3), bool)) == 1.0
    with pytest.raises(ValueError):
        iou(np.zeros((3, 3)), np.zeros((3, 4)))

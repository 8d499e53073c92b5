"""Segment everything on degenerate photos (1x1, one row, one column): each
distinct mask once. Upstream SAM keeps the duplicates there (its NMS divides
0 by 0 for boxes without area, and NaN is never above the threshold)."""

import numpy as np
import pytest

from eraser.everything.generator import Options, generate


class EverywhereModel:
    """An everything segmenter (eraser.backends.EverythingSegmenter) whose every mask covers the whole crop."""

    def embed(self, crop):
        return crop.shape

    def decode(self, embedding, crop_shape, points):
        logits = np.full((len(points), 3, 256, 256), 8.0, np.float32)
        ious = np.tile(np.array([[0.95, 0.9, 0.99]], np.float32), (len(points), 1))
        return logits, ious

    def upscale(self, logits, crop_shape):
        import cv2

        return cv2.resize(logits.astype(np.float32), (crop_shape[1], crop_shape[0]), interpolation=cv2.INTER_LINEAR)


@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (9, 1), (2, 2)])
def test_a_degenerate_photo_gives_each_mask_once(shape):
    image = np.random.default_rng(0).integers(0, 256, (*shape, 3), dtype=np.uint8)
    masks = generate(EverywhereModel(), image, Options(points_per_side=4))
    assert len(masks) == 1
    assert masks[0].mask.all() and masks[0].predicted_iou == pytest.approx(0.99)


def test_distinct_one_pixel_masks_all_stay():
    """Boxes without area that cover different pixels are different masks."""
    from eraser.everything.boxes import nms

    boxes = np.array([[0, 0, 0, 0], [0, 3, 0, 3], [0, 0, 0, 0], [2, 3, 2, 6]], np.float64)
    assert sorted(nms(boxes, np.array([0.9, 0.8, 0.7, 0.6]), 0.7).tolist()) == [0, 1, 3]

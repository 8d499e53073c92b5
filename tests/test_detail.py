"""eraser.detail: the photo's fine grain laid over a fill computed below full size."""

import cv2
import numpy as np

from eraser.detail import restore_detail
from eraser.geometry import Rect


def _grainy(size: int = 320, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(128 + rng.normal(0, 12, (size, size, 3)), 0, 255).astype(np.uint8)


def _fine(image: np.ndarray, scale: float) -> np.ndarray:
    f = image.astype(np.float32)
    return f - cv2.GaussianBlur(f, (0, 0), scale / 2)


def _case(y0: int, x0: int, size: int = 80, scale: float = 3.0):
    crop = _grainy()
    hole = np.zeros(crop.shape[:2], bool)
    hole[y0 : y0 + size, x0 : x0 + size] = True
    target = Rect(max(x0 - 4, 0), max(y0 - 4, 0), min(x0 + size + 4, 320), min(y0 + size + 4, 320))
    fill = np.full((target.height, target.width, 3), 128, np.uint8)  # a smooth fill: no grain at all
    return crop, fill, hole, target, scale


def test_a_flat_fill_gets_the_grain_of_its_surroundings_inside_the_hole_only():
    crop, fill, hole, target, scale = _case(120, 120)
    out = restore_detail(crop, fill, hole, target, scale)
    inside = hole[target.slices]
    assert np.array_equal(out[~inside], fill[~inside])  # only hole pixels change
    grain = out[inside].astype(np.float32) - 128
    expected = _fine(crop, scale)[~hole].std()
    assert 0.7 * expected < grain.std() < 1.3 * expected
    assert abs(grain.mean()) < 1.0  # detail, not a shift of tone
    assert np.count_nonzero(np.all(out[inside] == 128, axis=-1)) < 0.05 * inside.sum()


def test_a_hole_at_the_crop_corner_gets_grain_to_its_edges_and_the_same_each_time():
    # the tiles covering it reach past the crop's top and left edges
    crop, fill, hole, target, scale = _case(0, 0)
    out = restore_detail(crop, fill, hole, target, scale)
    inside = hole[target.slices]
    for strip in (out[:4][inside[:4]], out[:, :4][inside[:, :4]]):
        assert strip.astype(np.float32).std() > 0.5 * _fine(crop, scale)[~hole].std()
    assert np.array_equal(out, restore_detail(crop, fill, hole, target, scale))


def test_a_fill_upscaled_less_than_one_and_a_half_times_is_returned_as_is():
    crop, fill, hole, target, _ = _case(120, 120)
    assert restore_detail(crop, fill, hole, target, 1.4) is fill

"""Stage composite: exact where the original is kept, the fill's where it is not,
a soft transition in tone and no averaged texture between."""

import subprocess
import sys

import cv2
import numpy as np
import pytest

from eraser.composite import composite, object_in_switch
from eraser.refine import refine_crop


def test_composite_is_exact_where_keep_is_one():
    rng = np.random.default_rng(1)
    original = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    fill = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    keep = np.ones((40, 50), np.float32)
    keep[10:20, 10:30] = rng.random((10, 20)).astype(np.float32)
    keep[12:15, 12:15] = 0.0
    out = composite(original, fill, keep)
    untouched = keep == 1.0
    assert out.dtype == np.uint8
    assert np.array_equal(out[untouched], original[untouched])
    assert np.array_equal(out[12:15, 12:15], fill[12:15, 12:15])
    assert np.array_equal(composite(original, fill, keep), out)  # deterministic


@pytest.mark.parametrize("channels", [3, 0])
def test_flat_colours_blend_by_keep(channels):
    """Without texture the transition in tone is the plain blend by keep."""
    shape = (60, 60, channels) if channels else (60, 60)
    original = np.full(shape, 200, np.uint8)
    fill = np.full(shape, 40, np.uint8)
    selection = np.zeros((60, 60), np.float32)
    selection[20:40, 20:40] = 1.0
    _, keep = refine_crop(selection, 6, 3.0)
    out = composite(original, fill, keep)
    k = keep[..., None] if channels else keep
    expected = np.rint(original * k + fill * (1 - k))
    assert out.shape == original.shape
    assert np.abs(out.astype(int) - expected).max() <= 1


def _texture(seed: int, shape) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(128, 40, shape).astype(np.float32)
    return np.clip(cv2.GaussianBlur(noise, (0, 0), 0.8), 0, 255).astype(np.uint8)


def _local_contrast(image: np.ndarray, where: np.ndarray) -> float:
    grey = image.astype(np.float32).mean(axis=2)
    return float((grey - cv2.GaussianBlur(grey, (0, 0), 1.5))[where].std())


def test_feathered_band_keeps_the_texture_contrast():
    """Two textures that do not line up (two noise fields): the band just inside
    the hole's border keeps most of the contrast of the ring just outside it (a
    plain average of the two drops it to about 0.78: a soft ring round the hole)."""
    original = _texture(2, (120, 120, 3))
    fill = _texture(3, (120, 120, 3))
    selection = np.zeros((120, 120), np.float32)
    cv2.circle(selection, (60, 60), 30, 1.0, -1)
    hole, keep = refine_crop(selection, 10, 5.0)
    out = composite(original, fill, keep)
    inside = cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 5)
    outside = cv2.distanceTransform((~hole).astype(np.uint8), cv2.DIST_L2, 5)
    band = hole & (inside <= 6)
    ring = ~hole & (outside <= 6)
    assert _local_contrast(out, band) / _local_contrast(out, ring) > 0.9


def test_tiles_blend_as_the_whole_image_would(monkeypatch):
    original = _texture(4, (150, 130, 3))
    fill = _texture(5, (150, 130, 3))
    selection = np.zeros((150, 130), np.float32)
    cv2.ellipse(selection, (65, 75), (40, 55), 20, 0, 360, 1.0, -1)
    _, keep = refine_crop(selection, 10, 5.0)
    tiled = composite(original, fill, keep)
    monkeypatch.setattr("eraser.composite.TILE", 1000)
    assert np.array_equal(tiled, composite(original, fill, keep))


@pytest.mark.parametrize("dilate", [0, 1, 3])
def test_a_tight_holes_band_leaves_no_crisper_ghost_than_a_plain_blend(dilate):
    """With little or no widening the band holds the removed object's own edge:
    its detail must not come back stronger than the plain blend left it (at full
    weight a black disc on white left a sharp dark ring: darkest pixel 29
    against the plain blend's 111)."""
    selection = np.zeros((80, 80), np.float32)
    cv2.circle(selection, (40, 40), 15, 1.0, -1)
    original = np.where(selection[..., None] > 0, 0, 255).astype(np.uint8).repeat(3, axis=2)
    fill = np.full_like(original, 255)
    _, keep = refine_crop(selection, dilate, 5.0)
    assert object_in_switch(dilate, 5.0) and not object_in_switch(10, 5.0)  # the default widening is not capped
    out = composite(original, fill, keep, capped=object_in_switch(dilate, 5.0))
    plain = np.rint(original * keep[..., None] + fill * (1.0 - keep[..., None]))
    assert out.min() >= plain.min() - 1
    assert (255.0 - out).sum() <= (255.0 - plain).sum()


def test_a_fresh_process_with_one_opencv_thread_composites_the_same_bytes(tmp_path):
    """A batch worker is another process, maybe with other OpenCV threads: the
    same inputs must give the same pixels (a clip erased by `eraser batch` and
    by `eraser video` is compared frame for frame)."""
    original = _texture(6, (130, 150, 3))
    fill = _texture(7, (130, 150, 3))
    selection = np.zeros((130, 150), np.float32)
    cv2.ellipse(selection, (70, 60), (45, 30), 35, 0, 360, 1.0, -1)
    _, keep = refine_crop(selection, 2, 5.0)
    for name, array in (("original", original), ("fill", fill), ("keep", keep)):
        np.save(tmp_path / f"{name}.npy", array)
    for capped in (False, True):
        here = composite(original, fill, keep, capped=capped)
        script = ("import sys, cv2, numpy as np; cv2.setNumThreads(1); from eraser.composite import composite; "
                  "a, b, k = (np.load(sys.argv[1] + f'/{n}.npy') for n in ('original', 'fill', 'keep')); "
                  "sys.stdout.buffer.write(composite(a, b, k, capped=sys.argv[2] == '1').tobytes())")
        there = subprocess.run([sys.executable, "-c", script, str(tmp_path), str(int(capped))], capture_output=True,
                               check=True).stdout
        assert there == here.tobytes()

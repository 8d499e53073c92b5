"""The classical ``point`` segmenter (eraser_classic.point.PointSegmenter)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from eraser.prompts import Prompt
from eraser.testing import iou
from eraser_classic.point import PointSegmenter

SAMPLES = Path(__file__).resolve().parents[3] / "samples"


def textured(shape, colour, rng, amplitude=18, period=None):
    """A noisy (and optionally striped) colour field."""
    h, w = shape
    img = np.empty((h, w, 3), np.float32)
    img[:] = colour
    img += rng.normal(0, amplitude, (h, w, 3))
    if period:
        stripes = 20 * np.sin(np.arange(w) * 2 * np.pi / period)
        img += stripes[None, :, None]
    return img


def ellipse_scene(seed=0):
    rng = np.random.default_rng(seed)
    h, w = 240, 320
    bg = textured((h, w), (70, 130, 60), rng, period=9)
    fg = textured((h, w), (200, 80, 60), rng, amplitude=14)
    truth = np.zeros((h, w), np.uint8)
    cv2.ellipse(truth, (170, 115), (70, 45), 20, 0, 360, 1, -1)
    truth = truth.astype(bool)
    img = np.where(truth[..., None], fg, bg)
    img = cv2.GaussianBlur(img, (3, 3), 0)
    return np.clip(img, 0, 255).astype(np.uint8), truth


def test_one_click_finds_a_textured_ellipse():
    img, truth = ellipse_scene()
    mask = PointSegmenter().segment(img, Prompt(points=((170.0, 115.0),), labels=(1,)))
    assert iou(mask, truth) >= 0.9


def test_off_centre_and_several_clicks():
    img, truth = ellipse_scene(seed=1)
    seg = PointSegmenter()
    off = seg.segment(img, Prompt(points=((120.0, 100.0),), labels=(1,)))
    several = seg.segment(img, Prompt(points=((120.0, 100.0), (200.0, 130.0), (170.0, 115.0)), labels=(1, 1, 1)))
    assert iou(off, truth) >= 0.9
    assert iou(several, truth) >= 0.9


def test_output_contract():
    img, _ = ellipse_scene()
    mask = PointSegmenter().segment(img, Prompt(points=((170.0, 115.0),), labels=(1,)))
    assert mask.dtype == np.float32
    assert mask.shape == img.shape[:2]
    assert mask.min() >= 0.0 and mask.max() <= 1.0


def test_deterministic():
    img, _ = ellipse_scene()
    prompt = Prompt(points=((170.0, 115.0), (60.0, 40.0)), labels=(1, 0))
    a = PointSegmenter().segment(img, prompt)
    b = PointSegmenter().segment(img.copy(), prompt)
    assert np.array_equal(a, b)


def test_negative_click_excludes_a_touching_lookalike():
    rng = np.random.default_rng(3)
    h, w = 200, 320
    img = textured((h, w), (60, 60, 150), rng, amplitude=10)
    left = np.zeros((h, w), np.uint8)
    right = np.zeros((h, w), np.uint8)
    cv2.circle(left, (110, 100), 55, 1, -1)
    cv2.circle(right, (215, 100), 55, 1, -1)  # overlaps the left disk
    both = (left | right).astype(bool)
    img[both] = np.clip(textured((h, w), (220, 190, 40), rng, amplitude=10), 0, 255)[both]
    img = np.clip(img, 0, 255).astype(np.uint8)
    left_only = left.astype(bool) & ~right.astype(bool)
    seg = PointSegmenter()
    mask = seg.segment(img, Prompt(points=((90.0, 100.0), (235.0, 100.0)), labels=(1, 0))) >= 0.5
    assert not mask[100, 235], "the negative click must stay out"
    assert mask[100, 90]
    right_only = right.astype(bool) & ~left.astype(bool)
    assert mask[right_only].mean() < 0.35
    assert mask[left_only].mean() > 0.8
    assert not mask[~both].any() or mask[~both].mean() < 0.02


def test_box_restricts_the_mask():
    img, truth = ellipse_scene()
    # a lookalike of the object outside the box, touching it
    cv2.circle(img, (285, 200), 30, (200, 80, 60), -1)
    box = (80, 40, 262, 192)
    seg = PointSegmenter()
    for prompt in (Prompt(box=box), Prompt(points=((170.0, 115.0),), labels=(1,), box=box)):
        mask = seg.segment(img, prompt)
        outside = np.ones(mask.shape, bool)
        outside[box[1] : box[3], box[0] : box[2]] = False
        assert mask[outside].max() == 0.0
        assert iou(mask, truth) >= 0.9


def test_box_only_finds_the_ellipse():
    img, truth = ellipse_scene()
    ys, xs = np.nonzero(truth)
    box = (int(xs.min()) - 4, int(ys.min()) - 4, int(xs.max()) + 5, int(ys.max()) + 5)
    assert iou(PointSegmenter().segment(img, Prompt(box=box)), truth) >= 0.9


@pytest.mark.parametrize(
    "shape, prompt",
    [
        ((1, 1, 3), Prompt(points=((0.0, 0.0),), labels=(1,))),
        ((3, 7, 3), Prompt(points=((6.0, 2.0),), labels=(1,))),
        ((3, 7, 3), Prompt(box=(0, 0, 7, 3))),
        ((5, 5, 3), Prompt(points=((4.9, 4.9), (0.0, 0.0)), labels=(1, 0))),
        ((64, 48, 3), Prompt(points=((0.0, 63.0),), labels=(1,))),
        ((64, 48, 3), Prompt(points=((47.0, 0.0),), labels=(1,), box=(0, 0, 48, 64))),
    ],
)
def test_tiny_images_do_not_crash(shape, prompt):
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, shape, dtype=np.uint8)
    mask = PointSegmenter().segment(img, prompt)
    assert mask.shape == shape[:2] and mask.dtype == np.float32
    assert np.isfinite(mask).all() and mask.min() >= 0.0 and mask.max() <= 1.0


def test_uniform_image_gives_a_small_region_at_the_click():
    img = np.full((120, 160, 3), 128, np.uint8)
    mask = PointSegmenter().segment(img, Prompt(points=((80.0, 60.0),), labels=(1,)))
    assert mask[60, 80] >= 0.5
    assert 0 < (mask >= 0.5).mean() < 0.05
    boxed = PointSegmenter().segment(img, Prompt(box=(40, 30, 100, 90)))
    assert boxed[60, 70] >= 0.5 and boxed[10, 10] == 0.0


def test_click_on_the_border_of_a_real_edge():
    img, truth = ellipse_scene()
    for x, y in ((0.0, 0.0), (319.0, 239.0), (319.9, 0.0)):
        mask = PointSegmenter().segment(img, Prompt(points=((x, y),), labels=(1,)))
        assert mask.shape == truth.shape
        assert mask[min(int(y), 239), min(int(x), 319)] >= 0.5


def test_odd_inputs():
    seg = PointSegmenter()
    img, _ = ellipse_scene()
    # only negative clicks: nothing to select
    assert seg.segment(img, Prompt(points=((10.0, 10.0),), labels=(0,))).max() == 0.0
    # a grayscale 2-D array and an RGBA array are accepted
    gray = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    assert seg.segment(gray, Prompt(points=((170.0, 115.0),), labels=(1,))).shape == gray.shape
    rgba = np.dstack([img, np.full(img.shape[:2], 255, np.uint8)])
    assert seg.segment(rgba, Prompt(points=((170.0, 115.0),), labels=(1,))).shape == gray.shape
    # a click outside the image is clamped, not an error
    assert seg.segment(img, Prompt(points=((1000.0, -5.0),), labels=(1,))).shape == gray.shape


# --------------------------------------------------------------- real photos

# (sample, prompt kind, IoU floor). Measured with bench/segmentation_iou.py:
# coins_coin point 0.93, astronaut_helmet box 0.94, coffee_spoon points 0.77;
# the floors leave about 0.08 of margin.
REAL = [
    ("coins_coin", "point", 0.85),
    ("astronaut_helmet", "box", 0.85),
    ("coffee_spoon", "points", 0.65),
]


def _load(name):
    folder = SAMPLES / name
    photo = next((folder / n for n in ("photo.jpg", "photo.png") if (folder / n).exists()), None)
    if photo is None or not (folder / "mask.png").exists() or not (folder / "prompts.json").exists():
        pytest.skip(f"sample {name!r} not found under {SAMPLES} (needs photo, mask.png, prompts.json)")
    image = cv2.cvtColor(cv2.imread(str(photo), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    truth = cv2.imread(str(folder / "mask.png"), cv2.IMREAD_GRAYSCALE) >= 128
    return image, truth, json.loads((folder / "prompts.json").read_text())


@pytest.mark.parametrize("name, kind, floor", REAL)
def test_real_photo(name, kind, floor):
    image, truth, prompts = _load(name)
    if kind == "box":
        prompt = Prompt(box=tuple(prompts["box"]))
    else:
        pts = tuple(tuple(map(float, p)) for p in prompts[kind])
        prompt = Prompt(points=pts, labels=(1,) * len(pts))
    assert iou(PointSegmenter().segment(image, prompt), truth) >= floor

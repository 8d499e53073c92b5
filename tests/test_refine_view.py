"""The preview refined at the view's size (what a click on the page shows)
does not lie: scaled up, it matches the full-resolution refinement the erase
uses for the same clicks (IoU >= 0.97), on the samples scaled to 12 MP."""

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from eraser.refine import refine
from eraser.refine_view import refine_view
from eraser.session import Session

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def iou_scaled_up(small: np.ndarray, full: np.ndarray, at: int = 1) -> float:
    """IoU of two removal masks (255 = replaced), the small one scaled up,
    both cut at ``at`` (1: any change; 128: at least half replaced)."""
    shown = cv2.resize(small, (full.shape[1], full.shape[0]), interpolation=cv2.INTER_LINEAR) >= at
    return float((shown & (full >= at)).sum() / (shown | (full >= at)).sum())


def ellipse(shape, centre, axes):
    mask = np.zeros(shape, np.uint8)
    cv2.ellipse(mask, centre, axes, 20, 0, 360, 1, -1)
    return mask.astype(np.float32)


@pytest.mark.parametrize("dilate, feather", [(10, 5.0), (0, 0.0), (40, 20.0), (3, 0.0)])
def test_the_view_refinement_scaled_up_matches_the_full_one(dilate, feather):
    selection = ellipse((3000, 4000), (2500, 1800), (300, 120)) + ellipse((3000, 4000), (600, 500), (40, 90))
    full = refine(selection, dilate, feather).removal_mask()
    small = refine_view(selection, (1600, 1200), dilate, feather)
    assert small.shape == (1200, 1600) and len(small.parts) == 1
    assert iou_scaled_up(small.removal_mask(), full, 128) >= 0.97
    if dilate:  # with no widening, a soft mask's faint edge is a view pixel wide (IoU 0.96 cut at 1)
        assert iou_scaled_up(small.removal_mask(), full) >= 0.97


def test_an_excluded_point_keeps_out_of_the_view_hole_and_is_reported_in_photo_pixels():
    selection = ellipse((3000, 4000), (2000, 1500), (400, 200))
    outside = (2000, 1500 + 200 + 20)  # inside the widening of 40 px, outside the object
    small = refine_view(selection, (1600, 1200), 40, 4.0, [outside])
    assert small.removal_mask()[int(outside[1] * 0.4), int(outside[0] * 0.4)] == 0
    assert refine_view(selection, (1600, 1200), 40, 4.0, [(2000, 1500)]).notices == \
        refine(selection, 40, 4.0, [(2000, 1500)]).notices != []


def test_nothing_selected_is_an_empty_view_mask():
    assert refine_view(np.zeros((300, 400), np.float32), (160, 120), 10, 5.0).empty


def test_a_speck_too_small_for_the_view_falls_back_to_the_full_preview(tmp_path):
    photo = tmp_path / "grey.png"
    Image.fromarray(np.full((3000, 4000, 3), 128, np.uint8)).save(photo)
    session = Session(photo)
    session.add(mask=np.pad(np.ones((1, 1), bool), ((1500, 1499), (2000, 1999))))
    shown = session.glimpse((400, 300))
    assert shown.refined.shape == (3000, 4000) and shown.refined is session.preview().refined


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.iterdir() if (p / "prompts.json").exists()))
def test_the_samples_at_12_mp_preview_what_the_erase_replaces(name, tmp_path):
    folder = SAMPLES / name
    source = Image.open(next(folder.glob("photo.*"))).convert("RGB")
    scale = 4000 / source.width
    big = tmp_path / "big.jpg"
    source.resize((4000, round(source.height * scale)), Image.Resampling.BICUBIC).save(big, quality=92)
    prompts = json.loads((folder / "prompts.json").read_text())
    up = lambda pts: [[x * scale, y * scale] for x, y in pts]  # noqa: E731
    for marks in ({"points": [up(prompts["points"])], "exclude": up(prompts["exclude"]) or None},
                  {"boxes": [[v * scale for v in prompts["box"]]]}):
        session = Session(big)
        session.view = (1600, round(1600 * session.size[1] / session.size[0]))
        shown = session.add(**marks)
        assert shown.refined.shape == session.view[::-1]  # refined at the view's size
        full = session.preview().removal_mask()  # what the erase will replace
        assert iou_scaled_up(shown.removal_mask(), full) >= 0.97, (name, marks)


@pytest.mark.parametrize("dilate, feather", [(10, 5.0), (3, 1.5), (0, 4.0), (6, 0.0)])
def test_the_feather_blurred_only_near_kept_pixels_equals_the_whole_blur(dilate, feather):
    """A speckled selection (what a random-weight model gives) widens into a
    hole of nearly everything: the view refine blurs only near the few kept
    pixels, and must give refine_crop's hole and keep exactly."""
    from eraser.refine import refine_crop
    from eraser.refine_view import _refine

    rng = np.random.default_rng(3)
    selection = (rng.random((300, 400)) < 0.08).astype(np.float32)
    selection[:40, :60] = 0  # a kept corner (the border), a kept pond inside
    selection[150:190, 200:260] = 0
    exclude = [(220.0, 170.0), (10.0, 10.0)]
    for near in ([], exclude):
        hole, keep = refine_crop(selection, dilate, feather, near)
        fast_hole, fast_keep = _refine(selection, dilate, feather, near)
        assert np.array_equal(hole, fast_hole) and np.array_equal(keep, fast_keep)
        assert hole.mean() > (0.5 if dilate >= 3 else 0.05) and (keep < 1).mean() < 1
    everything = np.ones((50, 70), np.float32)  # all selected: nothing kept, nothing blurred
    assert all(np.array_equal(a, b) for a, b in zip(refine_crop(everything, dilate, feather), _refine(everything, dilate, feather, [])))

"""The snapshot kit (eraser.testing: Tolerance, compare_images, diff_image and
the image_snapshot fixture) on real edits of the samples at the default
tolerance. What must pass: the same edit from the photo decoded a level
differently, a fill off by a level. What must fail: an 8x8 blot at a contrast
of 40 levels, a colour cast of 10 levels, the fill pasted 2 px off, a 14x14
black square, Navier-Stokes instead of Telea, a 4x4 patch far from the edit.
The measurements behind the defaults are in docs/testing.md
(bench/snapshot_tolerance.py); test_snapshot_fixture.py runs the fixture."""

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import eraser
from eraser.testing import Tolerance, compare_images, defects, diff_image

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@dataclass
class Edit:
    photo: np.ndarray
    mask: np.ndarray  # the sample's mask file: what eraser is asked to remove
    result: np.ndarray
    removal: np.ndarray  # the refined mask eraser returns: 255 replaced


def edit(name: str, inpainter: str, photo=None) -> Edit:
    folder = SAMPLES / name
    with Image.open(next(folder.glob("photo.*"))) as im, Image.open(folder / "mask.png") as m:
        original, mask = np.asarray(im), np.asarray(m)
    photo = original if photo is None else photo
    result, removal = eraser.remove(photo, mask=mask, inpainter=inpainter, return_mask=True)
    return Edit(photo, mask, np.asarray(result), removal)


@pytest.fixture(scope="module")
def coin():
    """coins_coin (grey PNG) with Telea: a smooth fill in 1.7% of the photo."""
    return edit("coins_coin", "telea")


@pytest.fixture(scope="module")
def spoon():
    """coffee_spoon (colour JPEG) with Telea."""
    return edit("coffee_spoon", "telea")


@pytest.fixture(params=["coin", "spoon"])
def sample(request):
    return request.getfixturevalue(request.param)


GIVEN = {"before+mask": lambda e: {"before": e.photo, "mask": e.removal}, "before": lambda e: {"before": e.photo}}


@pytest.fixture(params=sorted(GIVEN))
def given(request):
    return GIVEN[request.param]


# --- what must pass ---------------------------------------------------------

def test_the_snapshot_itself_passes_with_nothing_differing(sample, given):
    c = compare_images(sample.result, sample.result, **given(sample))
    assert c.ok, c.reason
    assert (c.outliers, c.mean, c.blob, c.outside) == (0, 0, 0, 0)
    # the region is the edit: every pixel the edit changed, and not the whole photo
    diff = np.abs(sample.result.astype(int) - sample.photo.astype(int))
    changed = diff.reshape(*sample.removal.shape, -1).max(-1) > 0
    assert c.region[changed].all()
    assert c.region.mean() < 4 * (sample.removal > 0).mean()


def test_the_same_edit_from_a_photo_decoded_a_level_off_passes(sample, given):
    """Another JPEG decoder or build gives +-1 on every pixel of the photo; the
    edit is rerun from that photo, against the snapshot made from the original."""
    name, inpainter = ("coins_coin", "telea") if sample.photo.ndim == 2 else ("coffee_spoon", "telea")
    rerun = edit(name, inpainter, photo=defects.plus_minus_one(sample.photo, seed=3))
    assert not np.array_equal(rerun.result, sample.result)
    kwargs = given(rerun)
    c = compare_images(rerun.result, sample.result, **kwargs)
    assert c.ok, c.reason
    assert c.outside == 0


def test_a_fill_off_by_one_level_passes(sample, given):
    inside = sample.removal > 0
    noisy = defects.plus_minus_one(sample.result, seed=5)
    obtained = np.where(inside[..., None] if noisy.ndim == 3 else inside, noisy, sample.result)
    assert compare_images(obtained, sample.result, **given(sample)).ok


def test_plus_minus_one_everywhere_passes_even_without_a_region(sample):
    """The old whole-image kit failed this on the mean (issue 27)."""
    noisy = defects.plus_minus_one(sample.result)
    assert compare_images(noisy, sample.result).ok
    assert compare_images(noisy, sample.result, before=defects.plus_minus_one(sample.photo), mask=sample.removal).ok


# --- what must fail ---------------------------------------------------------

def box_of(message: str, label: str) -> tuple[int, int, int, int]:
    m = re.search(label + r" at x (\d+)-(\d+), y (\d+)-(\d+)", message)
    assert m, message
    x0, x1, y0, y1 = map(int, m.groups())
    return x0, y0, x1, y1


def test_an_8x8_blot_at_40_levels_fails_and_the_message_says_where(sample, given):
    obtained = defects.blot(sample.result, sample.photo, sample.removal)
    c = compare_images(obtained, sample.result, **given(sample))
    assert not c.ok and "blob" in c.failed and "outside" not in c.failed
    assert c.blob == 64
    ys, xs = defects.square(sample.removal, 8)
    assert c.blob_box == (xs.start, ys.start, xs.stop - 1, ys.stop - 1)
    assert box_of(c.reason, "64 px") == c.blob_box
    assert re.search(r"inside the edited region \(x \d+-\d+, y \d+-\d+, \d+ px\)", c.reason), c.reason


def test_a_colour_cast_of_10_levels_over_the_region_fails(sample, given):
    obtained = defects.colour_cast(sample.result, sample.photo, sample.removal)
    c = compare_images(obtained, sample.result, **given(sample))
    assert not c.ok and "mean" in c.failed
    assert c.mean > 2 * Tolerance().max_mean


def test_a_14x14_black_square_fails(sample, given):
    obtained = defects.black_square(sample.result, sample.photo, sample.removal)
    c = compare_images(obtained, sample.result, **given(sample))
    assert not c.ok and "blob" in c.failed


def test_a_14x14_black_square_fails_even_without_a_region(sample):
    """The old whole-image kit passed it (0.17% of coins_coin's pixels)."""
    c = compare_images(defects.black_square(sample.result, sample.photo, sample.removal), sample.result)
    assert not c.ok and c.failed == ("blob",)


def test_a_fill_pasted_2px_off_fails(spoon, given):
    c = compare_images(defects.pasted_off(spoon.result, spoon.photo, spoon.removal), spoon.result, **given(spoon))
    assert not c.ok and {"share", "blob"} <= set(c.failed)


def test_a_textured_fill_pasted_2px_off_fails_on_a_grey_photo_too(given):
    """coins_coin's Telea fill is so smooth that moving it 2 px changes no pixel
    by more than a few levels (docs/testing.md), and since issue 24 so is the
    layered fill there (1.3 % of pixels, a pass); on the grey tripod photo's
    lawn the layered fill copies grain, and the shift shows."""
    layered = edit("camera_tripod", "layered")
    c = compare_images(defects.pasted_off(layered.result, layered.photo, layered.removal), layered.result,
                       **given(layered))
    assert not c.ok and "share" in c.failed


def test_navier_stokes_instead_of_telea_fails(sample, given):
    name = "coins_coin" if sample.photo.ndim == 2 else "coffee_spoon"
    other = edit(name, "ns")
    c = compare_images(other.result, sample.result, **given(sample))
    assert not c.ok and "mean" in c.failed


def test_a_4x4_patch_far_outside_the_edit_fails(sample, given):
    obtained = defects.patch_outside(sample.result, sample.photo, sample.removal)
    c = compare_images(obtained, sample.result, **given(sample))
    assert not c.ok and c.failed == ("outside",)
    assert c.outside == 16 and c.outside_max == 40
    assert box_of(c.reason, "the largest blob 16 px") == c.outside_box
    x0, y0, x1, y1 = c.outside_box
    assert (x1 - x0, y1 - y0) == (3, 3) and not c.region[y0:y1 + 1, x0:x1 + 1].any()


def test_with_a_mask_only_the_outside_is_judged_against_the_snapshot(sample):
    obtained = defects.patch_outside(sample.result, sample.photo, sample.removal)
    c = compare_images(obtained, sample.result, mask=sample.removal)
    assert c.failed == ("outside",) and "differ from the snapshot" in c.reason
    c = compare_images(obtained, sample.result, before=sample.photo)
    assert "differ from the photo before the edit" in c.reason


def test_ssim_inside_the_region_when_asked(coin):
    obtained = defects.blot(coin.result, coin.photo, coin.removal)
    c = compare_images(obtained, coin.result, Tolerance(max_blob=100, min_ssim=0.99), before=coin.photo)
    assert c.failed == ("ssim",) and 0.9 < c.ssim < 0.99
    same = compare_images(coin.result, coin.result, Tolerance(min_ssim=0.99), before=coin.photo)
    assert same.ok and same.ssim == pytest.approx(1)


def test_shapes_and_bad_limits():
    image = np.zeros((8, 10, 3), np.uint8)
    c = compare_images(image, np.zeros((8, 11, 3), np.uint8))
    assert not c.ok and c.failed == ("shape",) and "(8, 11, 3)" in c.reason
    with pytest.raises(ValueError, match="mask of shape"):
        compare_images(image, image, mask=np.zeros((8, 9), bool))
    with pytest.raises(ValueError, match="before has shape"):
        compare_images(image, image, before=np.zeros((8, 10), np.uint8))
    for bad in ({"per_pixel": -1}, {"max_blob": 1.5}, {"max_share": -0.1}, {"min_ssim": 2.0}, {"outside": True}):
        with pytest.raises(ValueError, match="Tolerance"):
            Tolerance(**bad)


def test_the_diff_image_marks_the_region_the_blob_and_the_outside(spoon):
    obtained = defects.patch_outside(defects.blot(spoon.result, spoon.photo, spoon.removal), spoon.photo, spoon.removal)
    c = compare_images(obtained, spoon.result, before=spoon.photo, mask=spoon.removal)
    assert set(c.failed) == {"blob", "outside"}
    picture = diff_image(obtained, spoon.result, c)
    h, w = spoon.removal.shape
    assert picture.shape == (h, 3 * w, 3)
    assert np.array_equal(picture[:, :w], spoon.result) and np.array_equal(picture[:, w:2 * w], obtained)
    heat = picture[:, 2 * w:]

    def ring(box):  # the 1 px frame drawn just outside a box
        x0, y0, x1, y1 = box
        return np.concatenate([heat[y0 - 1, x0 - 1:x1 + 2], heat[y1 + 1, x0 - 1:x1 + 2],
                               heat[y0 - 1:y1 + 2, x0 - 1], heat[y0 - 1:y1 + 2, x1 + 1]])

    assert (ring(c.blob_box) == (255, 230, 0)).all()
    assert (ring(c.outside_box) == (255, 0, 255)).all()
    x0, y0, x1, y1 = c.outside_box
    assert (heat[y0:y1 + 1, x0:x1 + 1] == (255, 0, 255)).all()
    edge = c.region & ~np.pad(c.region, 1)[2:, 1:-1]  # region pixels whose lower neighbour is outside
    assert (heat[edge] == (0, 255, 255)).all()
    # the blot itself is bright red: 128 + 2 x 40 levels; a level of noise is faint
    x0, y0, x1, y1 = c.blob_box
    assert (heat[y0:y1 + 1, x0:x1 + 1, 0] == 208).all()
    noisy = diff_image(defects.plus_minus_one(spoon.result), spoon.result)[:, 2 * w:]
    grey = (spoon.result.mean(axis=-1) * 0.5).astype(np.uint8)
    assert (noisy[..., 0] <= np.maximum(grey, 4)).all()


@pytest.mark.parametrize("channels", [None, 2, 3, 4])
def test_snapshots_keep_grey_alpha_and_colour(tmp_path, channels):
    """What the fixture writes (Image.fromarray) it reads back unchanged, alpha included."""
    from eraser.testing.snapshot import load_png

    shape = (12, 9) if channels is None else (12, 9, channels)
    image = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    Image.fromarray(image).save(tmp_path / "snap.png")
    loaded = load_png(tmp_path / "snap.png")
    assert np.array_equal(loaded, image)
    assert compare_images(image, loaded, mask=np.ones(shape[:2], bool)).ok

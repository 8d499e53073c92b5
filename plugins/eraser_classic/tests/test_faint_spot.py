"""A click on a faint dust spot selects the spot, not the whole photo.

A soft round spot a few levels darker than a lightly grainy wall, clicked at
its centre of a 1200x800 photo, used to select every pixel: the largest
window around a central click covers the whole working copy, so its
watershed had no background marker and flooded everything, and the spot's
own candidate, tiny, ranked below that flood."""

import numpy as np
import pytest
from PIL import Image

from eraser.prompts import Prompt
from eraser.segment import segment_object

W, H = 1200, 800
CENTRE = (600, 400)


def dusty_wall(grain, depth, radius, seed=0, centre=CENTRE):
    """A grey 150 wall with Gaussian ``grain``, and a soft spot ``depth`` levels deep at its centre
    (a raised cosine falling to 0 at ``radius``, as a sensor dust spot looks)."""
    rng = np.random.default_rng(seed)
    image = np.full((H, W, 3), 150.0) + rng.normal(0, grain, (H, W, 3))
    yy, xx = np.ogrid[:H, :W]  # broadcast: the same distances without two 1200x800 index grids
    r = np.hypot(xx - centre[0], yy - centre[1])
    image -= (depth * np.where(r < radius, 0.5 * (1 + np.cos(np.pi * r / radius)), 0.0))[..., None]
    return np.clip(np.round(image), 0, 255).astype(np.uint8)


def _selected(image, centre=CENTRE):
    result = segment_object(image, Prompt((tuple(map(float, centre)),), (1,)), "point")
    return result.mask >= 0.5, result.notices


def _distances(mask, centre=CENTRE):
    ys, xs = np.nonzero(mask)
    return np.hypot(xs - centre[0], ys - centre[1])


@pytest.mark.parametrize("grain", [0, 2, 4])
# the faintest and the deepest spot stay quick at every grain; the depths between are slow
@pytest.mark.parametrize("depth", [6, pytest.param(10, marks=pytest.mark.slow),
                                   pytest.param(15, marks=pytest.mark.slow), 25])
def test_a_click_on_a_faint_spot_selects_the_spot(grain, depth):
    radius = 9
    mask, notes = _selected(dusty_wall(grain, depth, radius))
    assert not notes  # the spot stands out: no 'nothing stands out', no 'covers N% of the photo'
    assert mask[CENTRE[1], CENTRE[0]]
    # the spot's visible core, and nothing far from it (it was 100 % of the photo)
    yy, xx = np.ogrid[:H, :W]
    assert mask[np.hypot(xx - CENTRE[0], yy - CENTRE[1]) <= radius / 2].all()
    assert _distances(mask).max() <= 2 * radius + 6, mask.sum()


@pytest.mark.parametrize("radius", [6, 12])
def test_smaller_and_larger_spots_too(radius):
    mask, _ = _selected(dusty_wall(3, 10, radius))
    assert mask[CENTRE[1], CENTRE[0]] and _distances(mask).max() <= 2 * radius + 6, mask.sum()


def test_remove_repaints_only_around_the_spot(eraser_cli, tmp_path):
    # uncompressed TIFF in and out (the output keeps it): a grainy 1200x800 PNG takes seconds to deflate
    photo, out = tmp_path / "wall.tif", tmp_path / "out.tif"
    Image.fromarray(dusty_wall(2, 10, 9)).save(photo, compression="raw")
    code, _, err = eraser_cli("remove", photo, "-p", "600,400", "-s", "point", "-i", "telea", "-o", out)
    assert code == 0, err
    before, after = np.asarray(Image.open(photo)).astype(int), np.asarray(Image.open(out)).astype(int)
    changed = (before != after).any(axis=2)
    assert changed[CENTRE[1], CENTRE[0]] and _distances(changed).max() < 60, changed.sum()
    # the spot is gone: its centre is now the wall's level
    assert abs(after[395:406, 595:606].mean() - 150) < 3


@pytest.mark.parametrize("centre", [(600, 120), (150, 150), (1000, 600)])
def test_anywhere_on_the_photo(centre):
    # (600, 120) took the whole photo too; the others took the spot with a 'nothing stands out' note
    mask, notes = _selected(dusty_wall(3, 10, 9, centre=centre), centre)
    assert mask[centre[1], centre[0]] and _distances(mask, centre).max() <= 24 and not notes, (mask.sum(), notes)

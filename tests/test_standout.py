"""A click on a featureless spot (a flat sky, a plain wall) erases the small
spot the segmenter kept, and says so in one note; a click on something,
however small, says nothing more."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from eraser.prompts import Prompt
from eraser.segment import segment_object
from eraser.standout import nearly_everything, nothing_stands_out

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
ROCKET = SAMPLES / "rocket_falcon9" / "photo.jpg"  # skimage's rocket: an evening sky around it
SKY_NOTE = ("note: nothing stands out at 120,80: the selection is a 14x13 px spot the colour of its "
            "surroundings; click on an object, add clicks, or mark it with a box")


def _wall(grain, spot=0, seed=0):
    """A plain grey-blue wall with ``grain`` (noise sigma), and a dark spot of ``spot`` levels at 200,150."""
    rng = np.random.default_rng(seed)
    image = np.array([150, 160, 170]) + rng.normal(0, grain, (300, 400, 3))
    yy, xx = np.mgrid[:300, :400]
    image[(xx - 200) ** 2 + (yy - 150) ** 2 <= 36] -= spot
    return np.clip(image, 0, 255).astype(np.uint8)


def _click(image, *points):
    return segment_object(image, Prompt(tuple(points), (1,) * len(points)), "point")


def test_remove_on_the_evening_sky_says_nothing_stands_out_and_still_writes(eraser_cli, tmp_path):
    out = tmp_path / "out.png"
    code, _, err = eraser_cli("remove", ROCKET, "--point", "120,80", "-s", "point", "-i", "telea", "-o", out)
    assert code == 0 and out.exists(), err
    lines = err.splitlines()
    assert lines[0] == SKY_NOTE and len(lines) == 2 and lines[1].startswith("erased 1 object with point and telea")
    changed = (np.asarray(Image.open(out)).astype(int) != np.asarray(Image.open(ROCKET).convert("RGB"))).any(axis=2)
    assert changed.any() and changed.mean() < 0.005  # only a spot around the click


def test_the_rocket_itself_and_the_samples_objects_get_no_such_note(eraser_cli, tmp_path):
    code, _, err = eraser_cli("segment", ROCKET, "--point", "321,250", "-s", "point", "-o", tmp_path / "m.png")
    assert code == 0 and "nothing stands out" not in err, err
    for sample in ("coins_coin", "coffee_spoon"):
        photo = next((SAMPLES / sample).glob("photo.*"))
        image = np.asarray(Image.open(photo).convert("RGB"))
        point = tuple(json.loads((SAMPLES / sample / "prompts.json").read_text())["point"][0])
        assert not any("nothing stands out" in n for n in _click(image, point).notices), sample


@pytest.mark.parametrize("grain", [0, 4, 8])
def test_a_plain_wall_says_so_and_a_small_dark_spot_on_it_does_not(grain):
    flat = _click(_wall(grain), (200.0, 150.0))
    notes = [n for n in flat.notices if n.startswith("nothing stands out at 200,150: the selection is a ")]
    assert len(notes) == 1 and (flat.mask >= 0.5).sum() < 150, flat.notices
    dust = _click(_wall(grain, spot=25), (200.0, 150.0))
    assert (dust.mask >= 0.5).sum() < 150 and not any("nothing stands out" in n for n in dust.notices)


def test_only_small_click_selections_are_looked_at():
    wall = _wall(0)
    big = np.zeros(wall.shape[:2], np.float32)
    big[50:250, 100:300] = 1  # a third of the photo: something was found, whatever it looks like
    assert nothing_stands_out(wall, Prompt(((200.0, 150.0),), (1,)), big) is None
    spot = np.zeros(wall.shape[:2], np.float32)
    spot[145:156, 195:206] = 1
    assert nothing_stands_out(wall, Prompt(((200.0, 150.0),), (1,)), spot).startswith("nothing stands out at 200,150")
    # a box or a mask says what the person wants: no note
    assert nothing_stands_out(wall, Prompt(box=(195, 145, 206, 156)), spot) is None
    # a second part far from the click: the selection is not just this spot
    spot[10:20, 10:20] = 1
    assert nothing_stands_out(wall, Prompt(((200.0, 150.0),), (1,)), spot) is None


def test_batch_says_it_for_each_flat_photo_once(eraser_cli, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        Image.fromarray(_wall(2, seed=i)).save(folder / f"w{i}.png")
    Image.fromarray(_wall(2, spot=25)).save(folder / "dust.png")
    code, _, err = eraser_cli("batch", folder, "-o", tmp_path / "out", "--point", "200,150", "-s", "point",
                              "-i", "telea", "-j", "1")
    assert code == 0, err
    said = [line for line in err.splitlines() if "nothing stands out at 200,150: the selection is a " in line]
    # each wall photo named once (the spot's size is part of the note: photos with the same one share a line)
    named = [photo for line in said for photo in ("w0.png", "w1.png", "w2.png") if photo in line]
    assert sorted(named) == ["w0.png", "w1.png", "w2.png"] and not any("dust.png" in line for line in said), err


def test_a_click_selecting_nearly_the_whole_photo_says_so():
    wall = _wall(4)
    click, box = Prompt(((200.0, 150.0),), (1,)), Prompt(box=(0, 0, 400, 300))
    everything = np.ones(wall.shape[:2], np.float32)
    everything[:20] = 0  # 93 % of it
    assert nearly_everything(click, everything) == ("the selection at 200,150 covers 93% of the photo; click on an "
                                                    "object, exclude what must stay, or mark it with a box")
    assert nearly_everything(box, everything) is None  # a box says what the person wants
    half = np.zeros(wall.shape[:2], np.float32)
    half[:, :200] = 1
    assert nearly_everything(click, half) is None


def test_a_click_that_selects_every_pixel_is_said_to_cover_all_of_the_photo():
    # 99 % was said for a whole selection (a 1x1 photo's only pixel, an all-ones mask)
    click = Prompt(points=((0, 0),), labels=(1,))
    for shape in ((1, 1), (2, 2), (300, 400)):
        assert nearly_everything(click, np.ones(shape, np.float32)).startswith(
            "the selection at 0,0 covers all of the photo;")
    almost = np.ones((300, 400), np.float32)
    almost[0, 0] = 0
    assert "covers 99% of the photo" in nearly_everything(click, almost)


def test_a_spot_near_the_windows_side_is_looked_at_without_an_error():
    """A click's spot close to (not on) a side of the window looked at: the
    image's slice and the mask's were cut alike only inside the window (a
    first-time tryout's click on a 2400x1600 photo answered IndexError)."""
    image = np.full((200, 200, 3), 128, np.uint8)
    mask = np.zeros((200, 200), np.float32)
    mask[110:119, 96:105] = 1  # the window around the click at 100,100 ends at row 120
    note = nothing_stands_out(image, Prompt(((100, 100),), (1,)), mask)
    assert note is not None and "9x9 px spot" in note

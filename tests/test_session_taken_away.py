"""Session.taken_away: pixels a brush took away stay, whatever object covers
them; the objects keep their clicks and their segmented masks."""

import numpy as np
import pytest

from eraser import EraserError, Session


def test_pixels_taken_away_leave_the_selection_and_the_objects_as_marked(scene):
    image, obj = scene
    s = Session(image, inpainter="telea", dilate=0, feather=0)
    s.add(points=[(80, 60)])
    whole = s.selection().mask >= 0.5
    cached = s.object_mask(0)
    away = np.zeros(whole.shape, bool)
    away[:, :80] = True  # the left half of the disk
    s.taken_away = away
    cut = s.selection().mask >= 0.5
    assert cut.any() and not cut[:, :80].any() and np.array_equal(cut[:, 80:], whole[:, 80:])
    assert s.object_mask(0) is cached and len(s.objects) == 1  # not segmented again; the click stays a click
    assert not s.preview().hole[:, :80].any()
    result = s.erase()
    assert np.array_equal(result.image[:, :80], image[:, :80])  # what was taken away stays as it was
    assert s.taken_away is None  # gone with the marks


def test_clear_forgets_them_and_a_wrong_size_is_an_error(scene):
    image, _ = scene
    s = Session(image, inpainter="telea")
    s.add(points=[(80, 60)])
    s.taken_away = np.ones(image.shape[:2], bool)
    s.clear()
    assert s.taken_away is None
    with pytest.raises(EraserError, match="the photo is"):
        s.taken_away = np.ones((3, 4), bool)
    s.taken_away = np.zeros(image.shape[:2], bool)  # nothing taken away is None
    assert s.taken_away is None


def test_an_object_marked_later_wins_where_it_overlaps_pixels_taken_away(scene):
    """History order (a first-time tryout: a click on a spot taken away showed
    its marker and selected nothing there)."""
    image, disk = scene
    s = Session(image, inpainter="telea", dilate=0, feather=0)
    s.add(points=[(80, 60)])
    away = np.zeros(disk.shape, bool)
    away[:, :80] = True  # the disk's left half, and the texture left of it
    s.taken_away = away
    assert not (s.selection().mask >= 0.5)[:, :80].any()
    s.add(points=[(70, 60)])  # a click on the half taken away: the disk again, marked later
    selected = s.selection().mask >= 0.5
    assert selected[disk].all()  # the object the click marks is back, whole
    assert s.taken_away is not None and s.taken_away[~disk].sum() == away[~disk].sum()  # the rest stays taken away
    assert not s.taken_away[disk].any()
    # the CLI's --mask reads this selection: erasing it leaves the texture taken away as it was
    result = s.erase()
    assert np.array_equal(result.image[~disk & away], image[~disk & away])


def test_an_object_marked_earlier_stays_cut(scene):
    image, disk = scene
    s = Session(image, inpainter="telea", dilate=0, feather=0)
    s.add(points=[(80, 60)])
    s.add(boxes=[(5, 5, 30, 30)])  # another object, away from the disk
    away = np.zeros(disk.shape, bool)
    away[:, :80] = True
    s.taken_away = away  # taken away after both: both are cut
    assert not (s.selection().mask >= 0.5)[:, :80].any()


@pytest.mark.parametrize("bad, error, words", [
    (np.full((120, 160), np.nan), TypeError, "bool array"),
    (np.ones((120, 160), np.uint8), TypeError, "not uint8"),
    ([[True] * 160] * 120, TypeError, "not list"),
    (1, TypeError, "not int"),
    (np.ones((160, 120), bool), EraserError, "160x120"),
    (np.ones((120, 160, 1), bool), EraserError, "120x160x1"),
    (np.ones((), bool), EraserError, "a scalar"),
])
def test_a_bad_taken_away_is_one_clear_error_and_changes_nothing(scene, bad, error, words):
    image, _ = scene
    s = Session(image, inpainter="telea")
    s.add(points=[(80, 60)])
    away = np.zeros(image.shape[:2], bool)
    away[:10, :10] = True
    s.taken_away = away
    with pytest.raises(error, match=words) as caught:
        s.taken_away = bad
    assert "\n" not in str(caught.value) and "120x160" in str(caught.value)
    assert np.array_equal(s.taken_away, away)


def test_pop_takes_away_again_what_the_popped_object_brought_back(scene):
    """History order, undone: add() then pop() leaves taken_away as it was
    (pop() used to leave the popped object's pixels brought back for good)."""
    image, disk = scene
    s = Session(image, inpainter="telea", dilate=0, feather=0)
    s.add(boxes=[(5, 5, 30, 30)])  # an earlier object away from the disk
    away = np.zeros(disk.shape, bool)
    away[:, :80] = True
    s.taken_away = away
    s.add(points=[(70, 60)])  # on the half taken away: the disk comes back
    assert not s.taken_away[disk].any()
    s.pop()
    assert np.array_equal(s.taken_away, away)
    assert not (s.selection().mask >= 0.5)[:, :80].any()
    # two objects, each bringing back its own pixels, popped in turn
    s.add(points=[(70, 60)])
    s.add(mask=np.pad(np.ones((10, 10), bool), ((100, 10), (10, 140))))  # a painted patch, bottom left
    s.pop()
    assert not s.taken_away[disk].any() and s.taken_away[100:110, 10:20].all()
    s.pop()
    assert np.array_equal(s.taken_away, away)


def test_pop_keeps_what_a_later_step_changed(scene):
    image, disk = scene
    s = Session(image, inpainter="telea", dilate=0, feather=0)
    s.add(boxes=[(5, 5, 30, 30)])
    away = np.zeros(disk.shape, bool)
    away[:, :80] = True
    s.taken_away = away
    s.add(points=[(70, 60)])
    more = s.taken_away.copy()
    more[110:, 100:] = True  # a later stroke elsewhere stays
    back = np.zeros(disk.shape, bool)
    back[:20, :20] = True  # and pixels brought back by a later step stay back
    s.taken_away = more & ~back
    s.pop()
    assert np.array_equal(s.taken_away, (away | more) & ~back)
    s.taken_away = None  # forgets every take-away: nothing comes back on a pop
    s.add(points=[(70, 60)])
    s.pop()
    assert s.taken_away is None


def test_grow_brings_back_only_what_it_adds_and_pop_undoes_it_exactly(scene):
    image, disk = scene
    s = Session(image, inpainter="telea", dilate=0, feather=0)
    left = np.zeros(disk.shape, bool)
    left[40:80, 40:80] = True
    s.add(mask=left)
    away = np.zeros(disk.shape, bool)
    away[55:65, :] = True  # a cut across, after the object
    s.taken_away = away
    grown = left.copy()
    grown[40:80, 80:120] = True
    s.grow(mask=grown)
    selected = s.selection().mask >= 0.5
    assert not selected[55:65, 40:80].any()  # the old part stays cut
    assert selected[55:65, 80:120].all()  # what it adds wins
    assert len(s.objects) == 1
    s.pop()
    assert np.array_equal(s.taken_away, away)
    with pytest.raises(EraserError, match="no object"):
        s.grow(mask=grown)


def test_grow_with_a_click_on_a_pixel_taken_away_brings_the_object_back(scene):
    image, disk = scene
    s = Session(image, inpainter="telea", dilate=0, feather=0)
    s.add(points=[(90, 60)])
    away = np.zeros(disk.shape, bool)
    away[:, :80] = True
    s.taken_away = away
    s.grow(points=[[(90, 60), (70, 60)]])  # the new click is on the cut half: a later mark
    assert (s.selection().mask >= 0.5)[disk].all()
    assert s.taken_away[~disk].sum() == away[~disk].sum()
    s.pop()
    assert np.array_equal(s.taken_away, away)

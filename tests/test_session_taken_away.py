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

"""The point segmenter's speed-ups change nothing it answers: the upscale
around the object equals cv2.resize of the whole frame, and a kept working
copy is used only for the same pixels."""

import cv2
import numpy as np
import pytest

from eraser import photo_key
from eraser.fallback import frozen, read_only
from eraser.geometry import Rect
from eraser.photo_key import frozen_owner
from eraser.prompts import Prompt
from eraser_classic.point import PointSegmenter
from eraser_classic.upscale import upscaled_into


@pytest.mark.parametrize("size, region", [
    ((4000, 3000), Rect(0, 0, 4000, 3000)),
    ((3001, 1999), Rect(0, 0, 3001, 1999)),
    ((3001, 1999), Rect(117, 230, 2900, 1500)),  # a box prompt's crop
])
@pytest.mark.parametrize("where", ["middle", "corner", "edges", "empty"])
def test_upscale_around_the_object_equals_the_whole_resize(size, region, where):
    width, height = size
    small = np.zeros((300, round(300 * region.width / region.height)), np.float32)
    if where == "middle":
        cv2.circle(small, (150, 120), 40, 1.0, -1)
    elif where == "corner":
        small[-20:, :15] = 1.0
    elif where == "edges":
        small[0, :] = 0.7
        small[:, -1] = 1.0
    whole = np.zeros((height, width), np.float32)
    whole[region.slices] = np.clip(cv2.resize(small, (region.width, region.height), interpolation=cv2.INTER_LINEAR), 0, 1)
    assert np.array_equal(upscaled_into(small, region, height, width), whole)


def test_a_kept_working_copy_serves_only_the_same_pixels():
    rng = np.random.default_rng(3)
    photo = np.full((900, 1400, 3), 90, np.uint8)
    cv2.circle(photo, (700, 450), 120, (230, 200, 40), -1)
    photo += rng.integers(0, 6, photo.shape, dtype=np.uint8)
    click = Prompt(((700.0, 450.0),), (1,))
    fresh = PointSegmenter().segment(photo, click)
    segmenter = PointSegmenter()
    first = segmenter.segment(photo, click)
    again = segmenter.segment(photo.copy(), click)  # another array, the same pixels: the kept copy
    assert np.array_equal(first, fresh) and np.array_equal(again, fresh) and len(segmenter.copies._items) == 1
    moved = photo.copy()
    moved[:, :] = photo[:, ::-1]  # the circle moves: new pixels, a new copy, the mask follows
    mirrored = segmenter.segment(moved, Prompt(((699.0, 450.0),), (1,)))
    assert len(segmenter.copies._items) == 2
    assert np.array_equal(mirrored, PointSegmenter().segment(moved, Prompt(((699.0, 450.0),), (1,))))


def test_a_frozen_photo_is_read_once_and_an_edited_copy_afresh():
    photo = np.full((300, 400, 3), 90, np.uint8)
    cv2.circle(photo, (200, 150), 50, (230, 200, 40), -1)
    click = Prompt(((200.0, 150.0),), (1,))
    still = frozen(photo.copy())
    segmenter = PointSegmenter()
    first = segmenter.segment(read_only(still), click)
    owner = frozen_owner(still)
    assert owner is not None and photo_key._known[id(owner)][0]() is owner  # its key is remembered
    assert np.array_equal(segmenter.segment(read_only(still), click), first) and len(segmenter.copies._items) == 1
    edited = still.copy()  # writable: read on every click
    edited[100:200, 150:250] = 90  # the circle's middle painted over
    assert not np.array_equal(segmenter.segment(edited, click), first) and len(segmenter.copies._items) == 2

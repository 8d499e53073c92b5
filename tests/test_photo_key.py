"""The photo's cache key: computed once for a frozen (read-only) photo, read
afresh for anything that could have changed. A photo that differs in one
pixel never gets another photo's key (so never what a segmenter kept for it)."""

import numpy as np
import pytest

from eraser.fallback import frozen, read_only
from eraser import photo_key
from eraser.photo_key import content_key, frozen_owner, image_key


def photo(seed=0, shape=(300, 400, 3)):
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def one_pixel_changed(image):
    other = image.copy()
    other[123, 45, 1] ^= 1
    return other


def remembered(image):
    owner = frozen_owner(image)
    known = photo_key._known.get(id(owner)) if owner is not None else None
    return known is not None and known[0]() is owner


def test_one_pixel_changed_gives_another_key_frozen_or_not():
    a = photo()
    b = one_pixel_changed(a)
    assert a.shape == b.shape and content_key(a) != content_key(b)
    assert image_key(a) != image_key(b)
    fa, fb = frozen(a, shared=True), frozen(b, shared=True)
    for _ in range(2):  # the second time from what is remembered
        assert image_key(read_only(fa)) == content_key(a) and image_key(read_only(fb)) == content_key(b)
    assert remembered(fa) and remembered(fb)


def test_a_writable_photo_edited_in_place_gets_a_new_key():
    a = photo()
    first = image_key(a)
    a[0, 0, 0] ^= 1
    assert image_key(a) != first and image_key(a) == content_key(a)
    # a read-only view of a writable array is no promise either: its base changes under it
    view = read_only(a)
    assert frozen_owner(view) is None and not remembered(view)
    before = image_key(view)
    a[1, 1, 1] ^= 1
    assert image_key(view) != before


def test_views_of_one_frozen_photo_are_keyed_by_what_they_show():
    a = frozen(photo(), shared=True)
    crop = a[10:110, 20:220]
    assert image_key(crop) == content_key(crop) != image_key(a) == content_key(a)
    assert image_key(a[::2]) == content_key(a[::2])  # same memory, another view: its own key


def test_a_new_array_at_a_dead_ones_address_is_read_afresh():
    for seed in range(20):  # numpy often reuses the freed block, and id() with it
        a = frozen(photo(seed), shared=True)
        assert image_key(a) == content_key(a)
        del a  # freed here (no cycles); a gc.collect() over the whole test run's heap costs seconds


def test_frozen_freezes_the_chain_or_copies_a_callers_array():
    caller = photo()
    copy = frozen(caller, shared=True)
    assert caller.flags.writeable and not copy.flags.writeable and not np.shares_memory(caller, copy)
    with pytest.raises(ValueError):  # handed out as a view: never made writable again
        copy.flags.writeable = True
    caller[5, 5, 0] ^= 1
    assert not np.array_equal(caller, copy)  # the caller's edit does not reach the copy
    ours = photo()[:, :, :3]  # a view of an array nobody else holds
    mine = frozen(ours)
    assert np.shares_memory(mine, ours) and not ours.flags.writeable and frozen_owner(mine) is ours.base

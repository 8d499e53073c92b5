"""The editing session: marks, preview, erase, undo/redo, save; the core the
CLI, the API, the web page and batch stand on."""

import numpy as np
import pytest
from PIL import Image

from eraser import EraserError, Session
from eraser.io import load_image


def red(image):
    return (image[..., 0] > 180) & (image[..., 1] < 80)


def test_mark_preview_erase_undo_redo(scene):
    image, obj = scene
    s = Session(image, inpainter="telea")
    preview = s.add(points=[(80, 60)])
    assert preview.hole[obj].mean() > 0.95 and preview.share < 0.2
    assert preview.removal_mask().dtype == np.uint8
    result = s.erase()
    assert red(result.image)[obj].mean() < 0.05
    assert np.array_equal(s.image, result.image)
    assert np.array_equal(s.image[~result.hole], image[~result.hole])
    assert not s.objects and s.can_undo and not s.can_redo
    s.undo()
    assert np.array_equal(s.image, image)
    s.redo()
    assert np.array_equal(s.image, result.image)
    with pytest.raises(EraserError, match="nothing to redo"):
        s.redo()


def test_the_current_image_is_read_only(scene):
    s = Session(scene[0], inpainter="telea")
    with pytest.raises(ValueError):
        s.image[0, 0] = 0


def test_the_image_a_segmenter_sees_is_frozen_and_the_callers_array_is_not(scene, tmp_path):
    """Nothing can write the session's image through numpy, so a segmenter may
    key its cached features by the array (eraser.photo_key.image_key);
    a caller's array is copied, never made read-only, and editing it later
    does not change the session's photo."""
    image = scene[0].copy()
    s = Session(image, inpainter="telea")
    assert image.flags.writeable and frozen_chain(s.image)
    image[:] = 0
    assert np.array_equal(s.image, scene[0])
    path = tmp_path / "photo.png"
    Image.fromarray(scene[0]).save(path)
    s = Session(path, inpainter="telea")
    assert frozen_chain(s.image)
    s.add(points=[(80, 60)])
    result = s.erase()
    assert result.image.flags.writeable and frozen_chain(s.image)  # the caller's result stays theirs
    s.undo()
    assert frozen_chain(s.image)


def test_the_session_image_cannot_be_made_writable_again(scene):
    """A caller who flips the flag back, edits and flips it again would leave
    a remembered key (eraser_mobilesam.cache.image_key) on other pixels: the
    image handed out is a view numpy never lets be made writable."""
    s = Session(scene[0].copy(), inpainter="telea")
    images = [s.image]
    s.add(points=[(80, 60)])
    s.erase()
    images.append(s.image)
    s.undo()
    images.append(s.image)
    for image in images:
        with pytest.raises(ValueError):
            image.flags.writeable = True


def frozen_chain(array):
    while isinstance(array, np.ndarray):
        if array.flags.writeable:
            return False
        array = array.base
    return True


def test_two_erases_in_a_row_and_undo_back_to_the_original(scene):
    image, obj = scene
    s = Session(image, inpainter="telea", segmenter="grabcut")
    s.add(boxes=[(55, 35, 106, 86)])
    first = s.erase().image
    s.segmenter = "auto"  # grabcut takes boxes, not masks
    s.add(mask=np.pad(np.ones((10, 10), bool), ((5, 105), (5, 145))))
    second = s.erase().image
    assert not np.array_equal(first, second)
    assert np.array_equal(second[30:, 30:], first[30:, 30:])  # the second erase touched only its corner
    s.undo()
    assert np.array_equal(s.image, first)
    s.undo()
    assert np.array_equal(s.image, image)
    with pytest.raises(EraserError, match="nothing to undo"):
        s.undo()


def test_history_is_bounded(scene):
    image, _ = scene
    s = Session(image, inpainter="telea", history=2)
    for x in (20, 60, 100):
        s.add(mask=_square(image.shape, x))
        s.erase()
    s.undo()
    s.undo()
    assert not s.can_undo
    assert not np.array_equal(s.image, image)  # the first erase is past the history


def test_exclusions_apply_to_objects_marked_before_them(scene):
    image, obj = scene
    s = Session(image, inpainter="telea", segmenter="grabcut")
    s.add(boxes=[(55, 35, 106, 86)])
    s.add(exclude=[(100, 60)])  # inside the box, just right of the disk
    assert s.objects[0].negative_points == [(100.0, 60.0)]
    preview = s.preview()
    assert not preview.hole[60, 100] and preview.keep[60, 100] == 1.0


def test_pop_and_clear(scene):
    s = Session(scene[0], inpainter="telea")
    s.add(points=[(80, 60)])
    s.add(points=[(10, 10)])
    s.pop()
    assert len(s.objects) == 1
    s.clear()
    with pytest.raises(EraserError, match="nothing to remove"):
        s.erase()


def test_save_writes_what_the_cli_writes(tmp_path, scene):
    image, obj = scene
    src = tmp_path / "in.png"
    Image.fromarray(image).save(src)
    s = Session(src, inpainter="telea")
    s.add(mask=obj)
    result = s.erase()
    out = s.save(tmp_path / "out.png")
    assert np.array_equal(load_image(out).rgb, result.image)
    with pytest.raises(EraserError, match="exists"):
        s.save(tmp_path / "out.png")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"history": -1}, "history"),
        ({"history": 1.5}, "history"),
        ({"dilate": float("nan")}, "dilate"),
        ({"feather": float("inf")}, "feather"),
        ({"inpainter": 3}, "inpainter"),
        ({"inpainter": "nope"}, "unknown inpainter"),
    ],
)
def test_bad_settings_are_eraser_errors(scene, kwargs, message):
    with pytest.raises(EraserError, match=message):
        Session(scene[0], **kwargs)


def _square(shape, x):
    mask = np.zeros(shape[:2], bool)
    mask[10:20, x : x + 10] = True
    return mask


def test_a_mark_that_fails_is_not_kept(scene):
    image, _ = scene
    s = Session(image, inpainter="telea", segmenter="grabcut")
    s.add(boxes=[(55, 35, 106, 86)])
    with pytest.raises(EraserError, match="does not accept a mask"):
        s.add(mask=_square(image.shape, 10), exclude=[(5, 5)])
    assert len(s.objects) == 1 and s.exclusions == []
    assert s.preview().hole[60, 80]


def test_changing_the_segmenter_segments_again_and_pop_updates_the_preview(scene):
    image, obj = scene
    s = Session(image, inpainter="telea", segmenter="grabcut")
    first = s.add(boxes=[(55, 35, 106, 86)])
    s.add(boxes=[(0, 0, 30, 30)])
    s.pop()
    assert np.array_equal(s.preview().hole, first.hole)
    s.segmenter = "point"
    assert s.preview().segmenters == ["point"]

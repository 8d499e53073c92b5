"""A backend that raises, breaks the contract or writes into its input cannot
change a pixel outside the hole or take eraser down: with ``auto`` the next
backend takes over with a note; a backend the user named fails with one line
naming its plugin."""

import numpy as np
import pytest

from eraser import EraserError, hookimpl, pipeline
from eraser.prompts import Prompt


class Raises:
    def inpaint(self, image, mask):
        raise RuntimeError("boom\nsecond line")


class WrongShape:
    def inpaint(self, image, mask):
        return image[:-1]


class WrongDtype:
    def inpaint(self, image, mask):
        return image.astype(np.float32)


class WritesInput:
    def inpaint(self, image, mask):
        image[...] = 0  # the array is read-only: this raises
        return image


class NaNMask:
    def segment(self, image, prompt):
        return np.full(image.shape[:2], np.nan, np.float32)


class OneBadValue:
    """A plausible mask with one NaN or infinite pixel in it."""

    def __init__(self, value):
        self.value = value

    def segment(self, image, prompt):
        mask = np.full(image.shape[:2], 0.5, np.float32)
        mask[3, 5] = self.value
        return mask


class WrongMaskShape:
    def segment(self, image, prompt):
        return np.ones((3, 3), np.float32)


def failing_factory():
    raise ImportError("missing dependency")


BROKEN_INPAINTERS = {"raises": Raises, "wrong-shape": WrongShape, "wrong-dtype": WrongDtype,
                     "writes-input": WritesInput, "bad-factory": failing_factory}
BROKEN_SEGMENTERS = {"nan-mask": NaNMask, "wrong-mask-shape": WrongMaskShape,
                     "one-nan": lambda: OneBadValue(np.nan), "one-inf": lambda: OneBadValue(np.inf),
                     "one-minus-inf": lambda: OneBadValue(-np.inf)}


@pytest.fixture
def broken(register_plugin):
    class Plugin:
        @hookimpl
        def register_inpainters(self, register):
            for name, factory in BROKEN_INPAINTERS.items():
                register(name, factory, priority=1000)

        @hookimpl
        def register_segmenters(self, register):
            for name, factory in BROKEN_SEGMENTERS.items():
                register(name, factory, priority=1000, prompts=("point", "box", "mask"))

    register_plugin(Plugin(), name="broken-plugin")


@pytest.mark.parametrize("name", sorted(BROKEN_INPAINTERS))
def test_a_named_broken_inpainter_is_one_line_naming_the_plugin(broken, scene, name):
    image, obj = scene
    before = image.copy()
    with pytest.raises(EraserError) as err:
        pipeline.run(image, [Prompt(mask=obj.astype(np.float32))], inpainter=name, segmenter="mask")
    message = str(err.value)
    assert f"inpainter {name!r} (broken-plugin)" in message and "\n" not in message
    assert np.array_equal(image, before)


@pytest.mark.parametrize("name", sorted(BROKEN_SEGMENTERS))
def test_a_named_broken_segmenter_is_one_line_naming_the_plugin(broken, scene, name):
    image, _ = scene
    with pytest.raises(EraserError, match=f"segmenter {name!r} \\(broken-plugin\\)"):
        pipeline.run(image, [Prompt(box=(55, 35, 106, 86))], segmenter=name, inpainter="telea")


def test_auto_falls_back_past_every_broken_backend_with_notes(broken, scene):
    image, obj = scene
    result = pipeline.run(image, [Prompt(box=(55, 35, 106, 86))])
    assert result.inpainter not in BROKEN_INPAINTERS and result.segmenters[0] not in BROKEN_SEGMENTERS
    failed = [n for n in result.notices if "broken-plugin" in n]
    assert len(failed) == len(BROKEN_INPAINTERS) + len(BROKEN_SEGMENTERS)
    assert all("\n" not in n for n in result.notices)
    untouched = result.keep == 1.0
    assert np.array_equal(result.image[untouched], image[untouched])


def test_a_backend_cannot_write_into_the_photo(register_plugin, scene):
    """A plugin that copies and then scribbles outside the hole changes nothing there."""

    class Scribbler:
        def inpaint(self, image, mask):
            out = image.copy()
            out[...] = 7
            return out

    class Plugin:
        @hookimpl
        def register_inpainters(self, register):
            register("scribbler", Scribbler)

    register_plugin(Plugin(), name="scribbler-plugin")
    image, obj = scene
    result = pipeline.run(image, [Prompt(mask=obj.astype(np.float32))], inpainter="scribbler", segmenter="mask")
    assert np.array_equal(result.image[~result.hole], image[~result.hole])
    assert (result.image[result.keep < 1e-3] == 7).all()


def test_auto_says_which_better_inpainter_it_passed_over(scene):
    """No model installed (the test store is empty): LaMa is passed over, and a note says why."""
    image, obj = scene
    result = pipeline.run(image, [Prompt(mask=obj.astype(np.float32))], segmenter="mask")
    assert result.inpainter != "lama"
    (note,) = [n for n in result.notices if "'lama'" in n]
    assert "not available" in note and "eraser models install lama" in note

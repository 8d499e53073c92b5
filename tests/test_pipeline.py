import numpy as np
import pytest

from eraser import hookimpl, pipeline
from eraser.refine import refine
from eraser.prompts import Prompt
from eraser.errors import EraserError


def mask_prompt(mask):
    return [Prompt(mask=mask.astype(np.float32))]


# The built-in inpainters; eraser-patchmatch runs the same check in its own tests.
@pytest.mark.parametrize("inpainter", ["telea", "ns"])
def test_only_the_hole_changes_and_the_object_is_gone(check_scene_erased, inpainter):
    check_scene_erased(inpainter)


def test_backends_get_crops_at_their_working_size(register_plugin):
    seen = []

    class Recorder:
        def inpaint(self, image, mask):
            seen.append((image.shape, mask.shape, mask.dtype))
            out = image.copy()
            out[mask] = 0
            return out

    class Plugin:
        @hookimpl
        def register_inpainters(self, register):
            register("recorder", Recorder, working_size=100)

    register_plugin(Plugin(), name="recorder-plugin")
    image = np.full((1200, 1600, 3), 200, np.uint8)
    selection = np.zeros((1200, 1600), np.float32)
    selection[500:700, 600:900] = 1.0
    result = pipeline.erase(image, refine(selection), "recorder")
    out, parts = result.image, result.refined.parts
    ((shape, mask_shape, dtype),) = seen
    assert max(shape[:2]) == 100 and shape[:2] == mask_shape and dtype == np.dtype(bool)
    hole = result.hole
    assert np.array_equal(out[~hole], image[~hole])
    assert out[600, 750].max() == 0  # the fill was scaled back into the hole
    # Only a region around the object was refined, not the full frame.
    ((part),) = parts
    assert part.rect.width < 1600 and part.rect.height < 1200 and hole[:400].sum() == 0


def test_several_objects_are_unioned_and_each_crop_filled(scene):
    image = np.tile(scene[0], (1, 4, 1))
    sel = np.zeros(image.shape[:2], bool)
    sel[20:30, 20:30] = True
    sel[80:100, 560:600] = True
    result = pipeline.run(image, mask_prompt(sel))
    assert result.hole[25, 25] and result.hole[90, 580]
    assert np.array_equal(result.image[~result.hole], image[~result.hole])


def test_a_broken_backend_is_named_in_the_error(register_plugin, scene):
    class Broken:
        def inpaint(self, image, mask):
            return image[:-1]

    class Plugin:
        @hookimpl
        def register_inpainters(self, register):
            register("broken", Broken)

    register_plugin(Plugin(), name="broken-plugin")
    image, obj = scene
    with pytest.raises(EraserError, match="inpainter 'broken' \\(broken-plugin\\) returned"):
        pipeline.run(image, mask_prompt(obj), inpainter="broken")


def test_an_empty_selection_is_a_user_error(scene):
    image, obj = scene
    with pytest.raises(EraserError, match="selection is empty"):
        pipeline.run(image, mask_prompt(np.zeros_like(obj)))
    with pytest.raises(EraserError, match="nothing to remove"):
        pipeline.run(image, [])


def test_grabcut_box_segments_the_object(scene):
    image, obj = scene
    result = pipeline.run(image, [Prompt(box=(55, 35, 106, 86))], inpainter="telea")
    selected = result.selection >= 0.5
    iou = (selected & obj).sum() / (selected | obj).sum()
    assert iou > 0.9
    assert result.segmenters == ["grabcut"]

"""The Python API, eraser.remove: paths, PIL images and arrays in; the
result in the matching type; masks on request; user mistakes as EraserError."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import eraser

SPOON = Path(__file__).resolve().parent.parent / "samples" / "coffee_spoon"
BOX = (323, 61, 429, 330)


def test_path_in_pil_out_with_mask():
    result, mask = eraser.remove(SPOON / "photo.jpg", box=BOX, inpainter="telea", return_mask=True)
    original = np.asarray(Image.open(SPOON / "photo.jpg").convert("RGB"))
    assert isinstance(result, Image.Image) and result.size == (600, 400) and result.mode == "RGB"
    assert mask.dtype == np.uint8 and mask.shape == (400, 600) and mask.max() == 255
    out = np.asarray(result)
    assert np.array_equal(out[mask == 0], original[mask == 0])
    assert not np.array_equal(out[mask == 255], original[mask == 255])


def test_array_in_array_out_and_objects_as_groups(scene):
    image, obj = scene
    out = eraser.remove(image, points=[[(80, 60), (85, 62)]], inpainter="ns")
    assert isinstance(out, np.ndarray) and out.shape == image.shape and out.dtype == np.uint8
    red = (out[..., 0] > 180) & (out[..., 1] < 80)
    assert red[obj].mean() < 0.05


def test_pil_with_alpha_keeps_alpha_and_a_mask_array_works(scene):
    image, obj = scene
    alpha = np.full(obj.shape, 200, np.uint8)
    rgba = Image.fromarray(np.dstack([image, alpha]), "RGBA")
    result = eraser.remove(rgba, mask=obj, inpainter="telea")
    assert result.mode == "RGBA"
    assert np.array_equal(np.asarray(result)[..., 3], alpha)


def test_user_mistakes_raise_eraser_error(scene):
    image, _ = scene
    with pytest.raises(eraser.EraserError, match="outside the 160x120 image"):
        eraser.remove(image, points=[(500, 5)])
    with pytest.raises(eraser.EraserError, match="nothing to remove"):
        eraser.remove(image)
    with pytest.raises(eraser.EraserError, match="no such file"):
        eraser.remove("/nonexistent/photo.jpg", box=(0, 0, 5, 5))

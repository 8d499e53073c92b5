"""The overlay PNG the page draws as it comes: read back by an ordinary PNG
reader (Pillow), its indices are the removal mask and its colours the tint
at 0.55 x the mask."""

import io

import numpy as np
import pytest
from PIL import Image

from eraser.serve.tint_png import ALPHA, TINT, tint_png


def test_a_palette_png_whose_indices_are_the_mask_and_whose_colours_are_the_tint():
    mask = np.random.default_rng(0).integers(0, 256, (37, 53), dtype=np.uint8)
    mask[0, :5] = [0, 1, 128, 254, 255]
    image = Image.open(io.BytesIO(tint_png(mask)))
    assert image.mode == "P" and image.size == (53, 37)
    assert np.array_equal(np.asarray(image), mask)
    rgba = np.asarray(image.convert("RGBA"))
    assert (rgba[..., :3] == TINT).all()
    assert np.array_equal(rgba[..., 3], np.round(mask * ALPHA).astype(np.uint8))
    assert list(rgba[0, :5, 3]) == [0, 1, 70, 140, 140]


def test_a_one_pixel_mask_and_an_empty_one():
    for mask in (np.full((1, 1), 255, np.uint8), np.zeros((3, 2), np.uint8)):
        assert np.array_equal(np.asarray(Image.open(io.BytesIO(tint_png(mask)))), mask)


def test_a_mask_with_no_pixels_is_refused_not_written_as_a_broken_png():
    # PNG has no 0-wide or 0-high image: such a file is one no reader opens
    for shape in ((0, 0), (0, 5), (4, 0)):
        with pytest.raises(ValueError, match="no pixels"):
            tint_png(np.zeros(shape, np.uint8))

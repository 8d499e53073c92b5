"""Tests for eraser.io.mask: what a mask file selects, and the fast path for common masks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from eraser.errors import EraserError
from eraser.io import load, load_image, load_mask
from io_helpers import single_line

H, W = 30, 40


def _reference(source) -> np.ndarray:
    """What a mask means, computed the slow, obvious way from the loaded photo."""
    loaded = load_image(source)
    if loaded.alpha is not None and (loaded.alpha < 255).any():
        return loaded.alpha.astype(np.float32) / 255.0
    return loaded.rgb.max(axis=2).astype(np.float32) / 255.0


def _masks() -> dict[str, Image.Image]:
    rng = np.random.default_rng(3)
    gray = rng.integers(0, 256, (H, W), dtype=np.uint8)
    rgb = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
    rgba = rng.integers(0, 256, (H, W, 4), dtype=np.uint8)
    opaque = rgba.copy()
    opaque[:, :, 3] = 255
    masks = {
        "L": Image.fromarray(gray),
        "RGB": Image.fromarray(rgb),
        "RGBA": Image.fromarray(rgba),
        "RGBA opaque": Image.fromarray(opaque),
        "LA": Image.fromarray(rgba[:, :, :2].copy(), "LA"),
        "1": Image.fromarray(gray > 128),
        "P": Image.fromarray(rgb).convert("P"),
        "I;16": Image.fromarray(gray.astype(np.uint16) * 200),
        "F": Image.fromarray(gray.astype(np.float32) * 1.5, "F"),
    }
    palette = Image.fromarray(rgb).convert("P")
    palette.info["transparency"] = 5
    masks["P transparent"] = palette
    return masks


@pytest.mark.parametrize("ext", ["png", "tif"])
@pytest.mark.parametrize("kind", sorted(_masks()))
def test_fast_path_means_what_the_photo_path_means(tmp_path: Path, kind: str, ext: str) -> None:
    im = _masks()[kind]
    path = tmp_path / f"mask.{ext}"
    extra = {"transparency": im.info["transparency"]} if "transparency" in im.info and ext == "png" else {}
    try:
        im.save(path, **extra)
    except OSError:
        pytest.skip(f"Pillow cannot write {kind} as {ext}")
    for source in (path, Image.open(path)):
        mask = load_mask(source, W, H)
        expected = _reference(path)
        assert mask.dtype == np.float32 and mask.shape == (H, W)
        np.testing.assert_array_equal(mask, expected)


@pytest.mark.parametrize("kind", ["L", "RGB", "RGBA", "RGBA opaque", "LA", "1", "P"])
def test_common_masks_skip_the_full_photo_conversion(tmp_path: Path, monkeypatch, kind: str) -> None:
    path = tmp_path / "mask.png"
    _masks()[kind].save(path)
    expected = _reference(path)

    def no_photo(*args, **kwargs):
        raise AssertionError("the slow path was taken")

    monkeypatch.setattr(load, "from_pil", no_photo)
    np.testing.assert_array_equal(load_mask(path, W, H), expected)


def test_alpha_selects_when_there_is_transparency_else_brightness(tmp_path: Path) -> None:
    strokes = np.zeros((H, W, 4), np.uint8)  # black paint on a transparent layer
    strokes[5:10, 5:10, 3] = 255
    mask = load_mask(strokes, W, H)
    assert mask[7, 7] == 1.0 and mask[0, 0] == 0.0
    red = np.zeros((H, W, 3), np.uint8)
    red[5:10, 5:10, 0] = 255  # a red stroke on black counts fully, as white would
    assert load_mask(red, W, H)[7, 7] == 1.0
    half = np.full((H, W), 128, np.uint8)
    assert load_mask(half, W, H)[0, 0] == np.float32(128) / np.float32(255)


def test_arrays(tmp_path: Path) -> None:
    assert load_mask(np.ones((H, W), bool), W, H).min() == 1.0
    floats = np.linspace(-1, 2, H * W).reshape(H, W)
    mask = load_mask(floats, W, H)
    assert mask.dtype == np.float32 and mask.min() == 0.0 and mask.max() == 1.0
    assert load_mask(np.full((H, W), np.inf), W, H).min() == 1.0
    with pytest.raises(EraserError) as error:
        load_mask(np.full((H, W), np.nan), W, H)
    assert "NaN" in single_line(error)
    with pytest.raises(ValueError):
        load_mask(np.zeros((H, W, 2), np.uint8), W, H)


def test_wrong_size_is_refused_before_decoding(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "mask.png"
    Image.new("L", (W + 1, H)).save(path)

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded a mask of the wrong size")

    monkeypatch.setattr(load, "decode", no_decoding)
    with pytest.raises(EraserError) as error:
        load_mask(path, W, H)
    assert single_line(error) == f"the mask is {W + 1}x{H} but the image is {W}x{H}"
    with pytest.raises(EraserError, match="the mask is 40x31"):
        load_mask(np.zeros((H + 1, W), np.uint8), W, H)


def test_a_mask_is_held_to_its_photos_size_not_the_default_limit(tmp_path: Path, monkeypatch) -> None:
    """A photo allowed past --max-pixels has a mask of the same size: that must load too."""
    path = tmp_path / "mask.png"
    Image.new("L", (W, H), 255).save(path)
    limits = []
    read_file = load.read_file

    def spy(path, max_pixels, use):
        limits.append(max_pixels)
        return read_file(path, max_pixels, use)

    monkeypatch.setattr(load, "read_file", spy)
    assert load_mask(path, W, H).min() == 1.0
    assert limits == [W * H]


def test_bad_mask_files_give_one_line(tmp_path: Path) -> None:
    (tmp_path / "notes.png").write_text("not a mask")
    (tmp_path / "ps.png").write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n")
    for name in ("notes.png", "ps.png", "missing.png"):
        with pytest.raises(EraserError) as error:
            load_mask(tmp_path / name, W, H)
        assert name in single_line(error)


@pytest.mark.parametrize("form", ["array", "array 3", "png L", "png P", "png RGBA alpha"])
def test_a_label_mask_of_zeros_and_ones_removes_its_ones(tmp_path, form):
    """A 0/1 uint8 mask (numpy's ``astype(np.uint8)`` of a boolean mask, saved
    as it is) selects its ones fully, not at 1/255: read as grey it erased
    nothing and said nothing."""
    labels = np.zeros((H, W), np.uint8)
    labels[5:20, 10:30] = 1
    if form == "array":
        source = labels
    elif form == "array 3":
        source = np.dstack([labels] * 3)
    elif form == "png RGBA alpha":
        rgba = np.zeros((H, W, 4), np.uint8)
        rgba[:, :, 3] = labels
        source = tmp_path / "m.png"
        Image.fromarray(rgba, "RGBA").save(source)
    else:
        source = tmp_path / "m.png"
        image = Image.fromarray(labels, "L")
        (image.convert("P") if form == "png P" else image).save(source)
    mask = load_mask(source, W, H)
    assert np.array_equal(mask, labels.astype(np.float32))


def test_a_grey_mask_that_reaches_two_is_still_grey():
    """Only a mask of 0 and 1 is a label mask; one of 0, 1 and 2 keeps its grey levels."""
    values = np.zeros((H, W), np.uint8)
    values[0, :3] = [0, 1, 2]
    assert np.allclose(load_mask(values, W, H)[0, :3], [0, 1 / 255, 2 / 255])

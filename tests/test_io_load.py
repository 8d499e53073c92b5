"""Tests for eraser.io.load: decoding formats and pixel modes, bad input, pixel limits."""

from __future__ import annotations

import io
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from eraser.errors import EraserError
from eraser.io import DEFAULT_MAX_PIXELS, default_output_path, load_image, save_image
from io_helpers import blocks, listing, noise, single_line


def test_in_memory_sources() -> None:
    rgb = noise()
    loaded = load_image(rgb)
    np.testing.assert_array_equal(loaded.rgb, rgb)
    assert loaded.alpha is None and not loaded.grayscale and loaded.path is None

    gray = noise(channels=0)
    loaded = load_image(gray)
    assert loaded.grayscale and loaded.rgb.shape == gray.shape + (3,)
    np.testing.assert_array_equal(loaded.rgb[:, :, 1], gray)

    rgba = noise(channels=4)
    loaded = load_image(rgba)
    np.testing.assert_array_equal(loaded.rgb, rgba[:, :, :3])
    np.testing.assert_array_equal(loaded.alpha, rgba[:, :, 3])

    loaded = load_image(Image.fromarray(rgba))
    np.testing.assert_array_equal(loaded.alpha, rgba[:, :, 3])
    with pytest.raises(ValueError):
        load_image(np.zeros((4, 4, 2), np.uint8))


def test_pil_modes() -> None:
    # Palette with a transparent index -> RGBA.
    p = Image.new("P", (4, 4), 0)
    p.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    p.putpixel((1, 1), 1)
    p.info["transparency"] = 0
    loaded = load_image(p)
    assert loaded.alpha is not None and loaded.alpha[0, 0] == 0 and loaded.alpha[1, 1] == 255
    assert tuple(loaded.rgb[1, 1]) == (0, 255, 0) and not loaded.grayscale

    # Palette without transparency -> RGB, no alpha.
    del p.info["transparency"]
    loaded = load_image(p)
    assert loaded.alpha is None and tuple(loaded.rgb[0, 0]) == (255, 0, 0)

    # Bilevel -> gray 0/255.
    loaded = load_image(Image.new("1", (3, 3), 1))
    assert loaded.grayscale and loaded.rgb.max() == 255

    # 16-bit gray is scaled to 8 bits, not clipped.
    wide = np.array([[0, 257, 32896, 65535]], dtype=np.uint16)
    loaded = load_image(Image.fromarray(wide))
    assert loaded.grayscale
    assert loaded.rgb[0, :, 0].tolist() == [0, 1, 128, 255]

    # CMYK without a profile -> naive RGB.
    loaded = load_image(Image.new("CMYK", (2, 2), (0, 255, 255, 0)))
    assert tuple(loaded.rgb[0, 0]) == (255, 0, 0)


def test_16bit_png_file(tmp_path: Path) -> None:
    wide = (np.arange(64, dtype=np.uint16).reshape(8, 8) * 1000).astype(np.uint16)
    src = tmp_path / "deep.png"
    Image.fromarray(wide).save(src)
    loaded = load_image(src)
    assert loaded.grayscale
    expected = ((wide.astype(np.int64) + 128) // 257).astype(np.uint8)
    np.testing.assert_array_equal(loaded.rgb[:, :, 0], expected)
    out = save_image(loaded, loaded.rgb, tmp_path / "out.png")
    with Image.open(out) as back:
        assert back.mode == "L"
        np.testing.assert_array_equal(np.array(back), expected)


def test_unreadable_exif_is_dropped_not_fatal(tmp_path: Path) -> None:
    src = tmp_path / "bad_exif.jpg"
    Image.fromarray(blocks()).save(src, exif=b"Exif\x00\x00MM\x00*\x00\x00\xff\xff")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no Pillow warning reaches the user
        loaded = load_image(src)
    assert loaded.rgb.shape == blocks().shape
    save_image(loaded, loaded.rgb, tmp_path / "out.jpg")


def test_mpo_phone_jpeg_counts_as_jpeg(tmp_path: Path) -> None:
    # Many phone JPEGs carry an MPF extension and open as 'MPO' in Pillow.
    src = tmp_path / "phone.jpg"
    frames = [Image.fromarray(blocks()), Image.fromarray(255 - blocks())]
    frames[0].save(src, format="MPO", save_all=True, append_images=frames[1:], quality=70)
    with Image.open(src) as probe:
        assert probe.format == "MPO"
    loaded = load_image(src)
    assert loaded.format == "JPEG"
    out = save_image(loaded, loaded.rgb, default_output_path(src))
    assert out.name == "phone.erased.jpg"
    with Image.open(src) as a, Image.open(out) as b:
        assert b.format == "JPEG" and a.quantization == b.quantization


def _bad_inputs(folder: Path) -> dict[str, tuple[Path, dict]]:
    good = io.BytesIO()
    Image.fromarray(noise(64, 64)).save(good, format="JPEG", quality=90)
    png = io.BytesIO()
    Image.fromarray(noise(64, 64)).save(png, format="PNG")

    cases: dict[str, tuple[Path, dict]] = {}
    cases["missing"] = (folder / "nope.jpg", {})
    (folder / "adir.jpg").mkdir()
    cases["directory"] = (folder / "adir.jpg", {})
    (folder / "empty.jpg").write_bytes(b"")
    cases["empty"] = (folder / "empty.jpg", {})
    (folder / "notes.jpg").write_text("this is not a picture\n")
    cases["not an image"] = (folder / "notes.jpg", {})
    (folder / "truncated.jpg").write_bytes(good.getvalue()[: len(good.getvalue()) // 2])
    cases["truncated jpeg"] = (folder / "truncated.jpg", {})
    data = bytearray(png.getvalue())
    idat = data.index(b"IDAT")
    data[idat + 20 : idat + 60] = bytes(40)  # garbage inside the compressed stream
    (folder / "corrupt.png").write_bytes(bytes(data))
    cases["corrupt png"] = (folder / "corrupt.png", {})
    (folder / "cut.png").write_bytes(png.getvalue()[:200])
    cases["truncated png"] = (folder / "cut.png", {})
    (folder / "big.png").write_bytes(png.getvalue())
    cases["over max_pixels"] = (folder / "big.png", {"max_pixels": 64 * 64 - 1})
    cases["PIL bomb error"] = (folder / "big.png", {"max_pixels": 100})
    return cases


BAD = ["missing", "directory", "empty", "not an image", "truncated jpeg", "corrupt png",
       "truncated png", "over max_pixels", "PIL bomb error"]


@pytest.mark.parametrize("case", BAD)
def test_bad_input_raises_one_line_eraser_error(tmp_path: Path, case: str) -> None:
    path, kwargs = _bad_inputs(tmp_path)[case]
    before, pillow_limit = listing(tmp_path), Image.MAX_IMAGE_PIXELS
    with pytest.raises(EraserError) as error:
        load_image(path, **kwargs)
    message = single_line(error)
    assert str(path) in message
    if "max_pixels" in case or "bomb" in case:
        assert "--max-pixels" in message
    if case == "over max_pixels":
        assert "64x64" in message
    assert listing(tmp_path) == before
    assert Image.MAX_IMAGE_PIXELS == pillow_limit  # Pillow's global limit restored


def test_max_pixels_can_be_raised_above_pillows_own_limit(tmp_path: Path, monkeypatch) -> None:
    # Pillow refuses images over 2 * MAX_IMAGE_PIXELS by itself; our limit must win.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10)
    src = tmp_path / "in.png"
    Image.fromarray(noise(64, 64)).save(src)
    assert load_image(src, max_pixels=64 * 64).rgb.shape == (64, 64, 3)
    assert Image.MAX_IMAGE_PIXELS == 10
    with pytest.raises(EraserError, match="--max-pixels"):
        load_image(noise(64, 64), max_pixels=100)
    assert DEFAULT_MAX_PIXELS == 100_000_000


def test_truncated_image_with_pil_source() -> None:
    good = io.BytesIO()
    Image.fromarray(noise(64, 64)).save(good, format="JPEG")
    lazy = Image.open(io.BytesIO(good.getvalue()[: len(good.getvalue()) // 2]))
    with pytest.raises(EraserError) as error:
        load_image(lazy)
    single_line(error)


def test_import_is_cheap() -> None:
    code = "import sys, eraser.io; print('pillow_heif' in sys.modules)"
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"

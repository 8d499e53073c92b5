"""Tests for eraser.io.save: per-format save policy, metadata round trips, output names."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, JpegImagePlugin, features

from eraser.errors import EraserError
from eraser.io import (
    default_output_path,
    load_image,
    save_array,
    save_image,
    to_pil,
)
from eraser.io import load
from eraser.io.save import output_format_for
from io_helpers import (
    DATETIME, DATETIME_ORIGINAL, EXIF_IFD, HEIF_SKIP, MAKE, MODEL, ORIENTATION,
    blocks, close_blocks, listing, needs_heif, noise, srgb_icc,
)


LOSSLESS = {"png": "PNG", "tiff": "TIFF", "webp": "WEBP"}


LOSSY = {"jpg": "JPEG", "avif": "AVIF"}


@pytest.mark.parametrize("ext", ["png", "tiff", "webp", "jpg", "avif", "heic"])
def test_round_trip_each_format(tmp_path: Path, ext: str) -> None:
    if ext == "heic" and HEIF_SKIP:
        pytest.skip(HEIF_SKIP)
    if ext == "avif" and not features.check('avif'):
        pytest.skip("this Pillow build cannot write AVIF")
    pixels = blocks()
    src = tmp_path / f"in.{ext}"
    fmt = output_format_for(src, "PNG")
    extra = {"lossless": True} if ext == "webp" else {} if ext in LOSSLESS else {"quality": 95}
    Image.fromarray(pixels).save(src, format=fmt, **extra)

    loaded = load_image(src)
    assert loaded.format == fmt
    assert loaded.path == src
    assert loaded.rgb.shape == pixels.shape and loaded.rgb.dtype == np.uint8
    assert loaded.alpha is None and not loaded.grayscale
    if ext in LOSSLESS:
        np.testing.assert_array_equal(loaded.rgb, pixels)
    else:
        assert close_blocks(loaded.rgb, pixels)

    out = save_image(loaded, loaded.rgb, tmp_path / f"out.{ext}")
    assert out == tmp_path / f"out.{ext}"
    with Image.open(out) as back:
        assert back.format == fmt and back.mode == "RGB"
        again = np.array(back)
    if ext in LOSSLESS:
        np.testing.assert_array_equal(again, pixels)
    else:
        assert close_blocks(again, pixels)
    assert listing(tmp_path) == {f"in.{ext}", f"out.{ext}"}


def test_cross_format_and_explicit_format(tmp_path: Path) -> None:
    pixels = blocks()
    src = tmp_path / "in.png"
    Image.fromarray(pixels).save(src)
    loaded = load_image(src)
    out = save_image(loaded, loaded.rgb, tmp_path / "out.jpg")
    with Image.open(out) as back:
        assert back.format == "JPEG"
    # An explicit format wins over the extension.
    out2 = save_image(loaded, loaded.rgb, tmp_path / "out2.bin", format="png")
    with Image.open(out2) as back:
        assert back.format == "PNG"
        np.testing.assert_array_equal(np.array(back), pixels)
    with pytest.raises(EraserError):
        save_image(loaded, loaded.rgb, tmp_path / "out3.png", format="BMP")


def _oriented_exif(orientation: int) -> Image.Exif:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "Canon"
    exif[MODEL] = "EOS 5D"
    exif[DATETIME] = "2021:06:01 12:00:00"
    exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = "2021:06:01 11:59:59"
    return exif


@pytest.mark.parametrize("ext", ["jpg", "png", "webp", "heic"])
def test_exif_orientation_applied_and_reset(tmp_path: Path, ext: str) -> None:
    if ext == "heic" and HEIF_SKIP:
        pytest.skip(HEIF_SKIP)
    upright = blocks(48, 64)  # what a person sees: 64 wide, 48 tall
    # Orientation 6 means "rotate 90 degrees clockwise to display": store the
    # pixels turned the other way, as a phone held upright does.
    stored = np.ascontiguousarray(np.rot90(upright, k=1))  # 48 wide, 64 tall
    src = tmp_path / f"phone.{ext}"
    fmt = output_format_for(src, "PNG")
    extra = {"lossless": True} if fmt == "WEBP" else {} if fmt == "PNG" else {"quality": 95}
    # Bytes, not an Exif object: only then does pillow-heif turn Orientation
    # into the HEIF 'irot' box that viewers (and libheif) actually follow.
    Image.fromarray(stored).save(
        src, format=fmt, exif=_oriented_exif(6).tobytes(), dpi=(300, 150), **extra
    )

    loaded = load_image(src)
    assert loaded.rgb.shape == upright.shape
    if fmt in ("JPEG", "HEIF"):
        assert close_blocks(loaded.rgb, upright)
    else:
        np.testing.assert_array_equal(loaded.rgb, upright)

    out = save_image(loaded, loaded.rgb, tmp_path / f"out.{ext}")
    with Image.open(out) as back:
        assert back.size == (64, 48)
        exif = back.getexif()
        assert exif.get(ORIENTATION, 1) == 1
        assert exif[MAKE] == "Canon" and exif[MODEL] == "EOS 5D"
        assert exif[DATETIME] == "2021:06:01 12:00:00"
        assert exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] == "2021:06:01 11:59:59"
        if fmt in ("JPEG", "PNG"):  # dpi follows the quarter turn
            assert tuple(round(v) for v in back.info["dpi"]) == (150, 300)
        pixels = np.array(back.convert("RGB"))
    assert close_blocks(pixels, upright)


def test_exif_of_tiff_source_has_no_layout_tags(tmp_path: Path) -> None:
    exif = _oriented_exif(1)
    src = tmp_path / "in.tif"
    Image.fromarray(blocks()).save(src, exif=exif, compression="tiff_lzw")
    loaded = load_image(src)
    out = save_image(loaded, loaded.rgb, tmp_path / "out.jpg")
    with Image.open(out) as back:
        exif = back.getexif()
        assert exif[MAKE] == "Canon"
        assert 273 not in exif and 256 not in exif  # StripOffsets, ImageWidth
    # TIFF -> TIFF keeps the source's lossless compression and the EXIF.
    out = save_image(loaded, loaded.rgb, tmp_path / "out.tif")
    with Image.open(out) as back:
        assert back.info["compression"] == "tiff_lzw"
        assert back.getexif()[MAKE] == "Canon"
        np.testing.assert_array_equal(np.array(back), blocks())


@pytest.mark.parametrize("ext", ["jpg", "png", "webp", "tiff", "heic"])
def test_icc_profile_round_trip(tmp_path: Path, ext: str) -> None:
    if ext == "heic" and HEIF_SKIP:
        pytest.skip(HEIF_SKIP)
    icc = srgb_icc()
    src = tmp_path / f"in.{ext}"
    Image.fromarray(blocks()).save(src, format=output_format_for(src, "PNG"), icc_profile=icc)
    loaded = load_image(src)
    out = save_image(loaded, loaded.rgb, tmp_path / f"out.{ext}")
    with Image.open(out) as back:
        assert back.info.get("icc_profile") == icc


def test_icc_profile_that_does_not_fit_is_dropped(tmp_path: Path) -> None:
    # An RGB profile must not be attached to a grayscale output.
    src = tmp_path / "in.png"
    Image.fromarray(noise(channels=0)).save(src, icc_profile=srgb_icc())
    loaded = load_image(src)
    out = save_image(loaded, loaded.rgb, tmp_path / "out.png")
    with Image.open(out) as back:
        assert back.mode == "L" and "icc_profile" not in back.info


@pytest.mark.parametrize("ext", ["jpg", "png", "tiff"])
def test_dpi_round_trip(tmp_path: Path, ext: str) -> None:
    src = tmp_path / f"in.{ext}"
    Image.fromarray(blocks()).save(src, format=output_format_for(src, "PNG"), dpi=(300, 300))
    loaded = load_image(src)
    out = save_image(loaded, loaded.rgb, tmp_path / f"out.{ext}")
    with Image.open(out) as back:
        assert tuple(round(v) for v in back.info["dpi"]) == (300, 300)


@pytest.mark.parametrize("ext", ["png", "tiff", "webp"])
def test_alpha_bit_exact(tmp_path: Path, ext: str) -> None:
    rgba = noise(channels=4)
    src = tmp_path / f"in.{ext}"
    extra = {"lossless": True, "exact": True} if ext == "webp" else {}
    Image.fromarray(rgba).save(src, format=output_format_for(src, "PNG"), **extra)
    loaded = load_image(src)
    np.testing.assert_array_equal(loaded.alpha, rgba[:, :, 3])
    np.testing.assert_array_equal(loaded.rgb, rgba[:, :, :3])

    out = save_image(loaded, loaded.rgb, tmp_path / f"same.{ext}")
    with Image.open(out) as back:
        assert back.mode == "RGBA"
        np.testing.assert_array_equal(np.array(back), rgba)

    edited = 255 - loaded.rgb  # the eraser changes colour, never alpha
    out = save_image(loaded, edited, tmp_path / f"edited.{ext}")
    with Image.open(out) as back:
        result = np.array(back)
    np.testing.assert_array_equal(result[:, :, 3], rgba[:, :, 3])
    np.testing.assert_array_equal(result[:, :, :3], edited)


def test_gray_alpha_png(tmp_path: Path) -> None:
    la = noise(channels=2)
    src = tmp_path / "in.png"
    Image.fromarray(la).save(src)
    loaded = load_image(src)
    assert loaded.grayscale
    np.testing.assert_array_equal(loaded.alpha, la[:, :, 1])
    out = save_image(loaded, loaded.rgb, tmp_path / "out.png")
    with Image.open(out) as back:
        assert back.mode == "LA"
        np.testing.assert_array_equal(np.array(back), la)


def test_alpha_to_jpeg_is_flattened_onto_white(tmp_path: Path) -> None:
    rgba = np.zeros((16, 16, 4), np.uint8)  # fully transparent black
    loaded = load_image(rgba)
    out = save_image(loaded, loaded.rgb, tmp_path / "out.jpg")
    with Image.open(out) as back:
        assert back.mode == "RGB" and np.array(back).min() > 250


@pytest.mark.parametrize("ext", ["png", "jpg", "tiff"])
def test_grayscale_stays_grayscale(tmp_path: Path, ext: str) -> None:
    gray = blocks()[:, :, 0].copy()
    src = tmp_path / f"in.{ext}"
    Image.fromarray(gray).save(src, format=output_format_for(src, "PNG"))
    loaded = load_image(src)
    assert loaded.grayscale
    assert (loaded.rgb[:, :, 0] == loaded.rgb[:, :, 1]).all()
    out = save_image(loaded, loaded.rgb, tmp_path / f"out.{ext}")
    with Image.open(out) as back:
        assert back.mode == "L"
        if ext != "jpg":
            np.testing.assert_array_equal(np.array(back), gray)


def test_grayscale_output_uses_luminance(tmp_path: Path) -> None:
    loaded = load_image(np.zeros((2, 2), np.uint8))
    rgb = np.zeros((2, 2, 3), np.uint8)
    rgb[..., 0] = 255  # pure red
    out = save_image(loaded, rgb, tmp_path / "out.png")
    with Image.open(out) as back:
        assert back.mode == "L" and np.array(back)[0, 0] == 76  # 0.299 * 255


@needs_heif
def test_heic_round_trip_with_exif(tmp_path: Path) -> None:
    pixels = blocks()
    src = tmp_path / "in.heic"
    Image.fromarray(pixels).save(src, format="HEIF", quality=95, exif=_oriented_exif(1))
    loaded = load_image(src)
    assert loaded.format == "HEIF" and loaded.rgb.shape == pixels.shape
    assert close_blocks(loaded.rgb, pixels)
    out = save_image(loaded, loaded.rgb, tmp_path / "out.heic")
    with Image.open(out) as back:
        assert back.format == "HEIF" and back.size == (64, 48)
        assert back.getexif()[MAKE] == "Canon"
        assert close_blocks(np.array(back), pixels)


@needs_heif
def test_heic_gray_and_alpha(tmp_path: Path) -> None:
    rgba = blocks()
    alpha = np.full(rgba.shape[:2], 255, np.uint8)
    alpha[:, :32] = 0
    loaded = load_image(np.dstack([rgba, alpha]))
    out = save_image(loaded, loaded.rgb, tmp_path / "out.heic")
    with Image.open(out) as back:
        assert back.mode == "RGBA"
        assert np.abs(np.array(back)[:, :, 3].astype(int) - alpha).max() < 3


def test_jpeg_quality_is_kept(tmp_path: Path) -> None:
    skdata = pytest.importorskip("skimage.data")
    src = tmp_path / "astronaut.jpg"
    Image.fromarray(skdata.astronaut()).save(src, quality=60)
    loaded = load_image(src)
    out = save_image(loaded, loaded.rgb, tmp_path / "out.jpg")

    in_size, out_size = src.stat().st_size, out.stat().st_size
    assert abs(out_size - in_size) / in_size < 0.15, (in_size, out_size)
    with Image.open(src) as a, Image.open(out) as b:
        assert a.quantization == b.quantization
        assert JpegImagePlugin.get_sampling(a) == JpegImagePlugin.get_sampling(b)


def test_jpeg_from_non_jpeg_uses_quality_95(tmp_path: Path) -> None:
    pixels = blocks()
    loaded = load_image(pixels)
    out = save_image(loaded, pixels, tmp_path / "out.jpg")
    reference = io.BytesIO()
    Image.fromarray(pixels).save(reference, format="JPEG", quality=95)
    with Image.open(out) as a, Image.open(reference) as b:
        assert a.quantization == b.quantization


def test_lossy_webp_stays_lossy_and_lossless_stays_lossless(tmp_path: Path) -> None:
    pixels = noise(64, 64)
    lossy, lossless = tmp_path / "lossy.webp", tmp_path / "lossless.webp"
    Image.fromarray(pixels).save(lossy, quality=80)
    Image.fromarray(pixels).save(lossless, lossless=True)
    loaded = load_image(lossy)
    assert not loaded._meta.lossless
    out = save_image(loaded, loaded.rgb, tmp_path / "o1.webp")
    assert not load._webp_is_lossless(out)
    loaded = load_image(lossless)
    assert loaded._meta.lossless
    out = save_image(loaded, loaded.rgb, tmp_path / "o2.webp")
    assert load._webp_is_lossless(out)


def test_save_array_writes_masks_and_pictures(tmp_path: Path) -> None:
    mask = noise(channels=0)
    out = save_array(mask, tmp_path / "mask.png")
    with Image.open(out) as back:
        assert back.mode == "L"
        np.testing.assert_array_equal(np.array(back), mask)
    with pytest.raises(EraserError, match="--force"):
        save_array(mask, out)
    picture = noise()
    save_array(picture, out, overwrite=True)
    with Image.open(out) as back:
        np.testing.assert_array_equal(np.array(back), picture)
    assert listing(tmp_path) == {"mask.png"}


def test_to_pil_carries_alpha_gray_and_metadata(tmp_path: Path) -> None:
    src = tmp_path / "in.png"
    rgba = noise(channels=4)
    Image.fromarray(rgba).save(src, icc_profile=srgb_icc(), dpi=(200, 200))
    loaded = load_image(src)
    picture = to_pil(loaded, loaded.rgb)
    assert picture.mode == "RGBA"
    np.testing.assert_array_equal(np.array(picture), rgba)
    assert picture.info["icc_profile"] == srgb_icc()
    assert round(picture.info["dpi"][0]) == 200
    gray = load_image(noise(channels=0))
    assert to_pil(gray, gray.rgb).mode == "L"


def test_default_output_path() -> None:
    assert default_output_path(Path("/a/photo.jpg")) == Path("/a/photo.erased.jpg")
    assert default_output_path(Path("photo.JPG")) == Path("photo.erased.JPG")
    assert default_output_path(Path("x/my.pic.heic"), "clean") == Path("x/my.pic.clean.heic")
    assert default_output_path(Path("scan.bmp")) == Path("scan.erased.png")  # can't write bmp
    assert default_output_path(Path("noext")) == Path("noext.erased.png")


def test_output_format_for() -> None:
    assert output_format_for(Path("a.JPG"), "PNG") == "JPEG"
    assert output_format_for(Path("a.jpeg"), "PNG") == "JPEG"
    assert output_format_for(Path("a.tif"), "PNG") == "TIFF"
    assert output_format_for(Path("a.heic"), "PNG") == "HEIF"
    assert output_format_for(Path("a.webp"), "PNG") == "WEBP"
    assert output_format_for(Path("a"), "JPEG") == "JPEG"
    assert output_format_for(Path("a"), "MPO") == "JPEG"
    assert output_format_for(Path("a"), "BMP") == "PNG"
    with pytest.raises(EraserError):
        output_format_for(Path("a.gif"), "PNG")

"""Tests for eraser.imageio: formats, metadata, bad input and atomic writes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms, JpegImagePlugin, features

from eraser import imageio
from eraser.errors import EraserError
from eraser.imageio import (
    DEFAULT_MAX_PIXELS,
    LoadedImage,
    check_output,
    default_output_path,
    load_image,
    output_format_for,
    save_array,
    save_image,
    to_pil,
)

ORIENTATION, MAKE, MODEL, DATETIME = 0x0112, 0x010F, 0x0110, 0x0132
EXIF_IFD, DATETIME_ORIGINAL = 0x8769, 0x9003


def _heif_encoder_available() -> str | None:
    """None if pillow-heif can write HEIF here, else why not."""
    try:
        import pillow_heif
    except ImportError:
        return "pillow-heif is not installed"
    if not pillow_heif.libheif_info().get("HEIF"):
        return "libheif in this pillow-heif build has no HEVC encoder"
    try:
        pillow_heif.register_heif_opener()
        Image.new("RGB", (8, 8)).save(io.BytesIO(), format="HEIF")
    except Exception as e:  # noqa: BLE001 - any failure means "cannot encode here"
        return f"HEIF encoding failed: {e}"
    return None


HEIF_SKIP = _heif_encoder_available()
needs_heif = pytest.mark.skipif(HEIF_SKIP is not None, reason=str(HEIF_SKIP))


def blocks(height: int = 48, width: int = 64) -> np.ndarray:
    """Flat 16x16 colour blocks: survive lossy codecs nearly unchanged."""
    rng = np.random.default_rng(1)
    colors = rng.integers(0, 256, size=(height // 16 + 1, width // 16 + 1, 3), dtype=np.uint8)
    return np.ascontiguousarray(colors.repeat(16, 0).repeat(16, 1)[:height, :width])


def noise(height: int = 32, width: int = 40, channels: int = 3, seed: int = 0) -> np.ndarray:
    shape = (height, width, channels) if channels else (height, width)
    return np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)


def listing(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def single_line(error: pytest.ExceptionInfo[EraserError]) -> str:
    message = str(error.value)
    assert message and "\n" not in message
    return message


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def close_blocks(a: np.ndarray, b: np.ndarray, tolerance: int = 8) -> bool:
    """Compare the centres of the 16x16 blocks of ``blocks()``: lossy codecs
    blur the edges between unrelated colours, not the flat insides."""
    centres = (slice(8, None, 16), slice(8, None, 16))
    return int(np.abs(a[centres].astype(int) - b[centres].astype(int)).max()) <= tolerance


# ----------------------------------------------------------------- round trips

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
    fmt = imageio.output_format_for(src, "PNG")
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


# ------------------------------------------------------------ EXIF orientation


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


def test_unreadable_exif_is_dropped_not_fatal(tmp_path: Path) -> None:
    src = tmp_path / "bad_exif.jpg"
    Image.fromarray(blocks()).save(src, exif=b"Exif\x00\x00MM\x00*\x00\x00\xff\xff")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no Pillow warning reaches the user
        loaded = load_image(src)
    assert loaded.rgb.shape == blocks().shape
    save_image(loaded, loaded.rgb, tmp_path / "out.jpg")


# ---------------------------------------------------------------- ICC and DPI


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


# ----------------------------------------------------------- alpha, grayscale


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


# ------------------------------------------------------------------- HEIF


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


# --------------------------------------------------------------- JPEG quality


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


def test_lossy_webp_stays_lossy_and_lossless_stays_lossless(tmp_path: Path) -> None:
    pixels = noise(64, 64)
    lossy, lossless = tmp_path / "lossy.webp", tmp_path / "lossless.webp"
    Image.fromarray(pixels).save(lossy, quality=80)
    Image.fromarray(pixels).save(lossless, lossless=True)
    loaded = load_image(lossy)
    assert not loaded._meta.lossless
    out = save_image(loaded, loaded.rgb, tmp_path / "o1.webp")
    assert not imageio._webp_is_lossless(out)
    loaded = load_image(lossless)
    assert loaded._meta.lossless
    out = save_image(loaded, loaded.rgb, tmp_path / "o2.webp")
    assert imageio._webp_is_lossless(out)


# ------------------------------------------------------------------ bad input


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


# -------------------------------------------------------------------- writing


def _loaded_from_file(folder: Path) -> LoadedImage:
    src = folder / "photo.png"
    Image.fromarray(blocks()).save(src)
    return load_image(src)


def test_refuses_existing_destination_without_overwrite(tmp_path: Path) -> None:
    loaded = _loaded_from_file(tmp_path)
    dest = tmp_path / "out.png"
    dest.write_bytes(b"keep me")
    with pytest.raises(EraserError) as error:
        save_image(loaded, loaded.rgb, dest)
    assert "--force" in single_line(error)
    assert dest.read_bytes() == b"keep me"
    save_image(loaded, loaded.rgb, dest, overwrite=True)
    with Image.open(dest) as back:
        np.testing.assert_array_equal(np.array(back), blocks())
    assert listing(tmp_path) == {"photo.png", "out.png"}


def test_never_overwrites_the_input(tmp_path: Path) -> None:
    loaded = _loaded_from_file(tmp_path)
    before = (tmp_path / "photo.png").read_bytes()
    (tmp_path / "sub").mkdir()
    spellings = [tmp_path / "photo.png", tmp_path / "sub" / ".." / "photo.png"]
    os.symlink(tmp_path / "photo.png", tmp_path / "link.png")
    spellings.append(tmp_path / "link.png")
    for dest in spellings:
        with pytest.raises(EraserError) as error:
            save_image(loaded, 255 - loaded.rgb, dest, overwrite=True)
        assert "input" in single_line(error)
    assert (tmp_path / "photo.png").read_bytes() == before
    assert listing(tmp_path) == {"photo.png", "sub", "link.png"}


def test_missing_or_unwritable_folder(tmp_path: Path) -> None:
    loaded = load_image(blocks())
    with pytest.raises(EraserError) as error:
        save_image(loaded, loaded.rgb, tmp_path / "nowhere" / "out.png")
    assert "does not exist" in single_line(error)


def test_unwritable_folder(tmp_path: Path, monkeypatch) -> None:
    loaded = load_image(blocks())
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # root ignores folder permissions: pretend
            monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)
        with pytest.raises(EraserError) as error:
            save_image(loaded, loaded.rgb, locked / "out.png")
        assert "not writable" in single_line(error)
        assert listing(locked) == set()
    finally:
        locked.chmod(0o700)


def test_temp_file_cannot_be_created(tmp_path: Path, monkeypatch) -> None:
    loaded = load_image(blocks())

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(imageio.tempfile, "mkstemp", refuse)
    with pytest.raises(EraserError) as error:
        save_image(loaded, loaded.rgb, tmp_path / "out.png")
    assert "Permission denied" in single_line(error)
    assert listing(tmp_path) == set()


def test_destination_is_a_directory(tmp_path: Path) -> None:
    loaded = load_image(blocks())
    (tmp_path / "out.png").mkdir()
    with pytest.raises(EraserError) as error:
        save_image(loaded, loaded.rgb, tmp_path / "out.png", overwrite=True)
    single_line(error)


def test_unsupported_extension(tmp_path: Path) -> None:
    loaded = load_image(blocks())
    with pytest.raises(EraserError) as error:
        save_image(loaded, loaded.rgb, tmp_path / "out.xyz")
    assert ".xyz" in single_line(error)
    assert listing(tmp_path) == set()


@pytest.mark.parametrize("exc", [OSError("No space left on device"), RuntimeError("boom")])
def test_failed_write_leaves_nothing_behind(tmp_path: Path, monkeypatch, exc: Exception) -> None:
    loaded = _loaded_from_file(tmp_path)
    dest = tmp_path / "out.png"
    dest.write_bytes(b"previous result")

    def failing_save(self, fp, *args, **kwargs):
        fp.write(b"partial data")
        raise exc

    monkeypatch.setattr(Image.Image, "save", failing_save)
    expected = EraserError if isinstance(exc, OSError) else RuntimeError
    with pytest.raises(expected) as error:
        save_image(loaded, loaded.rgb, dest, overwrite=True)
    if expected is EraserError:
        assert "No space left" in single_line(error)
    assert dest.read_bytes() == b"previous result"
    assert listing(tmp_path) == {"photo.png", "out.png"}


def test_new_file_permissions_follow_umask(tmp_path: Path) -> None:
    loaded = load_image(blocks())
    out = save_image(loaded, loaded.rgb, tmp_path / "out.png")
    mask = os.umask(0)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask


def test_rgb_shape_must_match(tmp_path: Path) -> None:
    loaded = load_image(blocks())
    with pytest.raises(ValueError):
        save_image(loaded, np.zeros((2, 2, 3), np.uint8), tmp_path / "out.png")
    assert listing(tmp_path) == set()


# ------------------------------------------------- helpers the CLI and API use


def test_check_output_fails_before_any_work(tmp_path: Path) -> None:
    src = tmp_path / "photo.jpg"
    Image.fromarray(blocks()).save(src)
    assert check_output(tmp_path / "out.webp", source=src) == "WEBP"
    for dest, overwrite, words in [
        (src, True, "input"),
        (tmp_path / "out.gif", False, ".gif"),
        (tmp_path / "missing" / "out.png", False, "does not exist"),
    ]:
        with pytest.raises(EraserError) as error:
            check_output(dest, source=src, overwrite=overwrite)
        assert words in single_line(error)
    (tmp_path / "taken.png").write_bytes(b"x")
    with pytest.raises(EraserError, match="--force"):
        check_output(tmp_path / "taken.png")
    check_output(tmp_path / "taken.png", overwrite=True)
    assert listing(tmp_path) == {"photo.jpg", "taken.png"}


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


# ---------------------------------------------------------------------- names


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


def test_import_is_cheap() -> None:
    code = "import sys, eraser.imageio; print('pillow_heif' in sys.modules)"
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"

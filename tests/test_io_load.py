"""Tests for eraser.io.load: decoding formats and pixel modes, bad input, pixel limits."""

from __future__ import annotations

import io
import os
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


# ------------------------------------------------- allow-listed decoders only

EPS = (
    b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n"
    b"newpath 0 0 moveto 10 10 lineto stroke\nshowpage\n%%EOF\n"
)


@pytest.mark.parametrize("name", ["photo.jpg", "photo.png", "photo.tif"])
def test_postscript_under_a_photo_name_never_reaches_the_eps_decoder(tmp_path: Path, monkeypatch, name: str) -> None:
    src = tmp_path / name
    src.write_bytes(EPS)
    with Image.open(src) as im:  # what Pillow alone would do: hand it to its EPS plugin
        assert im.format == "EPS"
    calls = []
    Image.init()
    factory, accept = Image.OPEN["EPS"]

    def spy(*args, **kwargs):
        calls.append(args)
        return factory(*args, **kwargs)

    monkeypatch.setitem(Image.OPEN, "EPS", (spy, accept))
    with pytest.raises(EraserError) as error:
        load_image(src)
    message = single_line(error)
    assert str(src) in message and "JPEG" in message  # says what it does read
    assert calls == []


@pytest.mark.parametrize("fmt", ["PDF", "ICO", "PPM", "TGA", "PCX", "SGI", "JPEG2000"])
def test_formats_outside_the_allow_list_are_refused(tmp_path: Path, fmt: str) -> None:
    src = tmp_path / "photo.png"
    Image.fromarray(noise(16, 16)).save(src, format=fmt)
    with pytest.raises(EraserError) as error:
        load_image(src)
    assert "cannot read" in single_line(error)


@pytest.mark.parametrize("ext, fmt", [("bmp", "BMP"), ("gif", "GIF"), ("webp", "WEBP"), ("tif", "TIFF")])
def test_allowed_formats_still_load(tmp_path: Path, ext: str, fmt: str) -> None:
    src = tmp_path / f"photo.{ext}"
    Image.fromarray(blocks()).save(src)
    loaded = load_image(src)
    assert loaded.format == fmt and loaded.rgb.shape == blocks().shape and loaded.notices == []


# ------------------------------------------------------------- multi-frame


@pytest.mark.parametrize("ext", ["tif", "gif", "webp", "png"])
def test_multi_frame_input_edits_the_first_frame_and_says_so(tmp_path: Path, ext: str) -> None:
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    frames = [Image.new("RGB", (16, 12), c) for c in colours]
    src = tmp_path / f"pages.{ext}"
    extra = {"duration": 100} if ext != "tif" else {}
    if ext == "webp":
        extra["lossless"] = True
    frames[0].save(src, save_all=True, append_images=frames[1:], **extra)
    loaded = load_image(src)
    assert tuple(loaded.rgb[5, 5]) == (255, 0, 0)  # the first frame, not another
    assert len(loaded.notices) == 1
    notice = loaded.notices[0]
    assert str(src) in notice and "first" in notice and "\n" not in notice
    if ext != "gif":
        assert "3 frames" in notice
    single = tmp_path / f"one.{ext}"
    frames[0].save(single)
    assert load_image(single).notices == []


def test_phone_mpo_gets_no_frames_notice(tmp_path: Path) -> None:
    src = tmp_path / "phone.jpg"
    Image.fromarray(blocks()).save(src, format="MPO", save_all=True, append_images=[Image.fromarray(blocks())])
    loaded = load_image(src)
    assert loaded.format == "JPEG" and loaded.notices == []


# ------------------------------------------------------------- pixel formats


def test_nan_and_inf_in_a_float_tiff_load_without_numpy_warnings(tmp_path: Path) -> None:
    values = np.array([[np.nan, np.inf, -np.inf, 1e30, -1e30, 100.4, 300.0, -5.0]], np.float32)
    src = tmp_path / "float.tif"
    Image.fromarray(values, "F").save(src)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = load_image(src)
    assert caught == []
    assert loaded.rgb[0, :, 0].tolist() == [0, 255, 0, 255, 0, 100, 255, 0]
    # And as a user sees it: nothing on stderr of a fresh interpreter.
    code = f"from eraser.io import load_image; load_image({str(src)!r})"
    result = subprocess.run([sys.executable, "-W", "default", "-c", code], capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == ""


def _deep_png(width: int, height: int, channels: int, seed: int = 0) -> tuple[bytes, np.ndarray]:
    """A 16-bit RGB or RGBA PNG (Pillow cannot write them) and its samples."""
    import struct
    import zlib

    samples = np.random.default_rng(seed).integers(0, 65536, (height, width, channels), dtype=np.uint16)
    rows = b"".join(b"\x00" + row.astype(">u2").tobytes() for row in samples)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    colour = {3: 2, 4: 6}[channels]
    header = struct.pack(">IIBBBBB", width, height, 16, colour, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return data, samples


PIXEL_FORMATS = {
    "LA png": lambda: Image.fromarray(noise(channels=2), "LA"),
    "LA tif": lambda: Image.fromarray(noise(channels=2), "LA"),
    "P png": lambda: Image.fromarray(noise(channels=0)).convert("P"),
    "P gif": lambda: Image.fromarray(noise()).convert("P"),
    "CMYK jpg": lambda: Image.new("CMYK", (20, 10), (10, 200, 30, 40)),
    "CMYK tif": lambda: Image.new("CMYK", (20, 10), (10, 200, 30, 40)),
    "I;16 tif": lambda: Image.fromarray(np.arange(200, dtype=np.uint16).reshape(10, 20) * 300),
    "I tif": lambda: Image.fromarray(np.arange(-100, 100, dtype=np.int32).reshape(10, 20) * 1000, "I"),
    "F tif": lambda: Image.fromarray(np.linspace(-10, 300, 200, dtype=np.float32).reshape(10, 20), "F"),
    "1 png": lambda: Image.new("1", (20, 10), 1),
    "LAB tif": lambda: Image.new("LAB", (20, 10), (50, 10, 10)),
    "YCbCr jpg": lambda: Image.new("YCbCr", (20, 10), (100, 120, 140)),
}


@pytest.mark.parametrize("case", sorted(PIXEL_FORMATS))
def test_odd_pixel_formats_load_and_save(tmp_path: Path, case: str) -> None:
    ext = case.split()[1]
    src = tmp_path / f"in.{ext}"
    PIXEL_FORMATS[case]().save(src)
    loaded = load_image(src)
    assert loaded.rgb.dtype == np.uint8 and loaded.rgb.ndim == 3 and loaded.rgb.shape[2] == 3
    if case.startswith("LA "):
        assert loaded.alpha is not None and loaded.grayscale
    else:
        assert loaded.alpha is None  # (LAB's "A" band is a colour, not transparency)
    out = save_image(loaded, loaded.rgb, tmp_path / "out.png")
    assert load_image(out).rgb.shape == loaded.rgb.shape


@pytest.mark.parametrize("channels", [3, 4])
def test_16_bit_colour_png(tmp_path: Path, channels: int) -> None:
    data, samples = _deep_png(12, 9, channels)
    src = tmp_path / "deep.png"
    src.write_bytes(data)
    loaded = load_image(src)
    assert loaded.rgb.shape == (9, 12, 3) and (loaded.alpha is not None) == (channels == 4)
    expected = (samples[:, :, :3] >> 8).astype(np.uint8)  # Pillow keeps the high byte
    assert np.abs(loaded.rgb.astype(int) - expected).max() <= 1


# ------------------------------------------------------------- thread safety


def test_concurrent_loads_with_different_limits_leave_pillow_alone(tmp_path: Path, monkeypatch) -> None:
    import threading

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # below the image: only ours may decide
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show up
    src = tmp_path / "in.png"
    Image.fromarray(noise(64, 64)).save(src)
    filters_before = list(warnings.filters)
    limits = [64 * 64 - 1, 64 * 64, 10**9, 100] * 8
    barrier = threading.Barrier(len(limits))
    outcomes: dict[int, str] = {}

    def work(i: int, limit: int) -> None:
        barrier.wait()
        try:
            for _ in range(5):
                load_image(src, max_pixels=limit)
            outcomes[i] = "ok"
        except EraserError as e:
            outcomes[i] = "refused" if "--max-pixels" in str(e) else f"other: {e}"
        except Exception as e:  # noqa: BLE001 - the test reports it
            outcomes[i] = f"crash: {e!r}"

    threads = [threading.Thread(target=work, args=(i, limit)) for i, limit in enumerate(limits)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    expected = {i: "ok" if limit >= 64 * 64 else "refused" for i, limit in enumerate(limits)}
    assert outcomes == expected
    assert Image.MAX_IMAGE_PIXELS == 1000
    assert warnings.filters == filters_before


def test_fifo_or_device_as_input_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "photo.png"
    os.mkfifo(fifo)  # opening it to read would wait for a writer forever
    for path, kind in [(fifo, "FIFO"), (Path("/dev/zero"), "device")]:
        with pytest.raises(EraserError) as error:
            load_image(path)
        assert kind in single_line(error) and str(path) in single_line(error)

"""Decoding photos into upright 8-bit RGB without losing what makes them the user's photo.

``load_image`` turns a file (or an in-memory image) into upright 8-bit RGB plus
an optional alpha channel, and remembers the metadata needed to write the result
back faithfully (see :mod:`eraser.io.save`): EXIF (Orientation reset to 1), XMP,
ICC profile, DPI, and for JPEG the quantization tables and chroma subsampling.

Decisions worth knowing:

* 16-bit sources (``I;16``, ``I``) are reduced to 8 bits (``round(v / 257)``).
  ``F`` (float) images are clipped to 0..255.
* Palette images become RGB, or RGBA when they have transparency.
* The EXIF thumbnail (IFD1) is dropped: it would still show the unedited photo.
* In-memory sources (arrays, PIL images without a format) report ``format``
  ``'PNG'``, the lossless default.
"""

from __future__ import annotations

import io
import numbers
import os
import struct
import stat
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Callable, TypeVar

import numpy as np
from PIL import Image, ImageOps, JpegImagePlugin

from eraser.defaults import DEFAULT_MAX_PIXELS
from eraser.errors import EraserError
from eraser.floats import shown
from eraser.io.decoding import decoding, register_heif
from eraser.io.files import kind_of
from eraser.io.pixels import to_rgb
from eraser.io.files import reason as _reason

_ORIENTATION = 0x0112
_FORMAT_ALIASES = {"JPG": "JPEG", "MPO": "JPEG", "TIF": "TIFF", "HEIC": "HEIF"}

# TIFF tags that describe the pixel layout of the *source* file. They show up in
# getexif() for TIFF sources and would be wrong (or huge) in the output's EXIF.
_STRUCTURAL_TAGS = frozenset({
    254, 255, 256, 257, 258, 259, 262, 263, 266, 273, 277, 278, 279, 280, 281,
    284, 317, 320, 322, 323, 324, 325, 338, 339, 340, 341, 347, 513, 514, 529,
    530, 532, 700, 33723, 34377, 34675, 37724,
})
LOSSLESS_TIFF = frozenset({"raw", "tiff_lzw", "tiff_adobe_deflate", "tiff_deflate", "packbits"})

# What a decoder may raise on a malformed file; any of these is the file's fault.
_DECODE_ERRORS: tuple[type[BaseException], ...] = (
    OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError,
    RuntimeError, struct.error, ZeroDivisionError,
)
_TOO_BIG = Image.DecompressionBombError
T = TypeVar("T")

# Pillow decoders a photo may arrive in, in the order they are tried. Formats
# outside this list (EPS/PostScript, PDF, PSD, ICO, FITS, ...) are refused
# even under a photo's file name. MPO (phone JPEGs) opens through JPEG.
READABLE = ("JPEG", "PNG", "WEBP", "TIFF", "HEIF", "AVIF", "BMP", "GIF")
READABLE_NAMES = ("JPEG", "PNG", "WebP", "TIFF", "HEIF/HEIC", "AVIF", "BMP", "GIF")


@dataclass(frozen=True)
class SaveMeta:
    """What the source carried that the output should carry too."""

    icc_profile: bytes | None = None
    exif: bytes | None = None  # serialized with the "Exif\0\0" header, Orientation = 1
    xmp: bytes | None = None
    dpi: tuple[float, float] | None = None
    jpeg_qtables: list[list[int]] | None = None
    jpeg_subsampling: int = -1  # -1: Pillow's default
    jpeg_progressive: bool = False
    lossless: bool = True  # was the source lossless? (picks WebP mode)
    tiff_compression: str | None = None


@dataclass
class LoadedImage:
    rgb: np.ndarray  # HxWx3 uint8, EXIF orientation already applied
    alpha: np.ndarray | None  # HxW uint8, or None when the source had no alpha
    grayscale: bool  # source was single-channel: rgb has 3 equal channels
    format: str  # Pillow format name of the source ('JPEG', 'PNG', ...)
    path: Path | None = None  # source path when loaded from a file
    _meta: SaveMeta = field(default_factory=SaveMeta, repr=False)
    # One line each for the user, e.g. that only the first page of a TIFF is edited.
    notices: list[str] = field(default_factory=list)


# --------------------------------------------------------------------- loading


def load_image(
    source: str | Path | Image.Image | np.ndarray, max_pixels: int = DEFAULT_MAX_PIXELS
) -> LoadedImage:
    """Load a file, PIL image, uint8 array, or an image file's bytes (``bytes``
    or a binary file object) as upright RGB (+ alpha)."""
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, numbers.Integral) or max_pixels <= 0:
        raise EraserError(f"--max-pixels must be a positive whole number, not {shown(max_pixels)}")
    if isinstance(source, np.ndarray):
        return from_array(source, max_pixels)
    if isinstance(source, Image.Image):
        name = str(getattr(source, "filename", "") or "image")
        with decoding(max_pixels):
            return from_pil(source, name, None, max_pixels)
    if isinstance(source, (bytes, bytearray, memoryview)) or hasattr(source, "read"):
        return _from_stream(source, max_pixels)
    if not isinstance(source, (str, Path)) or not str(source):
        raise EraserError(f"expected an image path, PIL image, uint8 array or image bytes, not {type(source).__name__}")
    return _from_file(Path(source), max_pixels)


def _from_stream(source, max_pixels: int) -> LoadedImage:
    """An image file's bytes, given as bytes or a binary file object."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, name = bytes(source), "image bytes"
    else:
        try:
            data = source.read()
        except (OSError, ValueError) as e:
            raise EraserError(f"cannot read the image stream ({_reason(e)})") from None
        if not isinstance(data, bytes):
            raise EraserError("an image stream must be opened in binary mode")
        name = "image stream"
    if not data:
        raise EraserError(f"{name}: empty")
    register_heif()
    with decoding(max_pixels):
        try:
            im = _open(io.BytesIO(data), name)
            if im is None:
                raise EraserError(f"{name}: not an image, or a format this tool cannot read (it reads {', '.join(READABLE_NAMES)})")
            with im:
                return from_pil(im, name, None, max_pixels)
        except EraserError:
            raise
        except _TOO_BIG:
            raise EraserError(_too_big_message(name, None, max_pixels)) from None
        except (OSError, *_DECODE_ERRORS) as e:
            raise EraserError(f"{name}: not a valid image ({_reason(e)})") from None


def _from_file(path: Path, max_pixels: int) -> LoadedImage:
    return read_file(path, max_pixels, lambda im: from_pil(im, str(path), path, max_pixels))


def read_file(path: Path, max_pixels: int, use: Callable[[Image.Image], T]) -> T:
    """``use(im)`` on the opened (not yet decoded) image file, with every way a
    bad file can fail turned into a one-line EraserError naming it."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise EraserError(f"{path}: no such file") from None
    except OSError as e:
        raise EraserError(f"{path}: cannot read ({_reason(e)})") from None
    if stat.S_ISDIR(st.st_mode):
        raise EraserError(f"{path}: is a directory, not an image")
    if not stat.S_ISREG(st.st_mode):  # reading a FIFO or device could block or never end
        raise EraserError(f"{path}: is a {kind_of(st.st_mode)}, not an image file")
    if st.st_size == 0:
        raise EraserError(f"{path}: file is empty")

    register_heif()
    with decoding(max_pixels):
        try:
            with open(path, "rb") as fp:
                im = _open(fp, str(path))
                if im is None:
                    raise EraserError(
                        f"{path}: not an image, or a format this tool cannot read "
                        f"(it reads {', '.join(READABLE_NAMES)})"
                    )
                with im:
                    return use(im)
        except EraserError:
            raise
        except _TOO_BIG:
            raise EraserError(_too_big_message(path, None, max_pixels)) from None
        except OSError as e:
            raise EraserError(f"{path}: cannot read ({_reason(e)})") from None
        except _DECODE_ERRORS as e:
            raise EraserError(f"{path}: not a valid image ({_reason(e)})") from None


def _open(fp: BinaryIO, filename: str) -> Image.Image | None:
    """``Image.open(fp, formats=READABLE)`` without Pillow's global pixel limit.

    Only image decoders on the allow-list get to see the file (a PostScript
    file named .jpg never reaches the EPS plugin and Ghostscript). Pillow's
    ``Image.open`` would also apply ``Image.MAX_IMAGE_PIXELS``, a process-wide
    setting; our own limit is checked right after this, from the header.
    """
    prefix = fp.read(16)
    for fmt in READABLE:
        if fmt not in Image.OPEN:
            Image.init()  # registers Pillow's plugins (once)
        if fmt not in Image.OPEN:
            continue  # e.g. HEIF without pillow-heif
        factory, accept = Image.OPEN[fmt]
        if accept is not None:
            verdict = accept(prefix)  # a str means "looks like it, but no decoder here"
            if isinstance(verdict, str) or not verdict:
                continue
        fp.seek(0)
        try:
            return factory(fp, filename)
        except (SyntaxError, IndexError, TypeError, struct.error):
            continue  # not this format after all: try the next one, as Image.open does
    return None


def from_pil(im: Image.Image, name: str, path: Path | None, max_pixels: int) -> LoadedImage:
    notices = decode(im, name, max_pixels)
    fmt = canonical(im.format) if im.format else "PNG"
    orientation, exif = _upright_exif(im)
    upright = im
    if orientation != 1:  # (TIFF and HEIF sources arrive upright already)
        try:
            upright = ImageOps.exif_transpose(im)
        except _DECODE_ERRORS:  # unusable EXIF: show the pixels as stored
            orientation, exif = 1, None

    dpi = _positive_pair(im.info.get("dpi"))
    if dpi and orientation in (5, 6, 7, 8):  # rotated a quarter turn: swap x and y
        dpi = (dpi[1], dpi[0])
    xmp = upright.info.get("xmp")  # exif_transpose already removed its Orientation

    rgb, alpha, grayscale, icc = to_rgb(upright, im.info.get("icc_profile") or None)
    meta = SaveMeta(
        icc_profile=icc,
        exif=exif,
        xmp=xmp.encode() if isinstance(xmp, str) else (xmp or None),
        dpi=dpi,
        lossless=_is_lossless(im, fmt, path),
        tiff_compression=im.info.get("compression") if fmt == "TIFF" else None,
    )
    if isinstance(im, JpegImagePlugin.JpegImageFile):  # includes MPO (phone JPEGs)
        tables = getattr(im, "quantization", None)
        if tables:
            meta = replace(
                meta,
                jpeg_qtables=[list(tables[k]) for k in sorted(tables)],
                jpeg_subsampling=JpegImagePlugin.get_sampling(im),
                jpeg_progressive=bool(im.info.get("progressive")),
            )
    return LoadedImage(rgb, alpha, grayscale, fmt, path, meta, notices)


def decode(im: Image.Image, name: str, max_pixels: int) -> list[str]:
    """Check the size from the header, then decode the first frame; returns notices."""
    width, height = im.size
    if width * height > max_pixels:  # header only so far: no pixels decoded yet
        raise EraserError(_too_big_message(name, im.size, max_pixels))
    if width == 0 or height == 0:
        raise EraserError(f"{name}: image has no pixels")
    notices = _frames_notice(im, name, canonical(im.format) if im.format else "PNG")  # (seeks)
    try:
        im.load()  # decode everything now so truncation shows up here
    except _TOO_BIG:
        raise EraserError(_too_big_message(name, None, max_pixels)) from None
    except _DECODE_ERRORS as e:
        raise EraserError(f"{name}: truncated or corrupt image ({_reason(e)})") from None
    return notices


def _frames_notice(im: Image.Image, name: str, fmt: str) -> list[str]:
    """Multi-page TIFFs and animations: only the first frame is edited, and we say so.

    (A phone's MPO JPEG carries preview and depth images besides the photo;
    they are not frames a person edits, so no notice for those.)
    """
    if fmt == "JPEG":
        return []
    try:
        if not getattr(im, "is_animated", False):
            return []
        if fmt != "GIF":  # (counting a GIF's frames means decoding them all)
            return [f"{name} has {im.n_frames} frames (pages); only the first is edited and written"]
    except _DECODE_ERRORS:
        pass
    return [f"{name} has several frames; only the first is edited and written"]


def from_array(array: np.ndarray, max_pixels: int | None) -> LoadedImage:
    """A uint8 array: HxW (gray), HxWx1, HxWx3 (RGB) or HxWx4 (RGBA). Other
    dtypes are refused rather than guessed at (is a float 0..1 or 0..255?)."""
    if array.dtype != np.uint8:
        raise EraserError(
            f"expected a uint8 image array, got {array.dtype}: convert it first, e.g. "
            "(np.clip(a, 0, 1) * 255).round().astype(np.uint8) for floats in 0..1"
        )
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise EraserError(f"expected an HxW, HxWx3 or HxWx4 image array, got shape {array.shape}")
    height, width = array.shape[:2]
    if height == 0 or width == 0:
        raise EraserError(f"the image array is empty (shape {array.shape})")
    if max_pixels is not None and width * height > max_pixels:
        raise EraserError(_too_big_message("image", (width, height), max_pixels))
    if array.ndim == 2:
        return LoadedImage(np.repeat(array[:, :, None], 3, axis=2), None, True, "PNG")
    alpha = array[:, :, 3].copy() if array.shape[2] == 4 else None
    return LoadedImage(np.ascontiguousarray(array[:, :, :3]), alpha, False, "PNG")


def _upright_exif(im: Image.Image) -> tuple[int, bytes | None]:
    """The source's Orientation and its EXIF re-serialized with Orientation = 1.

    Re-serializing (instead of copying the raw block) drops IFD1, the embedded
    thumbnail, which would otherwise still show the unedited picture.
    """
    try:
        source = im.getexif()
        orientation = int(source.get(_ORIENTATION, 1))
        if not source:
            return orientation, None
        exif = Image.Exif()  # a copy: leave the caller's image untouched
        exif.load(source.tobytes())
        for tag in _STRUCTURAL_TAGS & set(exif):
            del exif[tag]
        if _ORIENTATION in exif:
            exif[_ORIENTATION] = 1
        return orientation, (exif.tobytes() if exif else None)
    except _DECODE_ERRORS:
        return 1, None  # malformed EXIF: keep the pixels, lose the metadata


def _is_lossless(im: Image.Image, fmt: str, path: Path | None) -> bool:
    if fmt in ("JPEG", "HEIF", "AVIF"):
        return False
    if fmt == "TIFF":
        return im.info.get("compression") in LOSSLESS_TIFF | {None}
    if fmt == "WEBP":
        source = path or getattr(im, "filename", None)
        return bool(source) and _webp_is_lossless(Path(source))
    return True


def _webp_is_lossless(path: Path) -> bool:
    """Walk the RIFF chunks to the image data: 'VP8L' is lossless, 'VP8 ' lossy."""
    try:
        with open(path, "rb") as f:
            if f.read(12)[8:12] != b"WEBP":
                return False
            while header := f.read(8):
                if len(header) < 8:
                    break
                fourcc, size = header[:4], struct.unpack("<I", header[4:])[0]
                if fourcc in (b"VP8 ", b"VP8L"):
                    return fourcc == b"VP8L"
                f.seek(size + (size & 1), os.SEEK_CUR)
    except OSError:
        pass
    return False


def _too_big_message(name: object, size: tuple[int, int] | None, max_pixels: int) -> str:
    what = f"{size[0]}x{size[1]} = {size[0] * size[1]:,} pixels" if size else "too large"
    return (
        f"{name}: image is {what}, over the limit of {max_pixels:,} pixels; "
        "raise it with --max-pixels if you trust this file"
    )


# --------------------------------------------------------------------- helpers


def canonical(fmt: str) -> str:
    name = fmt.upper().lstrip(".")
    return _FORMAT_ALIASES.get(name, name)


def _positive_pair(value: object) -> tuple[float, float] | None:
    if isinstance(value, tuple) and len(value) == 2:
        with suppress(TypeError, ValueError, OverflowError, ZeroDivisionError):
            x, y = float(value[0]), float(value[1])
            if x > 0 and y > 0:
                return (x, y)
    return None

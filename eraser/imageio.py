"""Reading and writing photos without losing what makes them the user's photo.

``load_image`` turns a file (or an in-memory image) into upright 8-bit RGB plus
an optional alpha channel, and remembers the metadata needed to write the result
back faithfully: EXIF (Orientation reset to 1), XMP, ICC profile, DPI, and for
JPEG the quantization tables and chroma subsampling, so a re-saved JPEG keeps
the input's quality and size. ``save_image`` writes atomically and never
overwrites the input.

Decisions worth knowing:

* Grayscale sources are written back as mode ``L`` using Pillow's luminance
  (ITU-R 601: 0.299 R + 0.587 G + 0.114 B). For an untouched gray pixel this is
  exact; a slightly coloured edit is reduced the way a person would see it.
* 16-bit sources (``I;16``, ``I``) are reduced to 8 bits (``round(v / 257)``) and
  written as 8-bit. ``F`` (float) images are clipped to 0..255.
* WebP output is lossless when the source was lossless (PNG, TIFF, lossless
  WebP, in-memory arrays, ...), otherwise lossy at quality 95. JPEG output from
  a non-JPEG source uses quality 95; HEIF output 80 and AVIF 90 (each about
  JPEG 95's fidelity at a similar or smaller size).
* JPEG cannot store alpha: transparent areas are flattened onto white.
* The EXIF thumbnail (IFD1) is dropped: it would still show the unedited photo.
* Palette images become RGB, or RGBA when they have transparency.
* TIFF output keeps a lossless source TIFF's compression, else Adobe Deflate.
* XMP is carried into JPEG, WebP, HEIF and AVIF (Pillow's PNG and TIFF writers
  take no XMP argument).
* In-memory sources (arrays, PIL images without a format) report ``format``
  ``'PNG'``, the lossless default.
"""

from __future__ import annotations

import functools
import io
import os
import stat
import struct
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

import numpy as np
from PIL import Image, ImageOps, JpegImagePlugin, features

from eraser.errors import EraserError

from eraser.defaults import DEFAULT_MAX_PIXELS  # noqa: E402

_ORIENTATION = 0x0112

# Output formats we write, by file extension.
_EXTENSIONS: dict[str, str] = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".jpe": "JPEG",
    ".jfif": "JPEG",
    ".png": "PNG",
    ".webp": "WEBP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".heic": "HEIF",
    ".heif": "HEIF",
    ".hif": "HEIF",
    ".avif": "AVIF",
}
_WRITABLE = frozenset(_EXTENSIONS.values())
_FORMAT_ALIASES = {"JPG": "JPEG", "MPO": "JPEG", "TIF": "TIFF", "HEIC": "HEIF"}

# TIFF tags that describe the pixel layout of the *source* file. They show up in
# getexif() for TIFF sources and would be wrong (or huge) in the output's EXIF.
_STRUCTURAL_TAGS = frozenset({
    254, 255, 256, 257, 258, 259, 262, 263, 266, 273, 277, 278, 279, 280, 281,
    284, 317, 320, 322, 323, 324, 325, 338, 339, 340, 341, 347, 513, 514, 529,
    530, 532, 700, 33723, 34377, 34675, 37724,
})
_LOSSLESS_TIFF = frozenset({"raw", "tiff_lzw", "tiff_adobe_deflate", "tiff_deflate", "packbits"})

# What a decoder may raise on a malformed file; any of these is the file's fault.
_DECODE_ERRORS: tuple[type[BaseException], ...] = (
    OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError,
    RuntimeError, struct.error, ZeroDivisionError,
)
_TOO_BIG = Image.DecompressionBombError


@dataclass(frozen=True)
class _SaveMeta:
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
    _meta: _SaveMeta = field(default_factory=_SaveMeta, repr=False)


# --------------------------------------------------------------------- loading


def load_image(
    source: str | Path | Image.Image | np.ndarray, max_pixels: int = DEFAULT_MAX_PIXELS
) -> LoadedImage:
    """Load a file, PIL image or uint8 array as upright RGB (+ alpha)."""
    if max_pixels <= 0:
        raise EraserError("--max-pixels must be a positive number")
    if isinstance(source, np.ndarray):
        return _from_array(source, max_pixels)
    if isinstance(source, Image.Image):
        name = str(getattr(source, "filename", "") or "image")
        with _decoding(max_pixels):
            return _from_pil(source, name, None, max_pixels)
    return _from_file(Path(source), max_pixels)


def _from_file(path: Path, max_pixels: int) -> LoadedImage:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise EraserError(f"{path}: no such file") from None
    except OSError as e:
        raise EraserError(f"{path}: cannot read ({_reason(e)})") from None
    if stat.S_ISDIR(st.st_mode):
        raise EraserError(f"{path}: is a directory, not an image")
    if st.st_size == 0:
        raise EraserError(f"{path}: file is empty")

    _register_heif()
    with _decoding(max_pixels):
        try:
            im = Image.open(path)
        except Image.UnidentifiedImageError:
            raise EraserError(f"{path}: not an image, or a format this tool cannot read") from None
        except _TOO_BIG:
            raise EraserError(_too_big_message(path, None, max_pixels)) from None
        except OSError as e:
            raise EraserError(f"{path}: cannot read ({_reason(e)})") from None
        except _DECODE_ERRORS as e:
            raise EraserError(f"{path}: not a valid image ({_reason(e)})") from None
        with im:
            return _from_pil(im, str(path), path, max_pixels)


def _from_pil(im: Image.Image, name: str, path: Path | None, max_pixels: int) -> LoadedImage:
    width, height = im.size
    if width * height > max_pixels:  # header only so far: no pixels decoded yet
        raise EraserError(_too_big_message(name, im.size, max_pixels))
    if width == 0 or height == 0:
        raise EraserError(f"{name}: image has no pixels")
    try:
        im.load()  # decode everything now so truncation shows up here
    except _TOO_BIG:
        raise EraserError(_too_big_message(name, None, max_pixels)) from None
    except _DECODE_ERRORS as e:
        raise EraserError(f"{name}: truncated or corrupt image ({_reason(e)})") from None

    fmt = _canonical(im.format) if im.format else "PNG"
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

    rgb, alpha, grayscale, icc = _to_rgb(upright, im.info.get("icc_profile") or None)
    meta = _SaveMeta(
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
    return LoadedImage(rgb, alpha, grayscale, fmt, path, meta)


def _from_array(array: np.ndarray, max_pixels: int | None) -> LoadedImage:
    if array.dtype != np.uint8:
        raise ValueError(f"expected a uint8 array, got {array.dtype}")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise ValueError(f"expected an HxW, HxWx3 or HxWx4 array, got shape {array.shape}")
    height, width = array.shape[:2]
    if max_pixels is not None and width * height > max_pixels:
        raise EraserError(_too_big_message("image", (width, height), max_pixels))
    if array.ndim == 2:
        return LoadedImage(np.repeat(array[:, :, None], 3, axis=2), None, True, "PNG")
    alpha = array[:, :, 3].copy() if array.shape[2] == 4 else None
    return LoadedImage(np.ascontiguousarray(array[:, :, :3]), alpha, False, "PNG")


def _to_rgb(
    im: Image.Image, icc: bytes | None
) -> tuple[np.ndarray, np.ndarray | None, bool, bytes | None]:
    """Normalize any Pillow mode to (rgb, alpha, grayscale, icc for the result)."""
    mode = im.mode
    has_transparency = "transparency" in im.info
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # Treat as 16-bit and scale to 8 bits with rounding.
        wide = np.clip(np.asarray(im, dtype=np.int64), 0, 65535)
        im = Image.fromarray(((wide + 128) // 257).astype(np.uint8))
    elif mode == "F":
        im = Image.fromarray(np.clip(np.asarray(im), 0, 255).round().astype(np.uint8))
    elif mode == "1":
        im = im.convert("L")
    elif mode == "La" or (mode == "L" and has_transparency):
        im = im.convert("LA")
    elif mode == "CMYK":
        im, icc = _cmyk_to_rgb(im, icc)
    elif mode not in ("L", "LA", "RGB", "RGBA"):
        # P, PA, RGBa, RGBX, YCbCr, LAB, HSV, ...: keep alpha if there is any.
        keep_alpha = "A" in im.getbands() or has_transparency
        im = im.convert("RGBA" if keep_alpha else "RGB")
    elif mode == "RGB" and has_transparency:
        im = im.convert("RGBA")

    pixels = np.array(im)  # a private, writable copy
    if im.mode in ("L", "LA"):
        gray = pixels if im.mode == "L" else pixels[:, :, 0]
        alpha = pixels[:, :, 1].copy() if im.mode == "LA" else None
        return np.repeat(gray[:, :, None], 3, axis=2), alpha, True, icc
    alpha = pixels[:, :, 3].copy() if im.mode == "RGBA" else None
    return np.ascontiguousarray(pixels[:, :, :3]), alpha, False, icc


def _cmyk_to_rgb(im: Image.Image, icc: bytes | None) -> tuple[Image.Image, bytes | None]:
    """Use the embedded CMYK profile when there is one; the result is plain sRGB."""
    from PIL import ImageCms  # rare path: don't load littlecms for every import

    if icc and _icc_space(icc) == b"CMYK":
        with suppress(ImageCms.PyCMSError, OSError, ValueError):
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            dst = ImageCms.createProfile("sRGB")
            return ImageCms.profileToProfile(im, src, dst, outputMode="RGB"), None
    return im.convert("RGB"), None


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
        return im.info.get("compression") in _LOSSLESS_TIFF | {None}
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


@functools.cache
def _register_heif() -> bool:
    """Teach Pillow HEIF on first use; importing pillow_heif is not free."""
    try:
        import pillow_heif
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True


@functools.cache
def _heif_encoder_is_x265() -> bool:
    try:
        import pillow_heif

        return "x265" in str(pillow_heif.libheif_info().get("HEIF", ""))
    except (ImportError, AttributeError):
        return False


@contextmanager
def _decoding(max_pixels: int) -> Iterator[None]:
    """Set up Pillow for decoding untrusted files for a CLI user.

    Pillow refuses images over twice MAX_IMAGE_PIXELS and warns above it; with
    its default a large --max-pixels would still be refused, so it follows our
    limit here (process-wide, restored on exit: not thread-safe). Its bomb
    warning is silenced because our own check right after reading the header
    gives the better message, and so are its UserWarnings about corrupt EXIF
    and the like: we drop what we cannot read, a warning would only be noise.
    """
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")
            yield
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def _too_big_message(name: object, size: tuple[int, int] | None, max_pixels: int) -> str:
    what = f"{size[0]}x{size[1]} = {size[0] * size[1]:,} pixels" if size else "too large"
    return (
        f"{name}: image is {what}, over the limit of {max_pixels:,} pixels; "
        "raise it with --max-pixels if you trust this file"
    )


# ---------------------------------------------------------------------- saving


def output_format_for(path: Path, fallback: str) -> str:
    """Pillow format for an output path from its extension, else ``fallback``.

    A fallback we cannot write (e.g. 'BMP') becomes 'PNG'.
    """
    suffix = Path(path).suffix.lower()
    if not suffix:
        fmt = _canonical(fallback)
        return fmt if fmt in _WRITABLE else "PNG"
    if suffix not in _EXTENSIONS:
        known = ", ".join(sorted(_EXTENSIONS))
        raise EraserError(f"{path}: cannot write '{suffix}' files; use one of {known}")
    return _EXTENSIONS[suffix]


def default_output_path(input_path: Path, suffix: str = "erased") -> Path:
    """photo.jpg -> photo.erased.jpg; an extension we cannot write becomes .png."""
    input_path = Path(input_path)
    ext = input_path.suffix if input_path.suffix.lower() in _EXTENSIONS else ".png"
    return input_path.with_name(f"{input_path.stem}.{suffix}{ext}")


def save_image(
    image: LoadedImage,
    rgb: np.ndarray,
    path: str | Path,
    *,
    format: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write ``rgb`` (HxWx3 uint8) with ``image``'s alpha and metadata to ``path``."""
    dest = Path(path)
    if format is None:
        fmt = output_format_for(dest, image.format)
    else:
        fmt = _canonical(format)
        if fmt not in _WRITABLE:
            known = ", ".join(sorted(_WRITABLE))
            raise EraserError(f"cannot write {format} images; use one of {known}")
    _check_destination(dest, image.path, overwrite)
    if fmt == "HEIF" and not _register_heif():
        raise EraserError(f"{dest}: writing HEIF needs the pillow-heif package")
    if fmt == "AVIF" and not features.check("avif"):
        raise EraserError(f"{dest}: this Pillow build cannot write AVIF")

    picture = _compose(image, rgb, fmt)
    options = _save_options(image._meta, fmt, picture.mode)
    _atomic_write(dest, lambda f: picture.save(f, format=fmt, **options))
    return dest


def check_output(path: str | Path, *, source: Path | None = None, overwrite: bool = False) -> str:
    """Fail early, before any work, if ``save_image`` to ``path`` would fail.

    Checks the extension, the folder, an existing file (unless ``overwrite``)
    and that ``path`` is not ``source``. Returns the output's Pillow format.
    """
    dest = Path(path)
    fmt = output_format_for(dest, "PNG")
    _check_destination(dest, Path(source) if source is not None else None, overwrite)
    return fmt


def save_array(
    array: np.ndarray, path: str | Path, *, format: str | None = None, overwrite: bool = False
) -> Path:
    """Write a plain HxW (gray), HxWx3 or HxWx4 uint8 array, e.g. a mask, atomically."""
    loaded = _from_array(array, max_pixels=None)  # already in memory: no bomb to guard
    return save_image(loaded, loaded.rgb, path, format=format, overwrite=overwrite)


def to_pil(image: LoadedImage, rgb: np.ndarray) -> Image.Image:
    """The result as a PIL image (alpha merged, L if the source was gray), with the
    source's ICC profile, EXIF and DPI in ``.info`` for a caller who saves it."""
    picture = _compose(image, rgb, "PNG")
    meta = image._meta
    icc = _fitting_icc(meta, picture.mode)
    for key, value in (("icc_profile", icc), ("exif", meta.exif), ("dpi", meta.dpi)):
        if value:
            picture.info[key] = value
    return picture


def _compose(image: LoadedImage, rgb: np.ndarray, fmt: str) -> Image.Image:
    """The Pillow image to write: rgb plus the original alpha, gray if the source was."""
    if rgb.dtype != np.uint8 or rgb.shape != image.rgb.shape:
        raise ValueError(
            f"expected a uint8 array of shape {image.rgb.shape}, got {rgb.dtype} {rgb.shape}"
        )
    alpha = image.alpha
    if alpha is not None and fmt == "JPEG":  # no alpha in JPEG: flatten onto white
        a = alpha[:, :, None].astype(np.uint16)
        rgb = ((rgb * a + 255 * (255 - a) + 127) // 255).astype(np.uint8)
        alpha = None
    picture = Image.fromarray(np.ascontiguousarray(rgb))
    if image.grayscale:
        picture = picture.convert("L")  # ITU-R 601 luminance; exact for gray pixels
    if alpha is not None:
        picture.putalpha(Image.fromarray(np.ascontiguousarray(alpha)))
    if fmt == "WEBP" and picture.mode in ("L", "LA"):  # WebP has no grayscale
        picture = picture.convert("RGBA" if picture.mode == "LA" else "RGB")
    return picture


def _save_options(meta: _SaveMeta, fmt: str, mode: str) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if icc := _fitting_icc(meta, mode):
        options["icc_profile"] = icc
    if meta.exif:
        options["exif"] = meta.exif
    if meta.xmp and fmt in ("JPEG", "WEBP", "HEIF", "AVIF"):  # savers that take xmp=
        options["xmp"] = meta.xmp
    if meta.dpi and fmt in ("JPEG", "PNG", "TIFF"):
        options["dpi"] = meta.dpi

    if fmt == "JPEG":
        if meta.jpeg_qtables:  # same tables + subsampling = same quality and size
            options.update(qtables=meta.jpeg_qtables, subsampling=meta.jpeg_subsampling)
        else:
            options["quality"] = 95
        options["progressive"] = meta.jpeg_progressive
    elif fmt == "PNG":
        options.update(optimize=False, compress_level=6)
    elif fmt == "WEBP":
        if meta.lossless:
            options.update(lossless=True, exact=True)  # exact: keep rgb under alpha=0
        else:
            options["quality"] = 95
    elif fmt == "TIFF":
        keep = meta.tiff_compression in _LOSSLESS_TIFF
        options["compression"] = meta.tiff_compression if keep else "tiff_adobe_deflate"
    elif fmt == "HEIF":
        # x265 at 80 already beats JPEG 95 (error and size); 90 is ~1.6x bigger.
        options["quality"] = 80
        if _heif_encoder_is_x265():  # "fast": half the time, same size and error
            options["enc_params"] = {"preset": "fast"}
    elif fmt == "AVIF":
        options["quality"] = 90  # about JPEG 95's error at two thirds of its size
    return options


def _check_destination(dest: Path, source: Path | None, overwrite: bool) -> None:
    if source is not None and _same_file(dest, source):
        raise EraserError(
            f"{dest}: refusing to overwrite the input image; choose another output path"
        )
    if dest.is_dir():
        raise EraserError(f"{dest}: is a directory")
    if dest.exists() and not overwrite:
        raise EraserError(f"{dest} exists; use --force to overwrite")
    folder = dest.parent
    if not folder.is_dir():
        raise EraserError(f"cannot write {dest}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise EraserError(f"cannot write {dest}: folder {folder} is not writable")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist
        return a.resolve() == b.resolve()


def _atomic_write(dest: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write via a hidden temp file in the same folder, then rename into place."""
    folder = dest.parent
    mode = stat.S_IMODE(dest.stat().st_mode) if dest.exists() else 0o666 & ~_umask()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=folder)
    except OSError as e:
        raise EraserError(f"cannot write {dest}: {_reason(e)}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)  # mkstemp makes it 0600
        os.replace(tmp, dest)
    except BaseException as e:
        with suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise EraserError(f"cannot write {dest}: {_reason(e)}") from None
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable; not possible everywhere (e.g. Windows), so best effort."""
    with suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --------------------------------------------------------------------- helpers


def _umask() -> int:
    mask = os.umask(0)  # the only way to read it is to set it
    os.umask(mask)
    return mask


def _canonical(fmt: str) -> str:
    name = fmt.upper().lstrip(".")
    return _FORMAT_ALIASES.get(name, name)


def _icc_space(icc: bytes) -> bytes:
    """The ICC header's data colour space: b'RGB ', b'GRAY', b'CMYK', ..."""
    return icc[16:20]


def _fitting_icc(meta: _SaveMeta, mode: str) -> bytes | None:
    """The source's profile if it describes the output's colour space, else None
    (an RGB profile on a gray JPEG, say, makes readers reject or misdraw it)."""
    space = b"GRAY" if mode in ("L", "LA") else b"RGB "
    icc = meta.icc_profile
    return icc if icc and _icc_space(icc) == space else None


def _positive_pair(value: object) -> tuple[float, float] | None:
    if isinstance(value, tuple) and len(value) == 2:
        with suppress(TypeError, ValueError):
            x, y = float(value[0]), float(value[1])
            if x > 0 and y > 0:
                return (x, y)
    return None


def _reason(e: BaseException) -> str:
    text = getattr(e, "strerror", None) or str(e) or type(e).__name__
    return " ".join(text.split())

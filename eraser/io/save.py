"""Writing a result in the source's format with its metadata: the per-format save policy.

Decisions worth knowing:

* Grayscale sources are written back as mode ``L`` using Pillow's luminance
  (ITU-R 601: 0.299 R + 0.587 G + 0.114 B). For an untouched gray pixel this is
  exact; a slightly coloured edit is reduced the way a person would see it.
* 16-bit and float sources were reduced to 8 bits at load and are written as 8-bit.
* WebP output is lossless when the source was lossless (PNG, TIFF, lossless
  WebP, in-memory arrays, ...), otherwise lossy at quality 95. JPEG output from
  a non-JPEG source uses quality 95; HEIF output 80 and AVIF 90 (each about
  JPEG 95's fidelity at a similar or smaller size).
* JPEG cannot store alpha: transparent areas are flattened onto white.
* TIFF output keeps a lossless source TIFF's compression, else Adobe Deflate.
* XMP is carried into JPEG, WebP, HEIF and AVIF (Pillow's PNG and TIFF writers
  take no XMP argument).
* Files are written through :func:`eraser.io.files.atomic_write`: never half
  written, never over an existing file without ``overwrite``, never over an input.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, features

from eraser.errors import EraserError
from eraser.io.files import atomic_write, check_destination
from eraser.io.decoding import register_heif
from eraser.io.load import LOSSLESS_TIFF, LoadedImage, SaveMeta, canonical, from_array
from eraser.io.pixels import icc_space

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


def output_format_for(path: Path, fallback: str) -> str:
    """Pillow format for an output path from its extension, else ``fallback``.

    A fallback we cannot write (e.g. 'BMP') becomes 'PNG'.
    """
    suffix = Path(path).suffix.lower()
    if not suffix:
        fmt = canonical(fallback)
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
        fmt = canonical(format)
        if fmt not in _WRITABLE:
            known = ", ".join(sorted(_WRITABLE))
            raise EraserError(f"cannot write {format} images; use one of {known}")
    check_destination(dest, [image.path] if image.path else [], overwrite)
    if fmt == "HEIF" and not register_heif():
        raise EraserError(f"{dest}: writing HEIF needs the pillow-heif package")
    if fmt == "AVIF" and not features.check("avif"):
        raise EraserError(f"{dest}: this Pillow build cannot write AVIF")

    picture = _compose(image, rgb, fmt)
    options = _save_options(image._meta, fmt, picture.mode)
    atomic_write(dest, lambda f: picture.save(f, format=fmt, **options), overwrite=overwrite)
    return dest


def check_output(
    path: str | Path,
    *,
    source: str | Path | None = None,
    inputs: Iterable[str | Path | None] = (),
    overwrite: bool = False,
) -> str:
    """Fail early, before any work, if ``save_image`` to ``path`` would fail.

    Checks the extension, the folder, an existing file (unless ``overwrite``)
    and that ``path`` is none of the inputs (``source``, the image, and every
    path in ``inputs``, e.g. a mask file). Returns the output's Pillow format.
    """
    dest = Path(path)
    fmt = output_format_for(dest, "PNG")
    check_destination(dest, [source, *inputs], overwrite)
    return fmt


def save_array(
    array: np.ndarray, path: str | Path, *, format: str | None = None, overwrite: bool = False
) -> Path:
    """Write a plain HxW (gray), HxWx3 or HxWx4 uint8 array, e.g. a mask, atomically."""
    loaded = from_array(array, max_pixels=None)  # already in memory: no bomb to guard
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


def _save_options(meta: SaveMeta, fmt: str, mode: str) -> dict[str, Any]:
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
        keep = meta.tiff_compression in LOSSLESS_TIFF
        options["compression"] = meta.tiff_compression if keep else "tiff_adobe_deflate"
    elif fmt == "HEIF":
        # x265 at 80 already beats JPEG 95 (error and size); 90 is ~1.6x bigger.
        options["quality"] = 80
        if _heif_encoder_is_x265():  # "fast": half the time, same size and error
            options["enc_params"] = {"preset": "fast"}
    elif fmt == "AVIF":
        options["quality"] = 90  # about JPEG 95's error at two thirds of its size
    return options


def _fitting_icc(meta: SaveMeta, mode: str) -> bytes | None:
    """The source's profile if it describes the output's colour space, else None
    (an RGB profile on a gray JPEG, say, makes readers reject or misdraw it)."""
    space = b"GRAY" if mode in ("L", "LA") else b"RGB "
    icc = meta.icc_profile
    return icc if icc and icc_space(icc) == space else None


@functools.cache
def _heif_encoder_is_x265() -> bool:
    try:
        import pillow_heif

        return "x265" in str(pillow_heif.libheif_info().get("HEIF", ""))
    except (ImportError, AttributeError):
        return False

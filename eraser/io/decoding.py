"""Decoding untrusted files with Pillow: HEIF taught to Pillow on first use, and
Pillow's warnings kept quiet while a file decodes, thread-safely."""

from __future__ import annotations

import functools
import re
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import numpy as np
from PIL import Image


@functools.cache
def register_heif() -> bool:
    """Teach Pillow HEIF on first use; importing pillow_heif is not free."""
    try:
        import pillow_heif
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True


_QUIET = threading.Lock()
_quiet_users = 0
_QUIET_FILTERS = (
    ("ignore", None, Image.DecompressionBombWarning, None, 0),
    ("ignore", None, UserWarning, re.compile(r"PIL\."), 0),
)


@contextmanager
def decoding(max_pixels: int) -> Iterator[None]:
    """Decode untrusted files quietly, without touching Pillow's global settings.

    Pillow's UserWarnings about corrupt EXIF and the like are silenced (we drop
    what we cannot read; a warning would only be noise), and so is its
    decompression-bomb warning (our own limit, checked from the header, gives
    the better message). ``warnings.catch_warnings`` is not thread-safe (it
    restores a snapshot of the global filter list), so the two filters are
    added by the first decoding thread and removed by the last, under a lock:
    the filter list is the same after any number of concurrent loads.
    ``max_pixels`` is checked in ``decode``; Pillow's MAX_IMAGE_PIXELS is
    never changed.
    """
    global _quiet_users
    with _QUIET:
        if _quiet_users == 0:
            warnings.filters[:0] = _QUIET_FILTERS
            _filters_changed()
        _quiet_users += 1
    try:
        with np.errstate(invalid="ignore", over="ignore"):
            yield
    finally:
        with _QUIET:
            _quiet_users -= 1
            if _quiet_users == 0:
                for item in _QUIET_FILTERS:
                    with suppress(ValueError):  # someone reset the filters meanwhile
                        warnings.filters.remove(item)
                _filters_changed()


def _filters_changed() -> None:
    """Tell the warnings module its filter list changed (what filterwarnings does)."""
    with suppress(AttributeError):
        warnings._filters_mutated()  # type: ignore[attr-defined]

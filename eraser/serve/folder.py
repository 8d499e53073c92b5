"""The photos of a served FOLDER: only its own image files, by name.

A name from the page is never joined blindly: it must be one of the names
:func:`photos` lists (a plain file in that folder, not a link leading
elsewhere, and an image by content), so ``..``, absolute paths, separators
and symlinks that escape are all refused the same way.
"""

from __future__ import annotations

import re
from pathlib import Path

from eraser.errors import EraserError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp", ".heic", ".heif", ".avif", ".gif"}


class PhotoFolder:
    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise EraserError(f"{root}: not a folder")

    def photos(self) -> list[str]:
        names = []
        for entry in sorted(self.root.iterdir(), key=lambda e: _as_people_sort(e.name)):
            if entry.suffix.lower() not in IMAGE_SUFFIXES or ".erased." in entry.name:
                continue
            if not _is_text(entry.name):
                continue  # named in bytes that are not UTF-8: no name the page can show, send back or download as
            try:
                real = entry.resolve(strict=True)
            except (OSError, RuntimeError):
                continue
            if real.parent == self.root and real.is_file():
                names.append(entry.name)
        return names

    def photo(self, name: object) -> Path:
        """The path of photo ``name``, or EraserError."""
        if not isinstance(name, str) or name not in self.photos():
            raise EraserError(f"no photo named {str(name)[:80]!r} in the served folder")
        return self.root / name

    def output_for(self, name: str) -> Path:
        """Where Save writes: photo.erased.jpg beside photo.jpg (never the photo itself)."""
        from eraser.io.save import default_output_path

        return default_output_path(self.photo(name))


def _is_text(name: str) -> bool:
    """False for a file name in bytes that are not UTF-8 (Python holds those
    bytes as lone surrogates, which JSON cannot carry: one such file made the
    whole folder's listing an internal error)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _as_people_sort(name: str) -> tuple:
    """A file manager's order: case left aside and numbers by value (IMG_2 before IMG_10, Katze after
    astronaut); the name itself breaks ties, so the order is the same on every call."""
    parts = re.split(r"(\d+)", name.casefold())
    return tuple((1, int(p), "") if p.isdigit() else (0, 0, p) for p in parts), name

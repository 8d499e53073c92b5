"""The zip container of ``torch.save`` and ``torch.jit.save`` files."""

from __future__ import annotations

import zipfile
from pathlib import Path

from eraser.errors import EraserError

# Pickles a checkpoint holds are small (the tensors are separate records);
# a data.pkl larger than this is not a checkpoint we can use.
MAX_PICKLE_BYTES = 256 << 20


class Archive:
    """One checkpoint file opened as a zip: its records by name, checked."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise EraserError(f"checkpoint not found: {self.path}")
        self.size = self.path.stat().st_size
        try:
            self.zip = zipfile.ZipFile(self.path)
            names = self.zip.namelist()
        except zipfile.BadZipFile:
            raise EraserError(f"cannot read checkpoint {self.path}: {self._not_zip_reason()}") from None
        except OSError as exc:
            raise EraserError(f"cannot read checkpoint {self.path}: {exc.strerror or exc}") from None
        pickles = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
        if not pickles:
            raise EraserError(f"{self.path} is a zip but not a PyTorch checkpoint (no <name>/data.pkl)")
        self.prefix = pickles[0][: -len("data.pkl")]
        self.names = set(names)
        order = self._text("byteorder", default="little")
        if order not in ("little", "big"):
            raise EraserError(f"{self.path}: unknown byte order {order[:20]!r}")
        self.byteorder = order

    def _not_zip_reason(self) -> str:
        with open(self.path, "rb") as f:
            head = f.read(4)
        if head[:2] == b"\x80\x02" or head[:1] == b"\x80":
            return "the legacy PyTorch format (before 1.6) is not supported without torch; re-save it with torch >= 1.6"
        if head == b"PK\x03\x04":
            return "a damaged or truncated zip (download it again)"
        return "not a PyTorch checkpoint (not a zip archive)"

    def has(self, name: str) -> bool:
        return self.prefix + name in self.names

    def _text(self, name: str, default: str) -> str:
        if not self.has(name):
            return default
        return self.read(name, limit=64).decode("ascii", "replace").strip()

    def read(self, name: str, limit: int | None = None) -> bytes:
        """The bytes of record ``name`` (relative to the archive's folder)."""
        full = self.prefix + name
        if full not in self.names:
            raise EraserError(f"{self.path} is damaged: record {name!r} is missing")
        info = self.zip.getinfo(full)
        if limit is not None and info.file_size > limit:
            raise EraserError(f"{self.path}: record {name!r} is too large ({info.file_size} bytes)")
        # torch stores records uncompressed; a compressed one that unpacks to far
        # more than the whole file is a zip bomb, refused before it is unpacked
        if info.compress_type != zipfile.ZIP_STORED and info.file_size > max(64 << 20, 20 * self.size):
            raise EraserError(f"{self.path}: record {name!r} would unpack to {info.file_size} bytes; refused")
        try:
            return self.zip.read(full)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise EraserError(f"{self.path} is damaged: cannot read record {name!r} ({exc})") from None

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

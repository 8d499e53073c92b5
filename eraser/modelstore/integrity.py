"""Whether an installed model's files are what its manifest says: sizes,
sha256 digests, and the record of the files already verified (by stat
signature, so later runs only ``stat`` them)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from eraser.errors import EraserError

LOCAL_MANIFEST = "manifest.json"
RECORD = "verified.json"  # files whose sha256 matched, by stat signature
CHUNK = 1 << 20
SHA256 = re.compile(r"[0-9a-f]{64}")


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _signature(st: os.stat_result) -> list[int]:
    # ctime too: restoring an old mtime (touch -r) after an edit still changes it
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


@dataclass(frozen=True)
class InstalledModel:
    name: str
    folder: Path
    files: dict[str, dict]  # relative path -> {"sha256": ..., "size": ...}
    info: dict

    def path(self, relative: str) -> Path:
        return self.folder / relative

    def has(self, relative: str) -> bool:
        return relative in self.files

    def has_any(self, folder: str) -> bool:
        """Whether any file lies under ``folder`` (e.g. an ``.mlpackage``)."""
        return any(rel.startswith(folder + "/") for rel in self.files)

    def problems(self, full: bool = False, *, remembered: bool = False) -> list[str]:
        """What is wrong with the files: sizes always; checksums when ``full``,
        skipping files the verification record vouches for when ``remembered``.
        Files whose checksum matched are recorded for the next run."""
        record = self._record() if full else {}
        checked, found = {}, []
        for rel, meta in self.files.items():
            try:
                st = (self.folder / rel).stat()
            except OSError:
                found.append(f"{rel} is missing")
                continue
            if not stat.S_ISREG(st.st_mode):
                found.append(f"{rel} is not a file")
            elif st.st_size != meta["size"]:
                found.append(f"{rel} has the wrong size")
            elif full:
                entry = {"sha256": meta["sha256"], "stat": _signature(st)}
                if not remembered or record.get(rel) != entry:
                    try:
                        digest = file_digest(self.folder / rel)
                    except OSError as exc:
                        found.append(f"{rel} cannot be read ({exc.strerror})")
                        continue
                    if digest != meta["sha256"]:
                        found.append(f"{rel} has the wrong checksum")
                        continue
                checked[rel] = entry
        if full and checked != record:
            self._remember(checked)
        return found

    def verify(self) -> list[str]:
        """Problems with the files, hashing only what changed since it was last verified."""
        return self.problems(full=True, remembered=True)

    def _record(self) -> dict:
        try:
            data = json.loads((self.folder / RECORD).read_text())
        except (OSError, ValueError, RecursionError):
            return {}
        return data.get("files", {}) if isinstance(data, dict) and isinstance(data.get("files"), dict) else {}

    def _remember(self, checked: dict) -> None:
        """Write the record; a store we cannot write only costs hashing again."""
        from eraser.io.files import atomic_write  # only when something was hashed

        text = (json.dumps({"files": checked}, indent=1) + "\n").encode()
        try:
            atomic_write(self.folder / RECORD, lambda f: f.write(text), overwrite=True)
        except (EraserError, OSError):
            pass


def manifest_problem(data: object) -> Optional[str]:
    """Why ``data`` (a parsed manifest.json) cannot describe a model, or None."""
    if not isinstance(data, dict):
        return "manifest.json is not a JSON object"
    files = data.get("files")
    if not isinstance(files, dict):
        return "manifest.json has no 'files' object"
    if not files:
        return "manifest.json lists no files"
    for rel, meta in files.items():
        parts = Path(rel).parts
        if not rel or Path(rel).is_absolute() or ".." in parts or rel in (LOCAL_MANIFEST, RECORD):
            return f"manifest.json names a file outside the model: {rel!r}"
        if not isinstance(meta, dict):
            return f"manifest.json has no size and sha256 for {rel}"
        size, digest = meta.get("size"), meta.get("sha256")
        if type(size) is not int or size < 0:
            return f"manifest.json has no valid size for {rel}"
        if not isinstance(digest, str) or not SHA256.fullmatch(digest):
            return f"manifest.json has no valid sha256 for {rel}"
    return None


def damaged(model: InstalledModel, problems: list[str]) -> str:
    more = f", and {len(problems) - 1} more" if len(problems) > 1 else ""
    return (
        f"model {model.name!r} in {model.folder} is damaged ({problems[0]}{more}); "
        f"run: eraser models install {model.name} --force"
    )

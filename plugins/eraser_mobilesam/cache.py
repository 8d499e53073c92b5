"""A cache of image embeddings keyed by the photo's content.

The encoder is the expensive part of MobileSAM; a second click on the same
photo reuses its embeddings. In-process the cache keeps the last few photos;
with ``$ERASER_EMBEDDING_CACHE`` set to a folder it also keeps them on disk,
bounded by ``$ERASER_EMBEDDING_CACHE_MB`` (default 256), oldest dropped first.

Files on disk are data, never code: only plain ``.npy`` arrays are read (no
pickles), and an entry of another shape or dtype, or with NaN, is dropped. A
cache that cannot be written costs speed only, with one warning.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import Optional

import numpy as np

# the photo's key moved to the core, where the classical segmenter uses it too
from eraser.photo_key import content_key, frozen_owner, image_key  # noqa: F401

ENV_DIR = "ERASER_EMBEDDING_CACHE"
ENV_MB = "ERASER_EMBEDDING_CACHE_MB"
DEFAULT_MB = 256


def megabytes_from_environment() -> int:
    """``$ERASER_EMBEDDING_CACHE_MB`` as a whole number >= 0, else the default with a warning."""
    text = os.environ.get(ENV_MB, "").strip()
    if not text:
        return DEFAULT_MB
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        warnings.warn(f"{ENV_MB}={text!r} is not a whole number of megabytes >= 0; using {DEFAULT_MB}", stacklevel=2)
        return DEFAULT_MB
    return value


class EmbeddingCache:
    def __init__(
        self,
        entries: int = 4,
        folder: Optional[Path] = None,
        max_bytes: int = DEFAULT_MB << 20,
        *,
        shape: Optional[tuple[int, ...]] = None,
        dtype: np.dtype = np.dtype(np.float32),
    ) -> None:
        self.entries = entries
        self.memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self.folder = Path(folder) if folder else None
        self.max_bytes = max_bytes
        self.shape = shape  # what a valid entry looks like (None: any shape)
        self.dtype = np.dtype(dtype)
        self.warned = False
        # the web page's worker threads share one segmenter; CPython's GIL
        # keeps a lookup and its move_to_end together today, a free-threaded
        # build would not (an eviction between them raises KeyError)
        self.lock = threading.Lock()

    @classmethod
    def from_environment(cls, **kwargs) -> "EmbeddingCache":
        folder = os.environ.get(ENV_DIR)
        return cls(folder=Path(folder) if folder else None, max_bytes=megabytes_from_environment() << 20, **kwargs)

    def valid(self, value: object) -> bool:
        return (
            isinstance(value, np.ndarray)
            and value.dtype == self.dtype
            and (self.shape is None or value.shape == tuple(self.shape))
            and bool(np.isfinite(value).all())
        )

    def get(self, key: str) -> Optional[np.ndarray]:
        with self.lock:
            found = self.memory.get(key)
            if found is not None:
                self.memory.move_to_end(key)
                return found
        if self.folder is None:
            return None
        path = self.folder / f"{key}.npy"
        try:
            with open(path, "rb") as f:
                # read_array takes only the .npy format (np.load would also open
                # .npz archives), and never unpickles
                value = np.lib.format.read_array(f, allow_pickle=False)
        except (OSError, ValueError, EOFError):
            value = None
        if not self.valid(value):
            if os.path.lexists(path):
                self._drop(path)  # garbage, or another model's entry
            return None
        try:
            os.utime(path)  # recently used: evicted last
        except OSError:
            pass
        self._remember(key, value)
        return value

    def put(self, key: str, value: np.ndarray) -> None:
        self._remember(key, value)
        if self.folder is None:
            return
        from eraser.errors import EraserError
        from eraser.io.files import atomic_write

        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write(self.folder / f"{key}.npy", lambda f: np.save(f, value, allow_pickle=False), overwrite=True)
        except (OSError, EraserError) as exc:
            self._warn(f"cannot write the embedding cache in {self.folder} ({exc}); later clicks re-encode the photo")
            return
        self._trim()

    def _remember(self, key: str, value: np.ndarray) -> None:
        with self.lock:
            self.memory[key] = value
            self.memory.move_to_end(key)
            while len(self.memory) > self.entries:
                self.memory.popitem(last=False)

    def _drop(self, path: Path) -> None:
        try:
            if path.is_file() or path.is_symlink():
                path.unlink()
        except OSError:
            pass

    def _warn(self, message: str) -> None:
        if not self.warned:  # once per cache, not once per click
            self.warned = True
            warnings.warn(" ".join(message.split()), stacklevel=3)

    def _trim(self) -> None:
        sizes = []
        for path in self.folder.glob("*.npy"):
            try:  # another process may remove files as we go
                st = path.stat()
            except OSError:
                continue
            sizes.append((st.st_mtime, st.st_size, path))
        total = sum(size for _, size, _ in sizes)
        for _, size, path in sorted(sizes, key=lambda entry: entry[0]):
            if total <= self.max_bytes:
                break
            total -= size
            self._drop(path)

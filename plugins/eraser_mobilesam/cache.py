"""A cache of image embeddings keyed by the photo's content.

The encoder is the expensive part of MobileSAM; a second click on the same
photo reuses its embeddings. In-process the cache keeps the last few photos;
with ``$ERASER_EMBEDDING_CACHE`` set to a folder it also keeps them on disk,
bounded by ``$ERASER_EMBEDDING_CACHE_MB`` (default 256), oldest dropped first.
"""

from __future__ import annotations

import os
import tempfile
import zlib
from collections import OrderedDict
from pathlib import Path
from typing import Optional

import numpy as np

ENV_DIR = "ERASER_EMBEDDING_CACHE"
ENV_MB = "ERASER_EMBEDDING_CACHE_MB"


def image_key(image: np.ndarray) -> str:
    """Shape plus a CRC-32 of every byte: about 10 ms for 12 MP, where a
    cryptographic hash takes 30 to 70 ms, a lot of a 50 ms second click. Every
    byte counts, so a photo edited in one small spot gets a new key."""
    data = memoryview(np.ascontiguousarray(image)).cast("B")
    height, width = image.shape[:2]
    return f"{height}x{width}-{zlib.crc32(data):08x}"


class EmbeddingCache:
    def __init__(self, entries: int = 4, folder: Optional[Path] = None, max_bytes: int = 256 << 20) -> None:
        self.entries = entries
        self.memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self.folder = Path(folder) if folder else None
        self.max_bytes = max_bytes

    @classmethod
    def from_environment(cls) -> "EmbeddingCache":
        folder = os.environ.get(ENV_DIR)
        megabytes = int(os.environ.get(ENV_MB) or 256)
        return cls(folder=Path(folder) if folder else None, max_bytes=megabytes << 20)

    def get(self, key: str) -> Optional[np.ndarray]:
        if key in self.memory:
            self.memory.move_to_end(key)
            return self.memory[key]
        if self.folder is None:
            return None
        path = self.folder / f"{key}.npy"
        try:
            value = np.load(path)
            os.utime(path)  # recently used: evicted last
        except (OSError, ValueError):
            return None
        self._remember(key, value)
        return value

    def put(self, key: str, value: np.ndarray) -> None:
        self._remember(key, value)
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".npy")
        try:
            with os.fdopen(fd, "wb") as f:
                np.save(f, value)
            os.replace(tmp, self.folder / f"{key}.npy")
        except OSError:
            Path(tmp).unlink(missing_ok=True)  # a cache: failing to write is not fatal
            return
        self._trim()

    def _remember(self, key: str, value: np.ndarray) -> None:
        self.memory[key] = value
        self.memory.move_to_end(key)
        while len(self.memory) > self.entries:
            self.memory.popitem(last=False)

    def _trim(self) -> None:
        files = sorted(self.folder.glob("*.npy"), key=lambda p: p.stat().st_mtime)
        total = sum(p.stat().st_size for p in files)
        for path in files:
            if total <= self.max_bytes:
                break
            total -= path.stat().st_size
            path.unlink(missing_ok=True)

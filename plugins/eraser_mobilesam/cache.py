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
import weakref
import zlib
from collections import OrderedDict
from pathlib import Path
from typing import Optional

import numpy as np

ENV_DIR = "ERASER_EMBEDDING_CACHE"
ENV_MB = "ERASER_EMBEDDING_CACHE_MB"
DEFAULT_MB = 256


def content_key(image: np.ndarray) -> str:
    """Shape plus a CRC-32 of every byte: about 10 ms for 12 MP, where a
    cryptographic hash takes 30 to 70 ms, a lot of a 50 ms second click. Every
    byte counts, so a photo edited in one small spot gets a new key."""
    data = memoryview(np.ascontiguousarray(image)).cast("B")
    height, width = image.shape[:2]
    return f"{height}x{width}-{zlib.crc32(data):08x}"


def frozen_owner(image: np.ndarray) -> Optional[np.ndarray]:
    """The array that owns ``image``'s memory when nothing can write that
    memory through numpy: ``image`` and every array it views read-only, down
    to one that owns its memory or views immutable ``bytes``. Else None (a
    writable array anywhere in the chain can change the pixels under us)."""
    array = image
    while not array.flags.writeable:
        base = array.base
        if base is None or isinstance(base, bytes):
            return array
        if not isinstance(base, np.ndarray):
            return None  # an mmap, a foreign buffer: may change under us
        array = base
    return None


KNOWN_KEYS = 8  # frozen photos whose keys are remembered (a few open photos on the page)
_known: OrderedDict[int, tuple[weakref.ref, tuple, str]] = OrderedDict()
_known_lock = threading.Lock()


def image_key(image: np.ndarray) -> str:
    """:func:`content_key`, computed once per frozen photo: a second click on
    a read-only photo (a :class:`eraser.Session`'s, whose arrays nobody
    writes) costs no CRC. The key is remembered for the owning array (a weak
    reference: a new array at a reused address is not taken for it) and the
    view's place in it, so a writable photo, a copy, a crop or another photo
    is always read afresh. An owner made writable again
    (``flags.writeable = True``) and edited voids the promise: don't."""
    owner = frozen_owner(image)
    if owner is None:
        return content_key(image)
    where = (image.__array_interface__["data"][0], image.shape, image.strides, image.dtype.str)
    with _known_lock:
        known = _known.get(id(owner))
        if known is not None and known[0]() is owner and known[1] == where:
            _known.move_to_end(id(owner))
            return known[2]
    key = content_key(image)
    with _known_lock:
        _known[id(owner)] = (weakref.ref(owner), where, key)
        _known.move_to_end(id(owner))
        while len(_known) > KNOWN_KEYS:
            _known.popitem(last=False)
    return key


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

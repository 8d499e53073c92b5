"""The point segmenter's downscaled copy of a photo and its features, kept for
the next click on the same photo.

An editing session (the web page) clicks the same photo again and again; the
downscale (about 45 ms at 12 MP) and the smoothing and gradients (about 10 ms)
are the same each time. Copies are keyed by the photo's content (shape and a
CRC-32 of every byte, 10 to 20 ms at 12 MP, read once for a frozen photo:
:func:`eraser.photo_key.image_key`), so an edited photo gets new ones; only
the last few are kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable

import numpy as np

from eraser.photo_key import image_key

KEPT = 4  # photos; a 512 px copy and its features are about 3 MB


class WorkingCopies:
    def __init__(self, kept: int = KEPT) -> None:
        self.kept = kept
        self._items: OrderedDict[tuple, dict] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(rgb: np.ndarray, size: tuple[int, int]) -> tuple:
        return rgb.shape, size, image_key(rgb)

    def get(self, key: tuple, name: str, make: Callable[[], object]) -> object:
        """The value ``name`` kept for ``key``, made (outside the lock) when missing."""
        with self._lock:
            found = self._items.get(key, {}).get(name)
            if key in self._items:
                self._items.move_to_end(key)
        if found is not None:
            return found
        value = _frozen(make())
        with self._lock:
            self._items.setdefault(key, {})[name] = value
            self._items.move_to_end(key)
            while len(self._items) > self.kept:
                self._items.popitem(last=False)
        return value


def _frozen(value: object) -> object:
    """Kept arrays are read-only: a later click cannot change what the next one reads."""
    for array in value.values() if isinstance(value, dict) else [value]:
        if isinstance(array, np.ndarray):
            array.flags.writeable = False
    return value

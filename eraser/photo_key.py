"""A photo's cache key, read once for a frozen photo.

Segmenters keep what they computed from a photo (MobileSAM's and SAM 2's
embeddings, the classical segmenter's working copy) under a key made from
its content. Reading every byte of a 12 MP photo costs 10 to 20 ms a click,
so a photo nobody can write through numpy (a :class:`eraser.Session`'s, see
:func:`eraser.fallback.frozen`) is read once.
"""

from __future__ import annotations

import threading
import weakref
import zlib
from collections import OrderedDict
from typing import Optional

import numpy as np


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

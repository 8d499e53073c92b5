"""The photos being edited, kept per browser tab (a client id), one lock each.

A tab sees only its own photos: an id of another tab's photo answers as if
it did not exist. Each tab keeps at most ``capacity`` photos; when it opens
one more, its least recently used photo *without unsaved erases* is closed.
A photo with unsaved erases is never closed: when every kept photo has some,
opening another is refused with a note saying what to do.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from eraser.defaults import DEFAULT_SERVE_PHOTOS
from eraser.errors import EraserError
from eraser.serve.packed import Packed
from eraser.session import Session

DEFAULT_MAX_SESSIONS = DEFAULT_SERVE_PHOTOS
MAX_CLIENTS = 256  # tabs remembered at once; the oldest tab's clean photos go first


class Gone(EraserError):
    """The photo's session was closed or never existed (for this tab)."""


class Full(EraserError):
    """Every photo this tab keeps has unsaved erases."""


@dataclass
class MarkedObject:
    """One object as the page marked it: clicks, a box, or a painted/uploaded mask."""

    points: list = field(default_factory=list)
    box: Optional[list] = None
    mask: Any = None  # HxW (bool), for brushed or uploaded objects; a Packed one in a history record
    _packed: Any = field(default=None, repr=False, compare=False)  # the mask packed, made once

    def compact(self) -> "MarkedObject":
        """This object as a history record keeps it: its mask packed (see eraser.serve.packed)."""
        if self.mask is None or isinstance(self.mask, Packed):
            return self
        if self._packed is None:
            self._packed = MarkedObject(self.points, self.box, Packed(self.mask))
        return self._packed

    def full(self) -> "MarkedObject":
        """A history record's object made live again (its mask unpacked)."""
        if not isinstance(self.mask, Packed):
            return self
        return MarkedObject(self.points, self.box, self.mask.unpack(), self)


@dataclass
class Entry:
    id: str
    client: str
    name: str  # the file name the photo came with (for the download's name and format)
    session: Session
    original: object  # the image as opened (read-only array), for compare
    path: Optional[Path] = None  # the photo in the served folder, if it came from there
    disk_tag: Optional[str] = None  # the file's tag as read (eraser.serve.on_disk): a newer file is said
    objects: list = field(default_factory=list)  # MarkedObject, in the session's order
    exclude: list = field(default_factory=list)  # exclusion clicks
    # (objects, exclude, taken away) before each mark, masks packed: Ctrl-Z takes one back
    earlier: list = field(default_factory=list)
    later: list = field(default_factory=list)  # the same records Ctrl-Z took back: redo brings one back
    # (marks, earlier) each erase was made from, newest last, beside the session's undo steps:
    # undoing an erase brings its marks back; redo moves the record back here
    erased_from: list = field(default_factory=list)
    undone_from: list = field(default_factory=list)  # the same records of erases undone, for redo
    kept: Optional[bytes] = None  # the digest of the image last saved or downloaded; None: the one opened
    recipe: Optional[dict] = None  # the last erase as one `eraser remove` call: command, mask, its image's digest
    cancel: Optional[threading.Event] = None  # set by Escape while an erase runs
    suggested: list = field(default_factory=list)  # segment everything's records, for the image below
    suggested_for: object = None  # the image they were found in (an erase or undo makes them stale)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _digested: tuple = (None, b"")  # (image, digest): the last image digested
    _original_digest: Optional[bytes] = None
    _away_packed: tuple = (None, None)  # (taken away, Packed): the session's last pixels taken away, packed

    @property
    def unsaved(self) -> bool:
        """The image differs from the one last opened, saved or downloaded."""
        image = self.session.image
        return not self.is_original(image) if self.kept is None else self.digest(image) != self.kept

    def is_original(self, image) -> bool:
        """The image has the pixels of the one opened (an undo back to it pastes a new array)."""
        return image is self.original or self.digest(image) == self.digest(self.original)

    def digest(self, image) -> bytes:
        """A fingerprint of an image's pixels, made once per array (the arrays
        are read-only). Comparisons keep these, never an image: a 12 MP photo's
        is 36 MB, and one kept for a recipe or a comparison stayed for the
        photo's life."""
        if image is self.original:
            if self._original_digest is None:
                self._original_digest = _digest(image)
            return self._original_digest
        if self._digested[0] is not image:
            self._digested = (image, _digest(image))
        return self._digested[1]


def _digest(image) -> bytes:
    import hashlib

    import numpy as np

    pixels = np.ascontiguousarray(image)
    return hashlib.blake2b(pixels.data, digest_size=16).digest() + repr(pixels.shape).encode()


class SessionStore:
    def __init__(self, capacity: int = DEFAULT_MAX_SESSIONS) -> None:
        if capacity < 1:
            raise EraserError("--max-photos must be at least 1")
        self.capacity = capacity
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.dropped = 0

    def add(self, client: str, name: str, session: Session, path: Optional[Path] = None) -> tuple[Entry, list[str]]:
        """Keep a new session for ``client``; returns it and the names of that
        tab's photos closed to make room (never one with unsaved erases)."""
        entry = Entry(secrets.token_urlsafe(12), client, name, session, session.image, path)
        dropped = []
        with self._lock:
            mine = [e for e in self._entries.values() if e.client == client]
            while len(mine) >= self.capacity:
                clean = [e for e in mine if not e.unsaved]
                if not clean:
                    raise Full(f"every open photo ({len(mine)}) has unsaved erases: save or download one first")
                del self._entries[clean[0].id]
                mine.remove(clean[0])
                dropped.append(clean[0].name)
                self.dropped += 1
            clients = list(dict.fromkeys(e.client for e in self._entries.values()))
            if len(clients) >= MAX_CLIENTS and client not in clients:
                for old in [e for e in self._entries.values() if e.client == clients[0] and not e.unsaved]:
                    del self._entries[old.id]
            self._entries[entry.id] = entry
        return entry, dropped

    def get(self, client: str, entry_id: str) -> Entry:
        with self._lock:
            entry = self._entries.get(entry_id)
            if entry is None or not secrets.compare_digest(entry.client, client):
                raise Gone(f"this photo is no longer open (each tab keeps its last {self.capacity}); open it again")
            self._entries.move_to_end(entry_id)
            return entry

    def find(self, client: str, name: str, path: Optional[Path]) -> Optional[Entry]:
        """This tab's open photo of the served folder named ``name``, if any."""
        with self._lock:
            for entry in self._entries.values():
                if entry.client == client and entry.path is not None and entry.path == path:
                    self._entries.move_to_end(entry.id)
                    return entry
        return None

    def of(self, client: str) -> list[Entry]:
        with self._lock:
            return [e for e in self._entries.values() if e.client == client]

    def close(self, client: str, entry_id: str) -> None:
        with self._lock:
            entry = self._entries.get(entry_id)
            if entry is not None and entry.client == client:
                del self._entries[entry_id]

    def __len__(self) -> int:
        return len(self._entries)

"""The photos being edited: a bounded LRU of sessions, one lock each."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from eraser.errors import EraserError
from eraser.session import Session

DEFAULT_MAX_SESSIONS = 8


class Gone(EraserError):
    """The photo's session was dropped (least recently used) or never existed."""


@dataclass
class Entry:
    id: str
    name: str  # the file name the photo came with (for the download's name and format)
    session: Session
    original: object  # the image as opened (read-only array), for compare
    path: Optional[Path] = None  # the photo in the served folder, if it came from there
    clicks: list = field(default_factory=list)  # the current object's clicks, refined by more
    suggested: list = field(default_factory=list)  # segment everything's records, for the image below
    suggested_for: object = None  # the image they were found in (an erase or undo makes them stale)
    lock: threading.Lock = field(default_factory=threading.Lock)


class SessionStore:
    def __init__(self, capacity: int = DEFAULT_MAX_SESSIONS) -> None:
        if capacity < 1:
            raise EraserError("--max-photos must be at least 1")
        self.capacity = capacity
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.dropped = 0

    def add(self, name: str, session: Session, path: Optional[Path] = None) -> tuple[Entry, list[str]]:
        """Keep a new session; returns it and the names of photos dropped to make room."""
        entry = Entry(secrets.token_urlsafe(12), name, session, session.image, path)
        dropped = []
        with self._lock:
            self._entries[entry.id] = entry
            while len(self._entries) > self.capacity:
                _, old = self._entries.popitem(last=False)
                dropped.append(old.name)
                self.dropped += 1
        return entry, dropped

    def get(self, entry_id: str) -> Entry:
        with self._lock:
            entry = self._entries.get(entry_id)
            if entry is None:
                raise Gone(f"this photo is no longer open (the server keeps the last {self.capacity}); open it again")
            self._entries.move_to_end(entry_id)
            return entry

    def __len__(self) -> int:
        return len(self._entries)

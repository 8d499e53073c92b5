"""Thumbnails of a served folder's photos, made once per version of a file.

A reload asked for every thumbnail again and each one decoded its photo in
full (about 0.3 s for a 12 MP JPEG on a busy 2-core machine, one after the
other): the strip stayed blank for a second or more. Now each thumbnail is
kept (a few kilobytes) with the file's size and modification time, and sent
with an ETag, so the browser's copy is confirmed with a 304 and no decoding.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Callable

MAX_KEPT = 2000  # thumbnails kept (about 10 KB each)


class Thumbnails:
    def __init__(self, make: Callable[[Path], bytes]) -> None:
        self._make = make
        self._kept: OrderedDict[Path, tuple[str, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def tag(path: Path) -> str:
        """The ETag of the file as it is now: its size, modification time, inode
        and change time (a picture of the same size copied over it with its
        time kept, `cp -p` or `rsync -t`, still changes the last two)."""
        stat = path.stat()
        return f'"{stat.st_size:x}-{stat.st_mtime_ns:x}-{stat.st_ino:x}-{stat.st_ctime_ns:x}"'

    def get(self, path: Path) -> tuple[str, bytes]:
        """(ETag, JPEG bytes) of the file's thumbnail, made again only when the file changed."""
        tag = self.tag(path)
        with self._lock:
            kept = self._kept.get(path)
            if kept is not None and kept[0] == tag:
                self._kept.move_to_end(path)
                return kept
        data = self._make(path)
        with self._lock:
            self._kept[path] = (tag, data)
            while len(self._kept) > MAX_KEPT:
                self._kept.popitem(last=False)
        return tag, data

"""Whether a served folder's photo changed on disk while a tab has it open.

A tab edits the copy it read when it opened the photo. If the file is then
replaced (an external editor saved over it, a sync tool brought a newer
one), erasing and Save would go on from the older pixels without a word. So
each entry keeps the file's tag (size, modification time, inode, change
time: :meth:`Thumbnails.tag`) as read, and every answer about the photo says
whether the file still has it; the page says so once and offers to reload.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from eraser.serve.thumbs import Thumbnails


def file_tag(path: Optional[Path]) -> Optional[str]:
    """The file's tag now, or None when it is gone (or not a file of the folder)."""
    if path is None:
        return None
    try:
        return Thumbnails.tag(path)
    except OSError:
        return None


def disk_change(path: Optional[Path], tag: Optional[str]) -> Optional[str]:
    """None while the file is as read (or the photo was uploaded: no file);
    "changed" when another version replaced it; "removed" when it is gone."""
    if path is None or tag is None:
        return None
    now = file_tag(path)
    if now is None:
        return "removed"
    return None if now == tag else "changed"

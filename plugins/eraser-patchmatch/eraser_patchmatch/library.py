"""Whether pypatchmatch can run here: its compiled library may fail to load
(a wheel for another platform, a missing shared library), and pypatchmatch
then imports anyway, logs one line and raises on every call."""

from __future__ import annotations

import logging
from typing import Optional


class _Kept(logging.Handler):
    """Keeps the messages logged while pypatchmatch is imported (once a
    process: the check runs again and again, the import once)."""

    messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def problem() -> Optional[str]:
    """``None`` when pypatchmatch can fill, else why not (one line): the
    ``available`` check of the inpainters built on it."""
    logger = logging.getLogger("patchmatch")
    # its load failure is said in our reason, not printed beside it as a bare log line
    kept = _Kept()
    logger.addHandler(kept)
    try:
        from patchmatch import patch_match
    except Exception as exc:  # a broken install must not take eraser down
        return f"pypatchmatch cannot be imported ({type(exc).__name__}: {exc}); reinstall eraser-patchmatch"
    finally:
        logger.removeHandler(kept)
    if not patch_match.patchmatch_available:
        said = _Kept.messages[0] if _Kept.messages else "the patchmatch native library is not available"
        return f"pypatchmatch's compiled library did not load ({said}); reinstall pypatchmatch"
    return None

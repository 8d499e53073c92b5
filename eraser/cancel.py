"""Stopping an erase in flight (the web page's Escape).

The caller runs the work under :func:`cancellable` with a ``wanted`` callable;
long stages call :func:`check` between their steps (the pipeline before each
region and each stage, inpainters between iterations). Once ``wanted()`` says
no, the next check raises :class:`Cancelled` and the work unwinds: nothing it
made is kept. Outside :func:`cancellable` a check costs one lookup. The
token is a context variable, so it follows the work's thread, not another's.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from typing import Callable, Iterator, Optional

from eraser.errors import EraserError

_wanted: contextvars.ContextVar[Optional[Callable[[], bool]]] = contextvars.ContextVar("eraser_wanted", default=None)


class Cancelled(EraserError):
    """Work whose result is not wanted any more: whatever it was changing is as before."""


@contextmanager
def cancellable(wanted: Optional[Callable[[], bool]]) -> Iterator[None]:
    token = _wanted.set(wanted)
    try:
        yield
    finally:
        _wanted.reset(token)


def check() -> None:
    """Raise :class:`Cancelled` when the work running now is no longer wanted."""
    wanted = _wanted.get()
    if wanted is not None and not wanted():
        raise Cancelled("the erase was cancelled; the photo is as before")

"""SIGINT, SIGTERM and SIGHUP become an exception, so that clean-ups run.

The handler raises ``Stopped``, a SystemExit: no ``except Exception`` (ours,
typer's or a plugin's) swallows it, while every ``finally`` and ``except
BaseException`` on the way out runs, so a half-written temporary file is
removed before the process ends with status 128 + the signal's number.

Python runs the handler between two bytecodes of the main thread, which can
be inside a weakref callback or a ``__del__`` (the import system has such
callbacks); an exception raised there is printed as "Exception ignored" and
dropped. ``sys.unraisablehook`` sees that happen: the signal is then delivered
again (``_thread.interrupt_main`` from a short-lived thread), and the
"Exception ignored" text is not shown.
"""

from __future__ import annotations

import _thread
import signal
import sys
import time
from contextlib import contextmanager
from typing import Iterator, Optional

NAMES = ("SIGINT", "SIGTERM", "SIGHUP")  # SIGHUP does not exist on Windows
_WORDS = {"SIGINT": "interrupted", "SIGTERM": "terminated", "SIGHUP": "hung up"}


class Stopped(SystemExit):
    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum

    def line(self) -> str:
        name = signal.Signals(self.signum).name
        return f"error: {_WORDS.get(name, 'stopped')} ({name})"


class _State:
    signum: Optional[int] = None  # the first signal received in this run
    redeliver = False  # its Stopped was swallowed by a callback: raise it again


def received() -> Optional[int]:
    return _State.signum


def handled() -> None:
    """The command took the signal as its normal end (``eraser serve``'s Ctrl-C):
    the run is not reported as stopped."""
    _State.signum, _State.redeliver = None, False


def _on_signal(signum: int, frame) -> None:
    if _State.signum is not None and not _State.redeliver:
        return  # already unwinding: a second Ctrl-C must not cut the clean-up short
    _State.signum = _State.signum or signum
    _State.redeliver = False
    raise Stopped(_State.signum)


def _unraisable(previous):
    def hook(unraisable) -> None:
        if isinstance(unraisable.exc_value, Stopped):
            # Delivered again from another thread a moment later: delivered
            # from here, the handler would run, and raise, inside this hook.
            _State.redeliver = True
            _thread.start_new_thread(_redeliver, (unraisable.exc_value.signum,))
            return
        previous(unraisable)

    return hook


def _redeliver(signum: int) -> None:
    time.sleep(0.005)
    _thread.interrupt_main(signum)


@contextmanager
def catching() -> Iterator[None]:
    """Within the block, the three signals raise Stopped (main thread only)."""
    _State.signum, _State.redeliver = None, False
    previous = {}
    for name in NAMES:
        signum = getattr(signal, name, None)
        if signum is None:
            continue
        try:
            previous[signum] = signal.signal(signum, _on_signal)
        except (ValueError, OSError):  # not the main thread: Python's defaults stay
            pass
    old_hook = sys.unraisablehook
    sys.unraisablehook = _unraisable(old_hook)
    try:
        yield
    finally:
        sys.unraisablehook = old_hook
        for signum, handler in previous.items():
            try:
                signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
            except (ValueError, OSError, TypeError):
                pass

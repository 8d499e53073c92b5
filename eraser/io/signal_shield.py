"""Holding the stop signals across a few statements that must not be cut apart.

:func:`eraser.io.files.atomic_write` must own a temp file's name (so that a
``finally`` removes it) before any signal handler may raise, and must publish
the file and drop the temp name together. Blocking the signals with
``pthread_sigmask`` does not give that: it blocks them for the calling thread
only. A process-directed signal (Ctrl-C, ``kill``) taken by any other thread
(OpenCV's or BLAS's workers) still makes Python run the handler in the main
thread, at its next bytecode, inside ``tempfile.mkstemp`` after the file was
made but before its name came back.

Within a :class:`SignalShield` the Python-level handlers of SIGINT, SIGTERM and
SIGHUP are replaced by one that only notes the signal; on leaving, the old
handlers come back and a noted signal is raised again, so its handler runs
where a clean-up is armed. Only the main thread runs signal handlers, so in
any other thread the shield does nothing. A signal whose disposition is not a
Python function (SIG_DFL ends the process, SIG_IGN drops it) is left alone.
"""

from __future__ import annotations

import signal
import threading
from typing import Callable, Optional

STOP_SIGNALS = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n))

# Tests set this to a function that is called inside every shield, with the
# handlers already replaced: a signal sent there must be noted, not raised.
_inside_hook: Optional[Callable[[], None]] = None


class SignalShield:
    def __init__(self) -> None:
        self._previous: dict[int, object] = {}
        self.noted: list[int] = []

    def __enter__(self) -> "SignalShield":
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                try:
                    handler = signal.getsignal(signum)
                    if callable(handler):
                        self._previous[signum] = signal.signal(signum, self._note)
                except (ValueError, OSError):  # not settable here (an embedded interpreter)
                    pass
        if _inside_hook is not None:
            _inside_hook()
        return self

    def _note(self, signum: int, frame) -> None:
        if signum not in self.noted:
            self.noted.append(signum)

    def __exit__(self, *exc) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()
        # raise_signal runs the C handler now, in this thread; the restored
        # Python handler then runs at the next bytecode, outside the shield.
        for signum in self.noted:
            signal.raise_signal(signum)

"""The one exception type for mistakes a user can make (and its kind for a failed backend).

The CLI prints ``error: <message>`` and exits with status 2 for these; any
other exception is a bug. ``EraserError`` is a ``ValueError`` so that Python
callers who already catch bad values catch it too.
"""


class EraserError(ValueError):
    """A user-facing error with a one-line message."""

    def __init__(self, message: str) -> None:
        # Keep messages to one line so the CLI output stays one line.
        super().__init__(" ".join(str(message).split()))


class BackendFailure(EraserError):
    """A backend (an :class:`eraser.registry.BackendSpec`'s) raised or broke
    its contract; ``auto`` tries the next one (see :mod:`eraser.fallback`)."""

    def __init__(self, spec, what: str) -> None:
        super().__init__(f"{spec.kind} {spec.name!r} ({spec.plugin}) {what}")
        self.spec = spec


class PluginWarning(UserWarning):
    """A plugin that was skipped or partly ignored; the message is one line
    naming the plugin and its distribution. The CLI prints these as
    ``warning: <message>``; everything else keeps working."""


def show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A ``warnings.showwarning`` that prints ``warning: MESSAGE`` on one line
    (the default adds the source file and line); the CLI installs it."""
    import sys

    stream = sys.stderr if file is None else file
    try:
        stream.write("warning: " + " ".join(str(message).split()) + "\n")
    except (OSError, ValueError):
        pass  # stderr gone: a warning is not worth a crash

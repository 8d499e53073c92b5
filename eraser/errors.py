"""The one exception type for mistakes a user can make.

The CLI prints ``error: <message>`` and exits with status 2 for these; any
other exception is a bug. ``EraserError`` is a ``ValueError`` so that Python
callers who already catch bad values catch it too.
"""


class EraserError(ValueError):
    """A user-facing error with a one-line message."""

    def __init__(self, message: str) -> None:
        # Keep messages to one line so the CLI output stays one line.
        super().__init__(" ".join(str(message).split()))

"""Text for one-line messages (imports nothing); numbers in messages: :mod:`eraser.floats`."""


def one_line(text: object) -> str:
    """``text`` with every run of whitespace, newlines included, as one space."""
    return " ".join(str(text).split())


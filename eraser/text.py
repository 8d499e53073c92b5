"""Small text helpers for one-line messages (imports nothing)."""


def one_line(text: object) -> str:
    """``text`` with every run of whitespace, newlines included, as one space."""
    return " ".join(str(text).split())


def number(value: float) -> str:
    """A number as a message shows it: ``12`` for 12.0, else up to six significant digits."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"

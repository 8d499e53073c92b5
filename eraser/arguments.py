"""Type checks for the public Python functions' arguments, as the CLI's parser makes them.

A value of the wrong type is a caller's mistake: one-line EraserError naming
the argument, never a TypeError from deep inside, and never a silent
``str(None)`` (``eraser.batch("in", None)`` once wrote into a folder named
"None").
"""

from __future__ import annotations

import numbers
import os
from typing import Any

import numpy as np

from eraser.errors import EraserError
from eraser.floats import shown


def location(name: str, value: Any, *, optional: bool = False) -> Any:
    """A path or URL: a str or an os.PathLike (None too when ``optional``)."""
    if value is None and optional:
        return value
    if isinstance(value, str) or (isinstance(value, os.PathLike) and isinstance(os.fspath(value), str)):
        if not os.fspath(value):
            raise EraserError(f"{name} must not be empty")
        return value
    wanted = "a path, a URL or None" if optional else "a path or a URL"
    raise EraserError(f"{name} must be {wanted}, not {shown(value)}")


def flag(name: str, value: Any) -> bool:
    """True or False (a numpy bool too); 0, 1, None and "yes" are refused."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise EraserError(f"{name} must be True or False, not {shown(value)}")


def name(what: str, value: Any, *, optional: bool = False) -> Any:
    """A plain string, such as a backend's name."""
    if value is None and optional:
        return value
    if isinstance(value, str):
        return value
    raise EraserError(f"{what} must be a string, not {shown(value)}")


def strings(what: str, value: Any) -> tuple:
    """A list (or tuple) of strings such as "120,80"; one bare string is refused, as
    it would be read character by character."""
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise EraserError(f"{what} must be a list of strings such as [\"120,80\"], not {shown(value)}")


def whole(what: str, value: Any) -> int:
    """A Python or numpy integer (bools refused)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise EraserError(f"{what} must be a whole number, not {shown(value)}")
    return int(value)


def function(what: str, value: Any) -> Any:
    if value is None or callable(value):
        return value
    raise EraserError(f"{what} must be a function or None, not {shown(value)}")

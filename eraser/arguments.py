"""Type checks for the public Python functions' arguments, as the CLI's parser makes them.

A value of the wrong type is a caller's mistake: one-line EraserError naming
the argument, never a TypeError from deep inside, and never a silent
``str(None)`` (``eraser.batch("in", None)`` once wrote into a folder named
"None").
"""

from __future__ import annotations

import numbers
import os
from typing import Any, Optional

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


def prompt_strings(what: str, value: Any, size: int) -> tuple:
    """Prompts as the CLI writes them ("120,80", "330,460+440,362" for two clicks
    on one object, "10,10,50,50" for a box) or as eraser.remove takes them:
    ``(x, y)`` / ``(x0, y0, x1, y1)`` tuples, and for points a list of clicks
    for one object. Numbers are checked later, where the strings are parsed."""
    example = '["120,80"] or [(120, 80)]' if size == 2 else '["10,10,50,50"] or [(10, 10, 50, 50)]'
    if isinstance(value, (list, tuple)):
        out = [_prompt_string(item, size) for item in value]
        if all(item is not None for item in out):
            return tuple(out)
    raise EraserError(f"{what} must be a list such as {example}, not {shown(value)}")


def _prompt_string(item: Any, size: int) -> Optional[str]:
    if isinstance(item, str):
        return item
    if _numbers(item, size):
        return ",".join(_text(v) for v in item)
    if size == 2 and isinstance(item, (list, tuple)) and item and all(_numbers(click, 2) for click in item):
        return "+".join(",".join(_text(v) for v in click) for click in item)
    return None


def _text(v: numbers.Real) -> str:
    """A number as the CLI's parser reads it: never an exponent, whose "+"
    (1e+308) is the parser's separator of clicks."""
    if isinstance(v, numbers.Integral):
        return str(int(v))
    return np.format_float_positional(float(v), trim="-")


def _numbers(item: Any, size: int) -> bool:
    return (isinstance(item, (list, tuple, np.ndarray)) and len(item) == size
            and all(isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) for v in item))


def whole(what: str, value: Any) -> int:
    """A Python or numpy integer (bools refused)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise EraserError(f"{what} must be a whole number, not {shown(value)}")
    return int(value)


def function(what: str, value: Any) -> Any:
    if value is None or callable(value):
        return value
    raise EraserError(f"{what} must be a function or None, not {shown(value)}")

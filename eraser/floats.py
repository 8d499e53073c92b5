"""A user's number as a float, never an OverflowError.

``float(10**400)`` (an int, Fraction or Decimal beyond a double's range)
raises OverflowError, which no caller expects; here it becomes an infinity
of the same sign, which every check then refuses as "not finite".
"""

from __future__ import annotations

import math
from typing import Any


def to_float(value: Any) -> float:
    try:
        return float(value)
    except OverflowError:
        return -math.inf if value < 0 else math.inf


def short_number(v: float) -> str:
    """A number for a message: whole numbers without '.0', huge ones in e-notation."""
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else f"{v:g}"


def shown(value: Any) -> str:
    """``repr(value)`` cut to 60 characters, for a one-line message (10**400 has 401 digits)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."

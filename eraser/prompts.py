"""Prompts: parsing what a person typed and checking it against the image.

Syntax (the CLI and the Python API share it):

* ``--point X,Y`` marks one object; repeat the option for more objects.
* ``--point X1,Y1+X2,Y2`` puts several clicks on the same object.
* ``--exclude X,Y`` is a click that must stay out of every object.
* ``--box X0,Y0,X1,Y1`` marks one object by a box (repeatable).
* ``--mask FILE`` gives the object mask directly.

The Python API takes the same things as Python values: a point is any pair of
finite numbers (ints, floats, numpy scalars, a length-2 array, or an "X,Y"
string), an object is a point or a list of points, a box is four numbers or
an "X0,Y0,X1,Y1" string; anything else is an :class:`EraserError`.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal, Optional, Sequence, Union

import numpy as np

from eraser.errors import EraserError
from eraser.floats import short_number, to_float

PromptKind = Literal["point", "box", "mask"]


@dataclass(frozen=True)
class Prompt:
    """What a person pointed at, for one object, in image pixel coordinates.

    ``points`` are ``(x, y)`` clicks and ``labels`` say for each whether it is on
    the object (1) or must stay out of it (0). ``box`` is ``(x0, y0, x1, y1)``
    with exclusive ``x1``/``y1``. ``mask`` is a float32 ``(H, W)`` mask given
    by the user, for segmenters that accept one.
    """

    points: tuple[tuple[float, float], ...] = ()
    labels: tuple[int, ...] = ()
    box: Optional[tuple[int, int, int, int]] = None
    mask: Optional[np.ndarray] = field(default=None, compare=False)

    @property
    def positive_points(self) -> list[tuple[float, float]]:
        return [p for p, label in zip(self.points, self.labels) if label == 1]

    @property
    def negative_points(self) -> list[tuple[float, float]]:
        return [p for p, label in zip(self.points, self.labels) if label == 0]

    @property
    def kind(self) -> PromptKind:
        """The prompt kind a segmenter must accept to handle this prompt."""
        if self.mask is not None:
            return "mask"
        if self.box is not None:
            return "box"
        return "point"


Point = tuple[float, float]
Box = tuple[int, int, int, int]
PointGroup = Union[Point, Sequence[Point], str]

BOX_EXAMPLE = "X0,Y0,X1,Y1 such as 10,20,200,180"
POINT_EXAMPLE = "X,Y such as 120,80"


def _numbers(text: str, count: int, what: str, example: str) -> list[float]:
    parts = text.strip().split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != count or not all(math.isfinite(v) for v in values):
        raise EraserError(f"bad {what} {_short(text)}: expected {example}")
    return values


def parse_point(text: str) -> Point:
    x, y = _numbers(text, 2, "point", POINT_EXAMPLE)
    return (x, y)


def parse_point_group(text: str) -> list[Point]:
    """``"X,Y"`` or ``"X1,Y1+X2,Y2"``: the clicks on one object."""
    return [parse_point(part) for part in text.split("+")]


def parse_box(text: str) -> Box:
    x0, y0, x1, y1 = _numbers(text, 4, "box", BOX_EXAMPLE)
    return (round(x0), round(y0), round(x1), round(y1))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_number(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, np.ndarray):
        return value.ndim == 0 and value.dtype.kind in "iuf"
    return isinstance(value, numbers.Real)


def _finite(values: Sequence[Any], what: str, original: Any, example: str) -> list[float]:
    out = [to_float(v) for v in values]  # 10**400 becomes inf, refused below
    if not all(math.isfinite(v) for v in out):
        raise EraserError(f"bad {what} {_short(original)}: coordinates must be finite numbers ({example})")
    return out


def _is_pair(item: Any) -> bool:
    """A single (x, y): two numbers, not a list of points."""
    try:
        return len(item) == 2 and all(_is_number(v) for v in item)
    except TypeError:
        return False


def as_point(item: Any) -> Point:
    """One click, from a string or a pair of numbers."""
    if isinstance(item, str):
        return parse_point(item)
    if not _is_pair(item):
        raise EraserError(f"bad point {_short(item)}: expected {POINT_EXAMPLE}, or a pair of numbers")
    x, y = _finite(item, "point", item, POINT_EXAMPLE)
    return (x, y)


def as_group(item: Any) -> list[Point]:
    """One object's clicks: a point, a list of points, or an "X,Y+X,Y" string."""
    if isinstance(item, str):
        return parse_point_group(item)
    if _is_pair(item):
        return [as_point(item)]
    try:
        group = [as_point(p) for p in item]
    except TypeError:
        raise EraserError(f"bad point {_short(item)}: expected {POINT_EXAMPLE}, or a list of them") from None
    if not group:
        raise EraserError("an object needs at least one point")
    return group


def as_box(item: Any) -> Box:
    if isinstance(item, str):
        return parse_box(item)
    try:
        ok = len(item) == 4 and all(_is_number(v) for v in item)
    except TypeError:
        ok = False
    if not ok:
        raise EraserError(f"bad box {_short(item)}: expected {BOX_EXAMPLE}")
    x0, y0, x1, y1 = (round(v) for v in _finite(item, "box", item, BOX_EXAMPLE))
    return (x0, y0, x1, y1)


def _items(value: Any, single) -> list[Any]:
    """``value`` as a list of items, where ``single(value)`` says it is one item."""
    if value is None:
        return []
    if isinstance(value, str) or single(value):
        return [value]
    if isinstance(value, np.ndarray):
        return list(value)
    try:
        return list(value)
    except TypeError:
        raise EraserError(f"expected a list, not {_short(value)}") from None


def as_groups(points: Any) -> list[list[Point]]:
    """``points`` of the API: one object, or a list of objects."""
    return [as_group(item) for item in _items(points, _is_pair)]


def as_boxes(boxes: Any) -> list[Box]:
    """``box`` of the API: one box, or a list of boxes."""

    def one_box(value: Any) -> bool:
        try:
            return len(value) == 4 and all(_is_number(v) for v in value)
        except TypeError:
            return False

    return [as_box(item) for item in _items(boxes, one_box)]


def as_points(points: Any) -> list[Point]:
    """A flat list of clicks (``exclude``)."""
    return [as_point(item) for item in _items(points, _is_pair)]


def _check_point(p: Point, width: int, height: int) -> None:
    x, y = p
    if not (0 <= x < width and 0 <= y < height):
        raise EraserError(f"point {short_number(to_float(x))},{short_number(to_float(y))} is outside the {width}x{height} image")


def _check_box(b: Box, width: int, height: int) -> Box:
    x0, y0, x1, y1 = b
    if x1 <= x0 or y1 <= y0:
        raise EraserError(f"box {x0},{y0},{x1},{y1} is empty: X1 must exceed X0 and Y1 exceed Y0")
    if x0 < 0 or y0 < 0 or x0 >= width or y0 >= height or x1 > width or y1 > height:
        raise EraserError(f"box {x0},{y0},{x1},{y1} is outside the {width}x{height} image")
    return b


def build_prompts(
    width: int,
    height: int,
    points: Any = None,
    boxes: Any = None,
    exclude: Any = None,
) -> list[Prompt]:
    """One :class:`Prompt` per object, validated against the image size.

    Exclusion clicks are added as negative points to every object.
    """
    negatives = as_points(exclude)
    for p in negatives:
        _check_point(p, width, height)
    prompts = []
    for group in as_groups(points):
        for p in group:
            _check_point(p, width, height)
        prompts.append(Prompt(points=tuple(group) + tuple(negatives), labels=(1,) * len(group) + (0,) * len(negatives)))
    for box in as_boxes(boxes):
        prompts.append(Prompt(points=tuple(negatives), labels=(0,) * len(negatives), box=_check_box(box, width, height)))
    return prompts


def make_prompts(width: int, height: int, points: Any = None, boxes: Any = None, exclude: Any = None, mask: Any = None) -> list[Prompt]:
    """The prompts for a ``width`` x ``height`` photo: one per object, plus one for a mask."""
    prompts = build_prompts(width, height, points, boxes, exclude)
    if mask is not None:
        from eraser.io import load_mask

        negatives = as_points(exclude)
        prompts.append(Prompt(points=tuple(negatives), labels=(0,) * len(negatives), mask=load_mask(mask, width, height)))
    return prompts


def negative_points(prompts: Iterable[Prompt]) -> list[Point]:
    """Every excluded click of these prompts, once each."""
    seen: list[Point] = []
    for prompt in prompts:
        seen += [p for p in prompt.negative_points if p not in seen]
    return seen

"""Prompts: parsing what a person typed and checking it against the image.

Syntax (the CLI and the Python API share it):

* ``--point X,Y`` marks one object; repeat the option for more objects.
* ``--point X1,Y1+X2,Y2`` puts several clicks on the same object.
* ``--exclude X,Y`` is a click that must stay out of every object.
* ``--box X0,Y0,X1,Y1`` marks one object by a box (repeatable).
* ``--mask FILE`` gives the object mask directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, Literal, Optional, Sequence, Union

import numpy as np

from eraser.errors import EraserError

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
PointGroup = Union[Point, Sequence[Point]]


def _numbers(text: str, count: int, what: str, example: str) -> list[float]:
    parts = text.strip().split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != count or not all(math.isfinite(v) for v in values):
        raise EraserError(f"bad {what} {text!r}: expected {example}")
    return values


def parse_point(text: str) -> Point:
    x, y = _numbers(text, 2, "point", "X,Y such as 120,80")
    return (x, y)


def parse_point_group(text: str) -> list[Point]:
    """``"X,Y"`` or ``"X1,Y1+X2,Y2"``: the clicks on one object."""
    return [parse_point(part) for part in text.split("+")]


def parse_box(text: str) -> Box:
    x0, y0, x1, y1 = _numbers(text, 4, "box", "X0,Y0,X1,Y1 such as 10,20,200,180")
    return (round(x0), round(y0), round(x1), round(y1))


def _check_point(p: Point, width: int, height: int) -> None:
    x, y = p
    if not (0 <= x < width and 0 <= y < height):
        raise EraserError(
            f"point {_fmt(x)},{_fmt(y)} is outside the {width}x{height} image"
        )


def _check_box(b: Box, width: int, height: int) -> Box:
    x0, y0, x1, y1 = b
    if x1 <= x0 or y1 <= y0:
        raise EraserError(f"box {x0},{y0},{x1},{y1} is empty: X1 must exceed X0 and Y1 exceed Y0")
    if x0 < 0 or y0 < 0 or x0 >= width or y0 >= height or x1 > width or y1 > height:
        raise EraserError(f"box {x0},{y0},{x1},{y1} is outside the {width}x{height} image")
    return b


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def _as_groups(points: Optional[Iterable[PointGroup]]) -> list[list[Point]]:
    groups = []
    for item in points or []:
        if isinstance(item, str):
            groups.append(parse_point_group(item))
        elif len(item) == 2 and all(isinstance(v, (int, float)) for v in item):
            groups.append([(float(item[0]), float(item[1]))])
        else:
            groups.append([(float(p[0]), float(p[1])) for p in item])
    return groups


def build_prompts(
    width: int,
    height: int,
    points: Optional[Iterable[PointGroup]] = None,
    boxes: Optional[Iterable[Union[Box, str]]] = None,
    exclude: Optional[Iterable[Union[Point, str]]] = None,
) -> list[Prompt]:
    """One :class:`Prompt` per object, validated against the image size.

    Exclusion clicks are added as negative points to every object.
    """
    negatives = [parse_point(p) if isinstance(p, str) else (float(p[0]), float(p[1])) for p in exclude or []]
    for p in negatives:
        _check_point(p, width, height)
    prompts = []
    for group in _as_groups(points):
        for p in group:
            _check_point(p, width, height)
        prompts.append(
            Prompt(
                points=tuple(group) + tuple(negatives),
                labels=(1,) * len(group) + (0,) * len(negatives),
            )
        )
    for box in boxes or []:
        b = parse_box(box) if isinstance(box, str) else tuple(int(round(v)) for v in box)
        if len(b) != 4:
            raise EraserError(f"bad box {box!r}: expected X0,Y0,X1,Y1")
        prompts.append(
            Prompt(
                points=tuple(negatives),
                labels=(0,) * len(negatives),
                box=_check_box(b, width, height),
            )
        )
    return prompts

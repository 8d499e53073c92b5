"""Request bodies the page sends, checked into small typed values.

Each ``*_body`` function takes the decoded JSON object and returns a frozen
dataclass, or raises :class:`Problem` with a one-line message (a 4xx). Values
are checked for shape and type here; whether a point lies inside the photo is
checked where the photo is known (:mod:`eraser.prompts`), with the CLI's words.
"""

from __future__ import annotations

import json
import math
import numbers
from dataclasses import dataclass
from typing import Any, Optional

from eraser.floats import to_float

MAX_BODY_BYTES = 1 << 20  # marks and settings are small; a mask comes as an upload, not JSON
MAX_STROKE_POINTS = 20_000  # one brush stroke; a person's drag makes a few hundred
MARK_KINDS = ("point", "exclude", "box", "refine")  # refine: the old name of a point with add
SUGGESTION_OPTIONS = ("points_per_side", "pred_iou_thresh", "stability_score_thresh", "box_nms_thresh",
                      "min_mask_region_area")


class Problem(Exception):
    """A request the server will not do: its HTTP status and one line for the page."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.extra = status, extra


def parse_json(raw: bytes) -> dict:
    if len(raw) > MAX_BODY_BYTES:
        raise Problem(413, "request too large")
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        raise Problem(400, "the request body is not JSON") from None
    if not isinstance(data, dict):
        raise Problem(400, "the request body must be a JSON object")
    return data


def _number(value: Any, what: str) -> float:
    # to_float: 10**400 (a JSON integer may have any length) is inf here, refused, not an OverflowError
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(to_float(value)):
        raise Problem(400, f"{what} must be finite numbers, not {str(value)[:40]}")
    return float(value)


def _pair(value: Any, what: str) -> tuple[float, float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise Problem(400, f"{what} must be [x, y], not {json.dumps(value)[:60]}")
    return _number(value[0], what), _number(value[1], what)


@dataclass(frozen=True)
class Mark:
    kind: str  # point (on the object), exclude (must stay), box
    point: Optional[tuple[float, float]] = None
    box: Optional[tuple[float, float, float, float]] = None
    add: bool = False  # Shift: the click adds to the current object instead of starting one


def mark_body(data: dict) -> Mark:
    kind = data.get("kind")
    if kind not in MARK_KINDS:
        raise Problem(400, "kind must be point, exclude or box")
    add = flag(data, "add") or kind == "refine"
    kind = "point" if kind == "refine" else kind
    if kind == "box":
        box = data.get("box")
        if not isinstance(box, (list, tuple)) or len(box) != 4:
            raise Problem(400, f"box must be [x0, y0, x1, y1], not {json.dumps(box)[:60]}")
        return Mark(kind, box=tuple(_number(v, "box") for v in box))
    return Mark(kind, point=_pair(data.get("point"), "point"), add=add)


@dataclass(frozen=True)
class Stroke:
    """A brush stroke in photo pixels: a polyline painted with a round brush."""

    points: tuple[tuple[float, float], ...]
    radius: float
    erase: bool  # take away from the selection instead of adding


def stroke_body(data: dict) -> Stroke:
    points = data.get("points")
    if not isinstance(points, list) or not points:
        raise Problem(400, "points must be a list of [x, y]")
    if len(points) > MAX_STROKE_POINTS:
        raise Problem(400, f"a stroke has at most {MAX_STROKE_POINTS} points, not {len(points)}")
    radius = _number(data.get("radius"), "radius")
    if not 0.5 <= radius <= 2000:
        raise Problem(400, "radius must be 0.5 to 2000 pixels")
    erase = data.get("erase", False)
    if not isinstance(erase, bool):
        raise Problem(400, "erase must be true or false")
    return Stroke(tuple(_pair(p, "points") for p in points), radius, erase)


@dataclass(frozen=True)
class Settings:
    dilate: Any = None  # checked against the photo by eraser.refine.check
    feather: Any = None
    inpainter: Optional[str] = None


def settings_body(data: dict) -> Settings:
    unknown = set(data) - {"dilate", "feather", "inpainter"}
    if unknown:
        raise Problem(400, f"unknown setting {sorted(unknown)[0]!r}: dilate, feather or inpainter")
    inpainter = data.get("inpainter")
    if inpainter is not None and not isinstance(inpainter, str):
        raise Problem(400, "inpainter must be a name")
    return Settings(data.get("dilate"), data.get("feather"), inpainter)


def suggestion_options(data: dict) -> dict:
    """segment everything's options a page may set (the rest keep the
    segmenter's defaults); their values are checked where they are used."""
    options = data.get("options") or {}
    if not isinstance(options, dict) or not set(options) <= set(SUGGESTION_OPTIONS):
        raise Problem(400, "options must be among: " + ", ".join(SUGGESTION_OPTIONS))
    return options


def index_body(data: dict, count: int) -> int:
    index = data.get("index")
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
        raise Problem(400, f"index must be a suggestion's number, 0 to {count - 1}" if count
                      else "no suggestions: ask for them first")
    return index


def flag(data: dict, name: str) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise Problem(400, f"{name} must be true or false")
    return value

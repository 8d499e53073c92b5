"""Each photo's prompts: the same for all, a mask by stem, or a prompts file.

The prompts file is JSON Lines or CSV, one photo per record:

* JSON Lines: ``{"photo": "sub/a.jpg", "points": ["120,80", "130,90+140,95"],
  "exclude": ["10,10"], "boxes": ["5,5,60,60"], "mask": "masks/a.png"}``
  (points, exclude and boxes may also be lists of numbers: ``[[120, 80]]``;
  a clip's record may add ``"frame": N`` or ``"at": SECONDS``, the frame
  the prompts are on);
* CSV with a header row: ``photo,points,exclude,boxes,mask`` (and
  ``frame``, ``at``), several values
  in one cell separated by ``;`` (``120,80;130,90``).

``photo`` is relative to the input folder; ``mask`` relative to the prompts
file. Photos the file does not name are not processed.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Optional

from eraser.batching.inputs import Photo, filesystem, join
from eraser.errors import EraserError


@dataclass(frozen=True)
class Job:
    photo: Photo
    points: tuple = ()
    exclude: tuple = ()
    boxes: tuple = ()
    mask: Optional[str] = None  # a path or URL
    frame: Optional[int] = None  # a clip's frame the prompts are on (or ``at`` seconds) [default: its first]
    at: Optional[float] = None
    problem: Optional[str] = field(default=None, compare=False)  # known before any work: reported as a failure


def _values(value: object, what: str, where: str) -> tuple:
    """A prompt cell: None, "x,y;x,y", a list of "x,y" strings or of number lists."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(";") if v.strip())
    if isinstance(value, list):
        out = []
        for v in value:
            if isinstance(v, str):
                out.append(v)
            elif isinstance(v, list) and all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in v):
                out.append(",".join(repr(n) for n in v))
            else:
                raise EraserError(f"{where}: {what} must be \"x,y\" strings or lists of numbers, got {str(v)[:40]}")
        return tuple(out)
    raise EraserError(f"{where}: {what} must be a list or a string, got {type(value).__name__}")


def read_prompts(path: str) -> list[dict]:
    fs, p = filesystem(path)
    try:
        with fs.open(p, "rb") as f:
            text = f.read().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise EraserError(f"cannot read prompts file {path}: {exc}") from None
    if path.lower().endswith(".csv"):
        rows = list(csv.DictReader(io.StringIO(text)))
        if rows and "photo" not in rows[0]:
            raise EraserError(f"{path}: the CSV needs a header row with a 'photo' column")
        for i, row in enumerate(rows):
            if None in row:  # more cells than columns: an unquoted "x,y"
                raise EraserError(f"{path}:{i + 2}: more cells than columns; quote cells that hold commas (\"120,80\")")
        return [{**row, "_where": f"{path}:{i + 2}"} for i, row in enumerate(rows)]
    records = []
    for i, line in enumerate(text.splitlines()):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise EraserError(f"{path}:{i + 1}: not JSON ({exc.msg})") from None
        if not isinstance(record, dict) or not isinstance(record.get("photo"), str):
            raise EraserError(f"{path}:{i + 1}: each line must be an object with a \"photo\" name")
        records.append({**record, "_where": f"{path}:{i + 1}"})
    return records


def from_prompts_file(path: str, photos: list[Photo], input: Optional[str] = None) -> list[Job]:
    by_name = {p.relative: p for p in photos}
    base = path.rsplit("/", 1)[0] if "/" in path else ""
    jobs = []
    for record in read_prompts(path):
        where = record["_where"]
        photo = by_name.get(str(record.get("photo")).strip())
        if photo is None:
            raise EraserError(f"{where}: {_not_a_photo(record.get('photo'), input)}")
        mask = record.get("mask") or None
        frame, at = _number(record.get("frame"), int, "frame", where), _number(record.get("at"), float, "at", where)
        if (frame is not None or at is not None) and not photo.video:
            raise EraserError(f"{where}: frame and at are for clips; {photo.relative} is a photo")
        jobs.append(Job(photo, _values(record.get("points"), "points", where),
                        _values(record.get("exclude"), "exclude", where),
                        _values(record.get("boxes"), "boxes", where),
                        join(base, mask) if mask and not _absolute(mask) else mask, frame, at))
    return jobs


def _not_a_photo(name: object, input: Optional[str]) -> str:
    """Why a prompts line's photo is not among the input's photos: missing, or
    there but not a photo (photos are found by their content, not their name)."""
    if input is not None and isinstance(name, str) and name.strip():
        fs, base = filesystem(input)
        try:
            there = fs.isfile(join(base, name.strip()))
        except (OSError, ValueError):
            there = False
        if there:
            return f"{name!r} in the input folder is not a photo or clip eraser can read"
    return f"no photo {name!r} in the input folder"


def _number(value: object, kind: type, what: str, where: str):
    """A record's frame number or time (a number, or a CSV cell holding one); None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise EraserError(f"{where}: {what} must be a number, not {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise EraserError(f"{where}: {what} must be a number, not {str(value)[:40]!r}") from None
    if not number >= 0 or number == float("inf") or (kind is int and number != int(number)):
        raise EraserError(f"{where}: {what} must be a {'whole ' if kind is int else ''}number of at least 0, not {value}")
    return kind(number)


def _absolute(path: str) -> bool:
    return path.startswith("/") or "://" in path


def from_mask_folder(folder: str, photos: list[Photo]) -> list[Job]:
    """IOPaint's convention: the mask of sub/a.jpg is sub/a.<any image ext> in ``folder``."""
    from eraser.batching.inputs import find_photos

    masks = {}
    for m in find_photos(folder, recursive=True):
        stem = m.relative.rsplit(".", 1)[0]
        masks.setdefault(stem, m.source)
    jobs = []
    for photo in photos:
        mask = masks.get(photo.relative.rsplit(".", 1)[0])
        jobs.append(Job(photo, mask=mask, problem=None if mask else f"no mask for {photo.relative} in {folder}"))
    return jobs


def same_for_all(photos: list[Photo], points=(), exclude=(), boxes=(), mask=None) -> list[Job]:
    from eraser.prompts import as_boxes, as_groups, as_points

    if not (points or boxes or mask):
        raise EraserError("nothing to remove: give --point, --box, --mask, --masks DIR or --prompts FILE")
    as_groups(list(points)), as_points(list(exclude)), as_boxes(list(boxes))  # a typo is a usage error, not N failures
    return [Job(p, tuple(points), tuple(exclude), tuple(boxes), mask) for p in photos]

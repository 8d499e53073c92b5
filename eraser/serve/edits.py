"""The page's marks on one photo, kept beside its session so that each can be
taken back (Ctrl-Z) and drawn again after a reload.

The rule a person reads on the page: a click *outside* the current object's
mask starts a new object; a click inside it, or a Shift-click, adds to it.
Brush strokes add to a painted object, or (taking away) cut the painted area
out of the selection: the session's ``taken_away`` pixels, applied after the
objects are segmented, so every click stays a click (its marker shown, still
taken back one at a time). Painting over pixels taken away brings them back.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from eraser.serve.packed import Packed
from eraser.serve.schemas import Mark, Stroke
from eraser.serve.sessions import Entry, MarkedObject

MAX_EARLIER = 40  # marks Ctrl-Z can take back (a painted 12 MP object is 12 MB)


def apply_mark(entry: Entry, mark: Mark) -> None:
    """Add one click or box to the photo's marks (the session segments it)."""
    s = entry.session
    _remember(entry)
    try:
        if mark.kind == "exclude":
            s.add(exclude=[mark.point])
            entry.exclude.append(list(mark.point))
        elif mark.kind == "box":
            s.add(boxes=[mark.box])
            entry.objects.append(MarkedObject(box=[round(v) for v in mark.box]))
        else:
            target = _object_to_extend(entry, mark)
            if target is None:
                s.add(points=[[mark.point]])
                entry.objects.append(MarkedObject(points=[list(mark.point)]))
            else:
                _replace_last(entry, MarkedObject(points=target.points + [list(mark.point)]))
    except BaseException:
        entry.earlier.pop()  # the session kept nothing of a mark it could not preview
        raise


def _object_to_extend(entry: Entry, mark: Mark) -> Optional[MarkedObject]:
    if not entry.objects or not entry.objects[-1].points:
        return None
    if mark.add:
        return entry.objects[-1]
    mask = entry.session.object_mask(-1)
    x, y = _pixel(entry, mark.point)
    shown = mask is not None and mask[y, x] >= 0.5 and not _away_at(entry.session.taken_away, entry, mark.point)
    return entry.objects[-1] if shown else None  # a spot taken away looks unselected: a new object


def _pixel(entry: Entry, point) -> tuple[int, int]:
    width, height = entry.session.size
    x, y = (min(max(int(v), 0), limit - 1) for v, limit in zip(point, (width, height)))
    return x, y


def _away_at(away, entry: Entry, point) -> bool:
    """The pixel under a click is one taken away (by the brush)."""
    x, y = _pixel(entry, point)
    return away is not None and bool(away[y, x])


def _replace_last(entry: Entry, new: MarkedObject) -> None:
    """The current object marked again with one more click or painted area
    (:meth:`eraser.Session.grow`: only what this mark adds wins over pixels
    taken away, unless the click landed on one)."""
    _add(entry.session, new, grow=True)
    entry.objects[-1] = new


def _add(session, obj: MarkedObject, grow: bool = False) -> None:
    mark = session.grow if grow else session.add
    if obj.mask is not None:
        mark(mask=obj.mask)
    elif obj.box is not None:
        mark(boxes=[obj.box])
    else:
        mark(points=[obj.points])


def paint(entry: Entry, stroke: Stroke) -> Optional[str]:
    """One brush stroke: add the painted pixels, or take them away. Returns a
    note for the person when a take-away closes again in the hole (see
    :func:`closes_again`)."""
    s = entry.session
    painted = _painted(s.size, stroke)
    _remember(entry)
    try:
        if stroke.erase:
            if not entry.objects:
                entry.earlier.pop()
                return None
            before = s.selection().mask >= 0.5
            s.taken_away = painted if s.taken_away is None else s.taken_away | painted
            after = s.selection().mask >= 0.5
            if not after.any():  # nothing left: the marks go (Ctrl-Z brings them back)
                s.clear()
                entry.objects = []
                if entry.exclude:
                    s.add(exclude=entry.exclude)
                return None
            if closes_again(before, after, s.dilate):
                return (f"this cut is narrower than twice Dilate ({2 * s.dilate} px) and closes again in the red: "
                        "paint wider or lower Dilate")
            return None
        if s.taken_away is not None:
            s.taken_away = s.taken_away & ~painted
        if entry.objects and entry.objects[-1].mask is not None:
            _replace_last(entry, MarkedObject(mask=entry.objects[-1].mask | painted))
        else:
            obj = MarkedObject(mask=painted)
            _add(s, obj)
            entry.objects.append(obj)
    except BaseException:
        restore(entry, entry.earlier.pop())
        raise


def closes_again(before: np.ndarray, after: np.ndarray, dilate_px: int) -> bool:
    """A take-away that the hole's widening fills again: nearly every pixel it
    cut from the selection lies within Dilate of what stays selected, so the
    red (and the erase) look as before the stroke."""
    from eraser.refine import dilate

    cut = before & ~after
    if dilate_px <= 0 or not cut.any():
        return False
    rows, cols = np.nonzero(cut)
    pad = dilate_px + 1
    y0, y1 = max(rows.min() - pad, 0), rows.max() + pad + 1
    x0, x1 = max(cols.min() - pad, 0), cols.max() + pad + 1
    grown = dilate(after[y0:y1, x0:x1], dilate_px)
    return grown[cut[y0:y1, x0:x1]].mean() >= 0.9


def _painted(size: tuple[int, int], stroke: Stroke) -> np.ndarray:
    import cv2

    width, height = size
    canvas = np.zeros((height, width), np.uint8)
    points = np.round(np.asarray(stroke.points, np.float64)).clip(-1e6, 1e6).astype(np.int32)
    thickness = max(1, int(round(2 * stroke.radius)))
    if len(points) == 1:
        cv2.circle(canvas, tuple(int(v) for v in points[0]), max(1, int(round(stroke.radius))), 1, -1)
    else:
        cv2.polylines(canvas, [points.reshape(-1, 1, 2)], False, 1, thickness, lineType=cv2.LINE_8)
        for x, y in points[[0, -1]]:
            cv2.circle(canvas, (int(x), int(y)), max(1, int(round(stroke.radius))), 1, -1)
    return canvas.astype(bool)


def use_mask(entry: Entry, mask: np.ndarray) -> None:
    """An uploaded mask becomes one object (it must match the photo's size)."""
    _remember(entry)
    obj = MarkedObject(mask=mask)
    try:
        _add(entry.session, obj)
    except BaseException:
        entry.earlier.pop()
        raise
    entry.objects.append(obj)


def use_suggestion(entry: Entry, mask: np.ndarray) -> None:
    use_mask(entry, mask)


def take_back(entry: Entry) -> bool:
    """Ctrl-Z before an erase: forget the last mark (redo brings it back). False when there is none."""
    return _step(entry, entry.earlier, entry.later)


def bring_back(entry: Entry) -> bool:
    """Redo after Ctrl-Z took marks back: the last one taken back returns. False when there is none."""
    return _step(entry, entry.later, entry.earlier)


def _step(entry: Entry, source: list, target: list) -> bool:
    """The marks as ``source``'s last record says; the marks now go on ``target``."""
    if not source:
        return False
    now = _now(entry)
    restore(entry, source.pop())
    target.append(now)
    return True


def clear(entry: Entry) -> None:
    if entry.objects or entry.exclude or entry.session.taken_away is not None:
        _remember(entry)
    entry.session.clear()
    entry.objects, entry.exclude = [], []


def forget(entry: Entry) -> None:
    """After an erase or redo: no marks, nothing to take back or bring back."""
    entry.objects, entry.exclude, entry.earlier, entry.later = [], [], [], []


def before_erase(entry: Entry) -> tuple:
    """The marks an erase is about to be made from, and the marks' own history
    (records with masks packed: small beside the image steps undo keeps)."""
    return _now(entry), list(entry.earlier)


def erased(entry: Entry, made_from: tuple, history: int) -> None:
    """An erase was made: its marks are kept for undo (as many as the session
    keeps undo steps), redo's are dropped as the session drops its own."""
    entry.erased_from.append(made_from)
    del entry.erased_from[:-history or len(entry.erased_from)]
    entry.undone_from.clear()
    forget(entry)


def erase_undone(entry: Entry) -> None:
    """After the session undid an erase: the marks it was made from come back,
    with their Ctrl-Z history, so one can be changed and the photo erased again."""
    if not entry.erased_from:  # older than the marks kept: none to bring back
        forget(entry)
        return
    made_from = entry.erased_from.pop()
    entry.undone_from.append(made_from)
    marks, earlier = made_from
    restore(entry, marks)
    entry.earlier, entry.later = list(earlier), []


def erase_redone(entry: Entry) -> None:
    """After the session redid an erase: the marks are cleared, as after the erase."""
    if entry.undone_from:
        entry.erased_from.append(entry.undone_from.pop())
    forget(entry)


def restore(entry: Entry, earlier: tuple) -> None:
    """Make the session's marks these objects, exclusions and pixels taken away again."""
    objects, exclude, packed = earlier
    objects = [obj.full() for obj in objects]
    away = None if packed is None else packed.unpack()
    s = entry.session
    s.clear()
    if exclude:
        s.add(exclude=exclude)
    for obj in objects:
        _add(s, obj)
    # Cut last: with the stroke already cut, an object it covers wholly
    # previews as empty when added alone, and the restore would stop half way.
    s.taken_away = away
    entry._away_packed = (s.taken_away, packed)  # the setter keeps a copy
    entry.objects, entry.exclude = list(objects), list(exclude)


def _now(entry: Entry) -> tuple:
    """The marks as a history record: masks packed (a 12 MP mask is 12 MB as it
    is), each packed once: taken_away and painted masks are replaced, never
    changed in place, so the same array is the same record."""
    away = entry.session.taken_away
    if away is None:
        packed = None
    elif entry._away_packed[0] is away:
        packed = entry._away_packed[1]
    else:
        packed = Packed(away)
        entry._away_packed = (away, packed)
    return [obj.compact() for obj in entry.objects], list(entry.exclude), packed


def _remember(entry: Entry) -> None:
    """Before a new mark: it can be taken back, and what was taken back cannot return."""
    entry.earlier.append(_now(entry))
    del entry.earlier[:-MAX_EARLIER]
    entry.later.clear()


def for_page(entry: Entry) -> list[dict]:
    """The marks as the page draws them: + and - markers and boxes, in photo pixels."""
    marks: list[dict] = []
    for i, obj in enumerate(entry.objects):
        marks += [{"kind": "point", "point": p, "object": i} for p in obj.points]
        if obj.box is not None:
            marks.append({"kind": "box", "box": obj.box, "object": i})
        if obj.mask is not None:
            marks.append({"kind": "painted", "object": i})
    marks += [{"kind": "exclude", "point": p} for p in entry.exclude]
    return marks


def command_args(entry: Entry) -> Optional[list[str]]:
    """The `eraser remove` options that mark the same objects, or None when
    a brush was used (an object painted or pixels taken away): then the page
    writes the mask beside the photo."""
    if entry.session.taken_away is not None or any(obj.mask is not None for obj in entry.objects):
        return None
    args: list[str] = []
    for obj in entry.objects:
        if obj.box is not None:
            args += ["--box", ",".join(str(int(v)) for v in obj.box)]
        else:
            args += ["--point", "+".join(f"{number_arg(x)},{number_arg(y)}" for x, y in obj.points)]
    for x, y in entry.exclude:
        args += ["--exclude", f"{number_arg(x)},{number_arg(y)}"]
    return args


def number_arg(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def mask_for_command(session) -> np.ndarray:
    """The mask file `eraser remove --mask` reads to erase what is selected: black
    and white (the selection >= 0.5, all that Dilate and Feather look at), or,
    with both 0 (the mask used as given, its values the blend weights), the
    selection's grey levels."""
    selection = session.selection().mask
    if session.dilate == 0 and session.feather == 0:
        return np.round(np.clip(selection, 0, 1) * 255).astype(np.uint8)
    return selection >= 0.5


def erase_as_command(entry: Entry, mask: Optional[np.ndarray], wanted):
    """Erase; when the command reads a grey mask file, from that file's values
    (8-bit, as the CLI reads them), so Download and the command write the same
    bytes. A cancelled or failed erase leaves the marks as they were."""
    s = entry.session
    if mask is None or mask.dtype != np.uint8:
        return s.erase(wanted=wanted)
    from eraser.io import load_mask

    marks = _now(entry)
    try:
        s.clear()
        s.add(mask=load_mask(mask, *s.size), exclude=entry.exclude or None)
        return s.erase(wanted=wanted)
    except BaseException:
        restore(entry, marks)
        raise

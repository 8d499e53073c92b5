"""Routes that change a photo: marks, brush strokes, settings, suggestions,
erase (cancellable), undo and redo. Each answers with the photo's state and,
while something is marked, the mask overlay at the view's size."""

from __future__ import annotations

import threading

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from eraser.serve import edits
from eraser.serve.photo_routes import body, entry_of, preview_state, state, work
from eraser.serve.schemas import Problem, index_body, mark_body, settings_body, stroke_body, suggestion_options
from eraser.serve.sessions import Entry
from eraser.serve.views import suggestion_map_base64, view_size


async def mark(request: Request) -> Response:
    entry = entry_of(request)
    m = mark_body(await body(request))
    return JSONResponse(await work(entry, preview_state, entry, lambda: edits.apply_mark(entry, m)))


async def take_back(request: Request) -> Response:
    """Ctrl-Z before an erase: the last mark goes, the rest stay."""
    return await _marks_step(request, edits.take_back, "no mark to take back")


async def bring_back(request: Request) -> Response:
    """Redo after Ctrl-Z took marks back: the last mark taken back returns."""
    return await _marks_step(request, edits.bring_back, "no mark to bring back")


async def _marks_step(request: Request, step, nothing: str) -> Response:
    entry = entry_of(request)

    def change() -> None:
        if not step(entry):
            raise Problem(400, nothing)

    return JSONResponse(await work(entry, preview_state, entry, change))


async def stroke(request: Request) -> Response:
    entry = entry_of(request)
    s = stroke_body(await body(request))
    return JSONResponse(await work(entry, preview_state, entry, lambda: edits.paint(entry, s)))


async def settings(request: Request) -> Response:
    entry = entry_of(request)
    given = settings_body(await body(request))
    s = entry.session

    def change() -> None:
        from eraser import pipeline
        from eraser.refine import check

        dilate = s.dilate if given.dilate is None else given.dilate
        feather = s.feather if given.feather is None else given.feather
        s.dilate, s.feather = check(dilate, feather, s.image.shape)
        if given.inpainter is not None:
            pipeline.inpainters(given.inpainter)
            s.inpainter = given.inpainter

    return JSONResponse(await work(entry, preview_state, entry, change))


async def suggestions(request: Request) -> Response:
    entry = entry_of(request)
    options = suggestion_options(await body(request))

    def run() -> dict:
        records = entry.session.suggestions(**options)
        entry.suggested, entry.suggested_for = records, entry.session.image
        size = view_size(*entry.session.size)
        return {"count": len(records), "map": suggestion_map_base64([r["mask"] for r in records], size)}

    return JSONResponse(await work(entry, run))


async def take_suggestion(request: Request) -> Response:
    entry = entry_of(request)
    data = await body(request)
    records = entry.suggested if entry.suggested_for is entry.session.image else []
    index = index_body(data, len(records))
    return JSONResponse(await work(entry, preview_state, entry,
                                   lambda: edits.use_suggestion(entry, records[index]["mask"])))


async def clear(request: Request) -> Response:
    entry = entry_of(request)
    return JSONResponse(await work(entry, preview_state, entry, lambda: edits.clear(entry)))


async def erase(request: Request) -> Response:
    entry = entry_of(request)
    cancel = threading.Event()
    entry.cancel = cancel  # before the photo's lock: Escape while the erase waits for it counts too

    def run() -> dict:
        from eraser.cancel import Cancelled

        s = entry.session
        try:
            if cancel.is_set():
                raise Cancelled("the erase was cancelled; the photo is as before")
            from_original = entry.is_original(s.image)  # undo back to it pastes equal pixels
            made_from = edits.before_erase(entry)
            args = edits.command_args(entry)
            mask = None if args is not None or not s.objects else edits.mask_for_command(s)
            command = _command(entry, args, mask is not None)  # with the exclusions, which the erase forgets
            result = edits.erase_as_command(entry, mask, wanted=lambda: not cancel.is_set())
        except Cancelled as exc:
            raise Problem(409, str(exc), cancelled=True) from None
        finally:
            if entry.cancel is cancel:
                entry.cancel = None
        edits.erased(entry, made_from, request.app.state.config.history)
        if from_original:  # a later erase keeps it: the command is offered only while its image is shown
            entry.recipe = {"digest": entry.digest(s.image), "mask": None if mask is None else edits.Packed(mask),
                            "command": command}
        return state(entry, notices=result.notices, inpainters=getattr(result, "inpainters", None))

    return JSONResponse(await work(entry, run))


def _command(entry: Entry, args: list[str] | None, with_mask: bool) -> str:
    import shlex

    from eraser.defaults import DEFAULT_DILATE, DEFAULT_FEATHER
    from eraser.serve.photo_routes import mask_name

    s = entry.session
    words = ["eraser", "remove", entry.name]
    excluded = [w for x, y in entry.exclude for w in ("--exclude", f"{edits.number_arg(x)},{edits.number_arg(y)}")]
    words += ["--mask", mask_name(entry.name)] + excluded if with_mask else list(args or [])
    if s.dilate != DEFAULT_DILATE:
        words += ["--dilate", str(s.dilate)]
    if s.feather != DEFAULT_FEATHER:
        words += ["--feather", edits.number_arg(s.feather)]
    if s.inpainter != "auto":
        words += ["--inpainter", s.inpainter]
    if s.segmenter != "auto":
        words += ["--segmenter", s.segmenter]
    return " ".join(shlex.quote(w) for w in words)


async def cancel(request: Request) -> Response:
    """Escape during an erase: the fill stops at its next check (between
    regions, stages and inpainter iterations, see eraser.cancel), the erase
    answers 409 and the photo stays as before."""
    entry = entry_of(request)
    running = entry.cancel
    if running is not None:
        running.set()
    return JSONResponse({"cancelled": running is not None})


async def undo(request: Request) -> Response:
    return await _history(request, "undo")


async def redo(request: Request) -> Response:
    return await _history(request, "redo")


async def _history(request: Request, step: str) -> Response:
    entry = entry_of(request)

    def change() -> None:
        # undo: the image before the erase and the marks it was made from (with their overlay)
        (entry.session.undo if step == "undo" else entry.session.redo)()
        (edits.erase_undone if step == "undo" else edits.erase_redone)(entry)

    return JSONResponse(await work(entry, preview_state, entry, change))

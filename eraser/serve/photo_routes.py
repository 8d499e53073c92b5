"""Routes that open, show, save and close photos (each a thin call into the store or session)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Callable, Optional

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from eraser.serve import edits
from eraser.serve.guard import client_id
from eraser.serve.on_disk import disk_change, file_tag
from eraser.serve.schemas import Problem, flag, parse_json
from eraser.serve.sessions import Entry
from eraser.serve.views import VIEW_MAX_SIDE, mask_png, overlay, photo_jpeg, photo_png, view_size
from eraser.serve.wording import in_page_terms

STATIC = Path(__file__).with_name("static")


# -- shared by the routes ------------------------------------------------------
def entry_of(request: Request) -> Entry:
    return request.app.state.store.get(client_id(request), request.path_params["id"])


async def body(request: Request) -> dict:
    return parse_json(await request.body())


async def work(entry: Entry, fn, *args: Any) -> Any:
    """Model work in the thread pool, one request at a time per photo."""

    def locked():
        with entry.lock:
            return fn(*args)

    return await run_in_threadpool(locked)


NO_COMMAND = ("the command reproduces one erase of the opened photo; this image is not one: "
              "nothing erased yet, or erased again after the first erase")


def state(entry: Entry, **extra: Any) -> dict:
    """What the page knows about a photo: size, history, marks, settings."""
    s = entry.session
    width, height = s.size
    # the core's notes, written for the CLI, in the page's terms
    if extra.get("notices"):
        extra["notices"] = [in_page_terms(n) for n in extra["notices"]]
    if extra.get("note"):
        extra["note"] = in_page_terms(extra["note"])
    return {"id": entry.id, "name": entry.name, "width": width, "height": height,
            "view": list(view_size(width, height)), "can_undo": s.can_undo, "can_redo": s.can_redo,
            "objects": len(s.objects), "marks": edits.for_page(entry), "can_take_back": bool(entry.earlier),
            "can_bring_back": bool(entry.later), "command": command_ready(entry), "command_mask": command_mask(entry),
            "unsaved": entry.unsaved, "inpainter": s.inpainter, "segmenter": s.segmenter,
            "dilate": s.dilate, "feather": s.feather, "saveable": entry.path is not None,
            "alpha": s.loaded.alpha is not None, "disk": disk_change(entry.path, entry.disk_tag), **extra}


def preview_state(entry: Entry, change: Callable[[], Any]) -> dict:
    """Make the change, then answer with the state and the new overlay (and
    the change's note, when it returned one)."""
    import time

    start = time.perf_counter()
    note = change()  # a change may answer with a note for the person (str)
    noted = {"note": note} if isinstance(note, str) else {}
    s = entry.session
    if not s.objects:
        return state(entry, overlay=None, **noted)
    preview = s.glimpse(view_size(*s.size))  # refined at the view's size; the erase refines at full size
    drawn = time.perf_counter()
    shown = overlay(preview.refined, view_size(*s.size))
    timings = {k: round(v, 4) for k, v in preview.timings.items()}
    timings["overlay"] = round(time.perf_counter() - drawn, 4)  # the small PNG the page draws
    timings["server"] = round(time.perf_counter() - start, 4)  # all of this request's work, segmenting included
    return state(entry, overlay=shown if shown["png"] else None, segmenters=preview.segmenters, notices=preview.notices,
                 share=round(preview.share, 5), timings=timings, **noted)


# -- the page and facts ---------------------------------------------------------
async def index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})


async def favicon(request: Request) -> Response:
    return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")


def better_segmenter_hint(available: list[str]) -> Optional[str]:
    """Why a segmenter ranked above the one in use is not available (its own
    one-line reason names the install command), or None."""
    from eraser import registry

    ranked = sorted(registry.backends("segmenter").values(), key=lambda s: (s.priority, s.name), reverse=True)
    for spec in ranked:
        if available and spec.name == available[0]:
            return None
        if "point" in spec.prompts:
            reason = spec.unavailable_reason()
            if reason:
                return f"for better masks: segmenter {spec.name!r} is not available: {reason}"
    return None


async def info(request: Request) -> Response:
    config, folder = request.app.state.config, request.app.state.folder

    def facts() -> dict:
        from eraser import registry
        from eraser.prompts import Prompt

        click = Prompt(points=((1.0, 1.0),), labels=(1,))  # what a click on the page is
        segmenters = [s.name for s in registry.candidates("segmenter", click)]
        inpainters = [s.name for s in registry.candidates("inpainter")]
        return {"segmenters": segmenters, "inpainters": inpainters, "segmenter": segmenters[0] if segmenters else None,
                "hint": better_segmenter_hint(segmenters), "folder": folder is not None,
                "max_upload_bytes": config.max_upload_bytes, "max_pixels": config.max_pixels,
                "max_photos": config.max_sessions, "view_max_side": VIEW_MAX_SIDE,
                "suggest_unavailable": suggest_unavailable()}

    return JSONResponse(await run_in_threadpool(facts))


def suggest_unavailable() -> Optional[str]:
    """Why Suggest (segment everything) cannot run here, in one line, or None:
    the page greys the button with this as its tooltip instead of answering a
    press with an error."""
    from eraser.errors import EraserError
    from eraser.everything.segmenter import choose

    try:
        choose("auto")
    except EraserError as error:
        return in_page_terms(str(error))
    return None


async def folder_photos(request: Request) -> Response:
    folder = request.app.state.folder
    if folder is None:
        raise Problem(404, "no folder is served (start with: eraser serve FOLDER)")
    return JSONResponse({"photos": await run_in_threadpool(folder.photos)})


async def folder_thumb(request: Request) -> Response:
    folder = request.app.state.folder
    if folder is None:
        raise Problem(404, "no folder is served")
    path = folder.photo(request.query_params.get("name"))
    thumbs = request.app.state.thumbs
    now = await run_in_threadpool(thumbs.tag, path)
    if request.headers.get("if-none-match") == now:  # the browser's copy is this version: no decoding
        return Response(status_code=304, headers={"ETag": now, "Cache-Control": "no-cache"})
    tag, data = await run_in_threadpool(thumbs.get, path)
    media = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return Response(data, media_type=media, headers={"ETag": tag, "Cache-Control": "no-cache"})


def folder_thumbnail(max_pixels: int):
    """How a folder's photo becomes its thumbnail (kept by eraser.serve.thumbs): a
    JPEG, or a PNG with its alpha for a photo with transparency (a JPEG of its
    colours showed the transparent parts black; the page puts a checkerboard under it)."""
    def make(path: Path) -> bytes:
        from eraser.io import load_image

        loaded = load_image(path, max_pixels=max_pixels)
        if loaded.alpha is not None:
            return photo_png(loaded.rgb, loaded.alpha, 160)
        return photo_jpeg(loaded.rgb, 160)
    return make


# -- opening and closing --------------------------------------------------------
def _open(request: Request, client: str, source: Any, name: str, path: Optional[Path],
          replacing: Optional[Entry] = None) -> dict:
    """A new session on ``source``; ``replacing``: the entry it takes the place of (a reload),
    closed only once the file was read (a file that cannot be read leaves it as it was)."""
    from eraser.session import Session

    config, store = request.app.state.config, request.app.state.store
    tag = file_tag(path)  # before reading: a file replaced while it is read is said as changed
    session = Session(source, max_pixels=config.max_pixels, history=config.history)
    session.view = view_size(*session.size)  # a mark answers with the preview at the view's size
    if replacing is not None:
        store.close(replacing.client, replacing.id)
    entry, dropped = store.add(client, name, session, path)
    entry.disk_tag = tag
    notice = (f"closed {', '.join(dropped)} to make room (each tab keeps {store.capacity} photos; "
              "photos with unsaved erases are never closed)" if dropped else None)
    return state(entry, notices=entry.session.notices + ([notice] if notice else []))


async def upload(request: Request) -> Response:
    config = request.app.state.config
    client = client_id(request)
    name = Path(request.query_params.get("name") or "photo.png").name or "photo.png"
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > config.max_upload_bytes:
        raise Problem(413, _too_large(config.max_upload_bytes))
    data = await _read_upload(request, config.max_upload_bytes, _too_large(config.max_upload_bytes))
    return JSONResponse(await run_in_threadpool(_open, request, client, data, name, None))


async def _read_upload(request: Request, limit: int, message: str) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem(413, message)
        chunks.append(chunk)
    return b"".join(chunks)


async def open_from_folder(request: Request) -> Response:
    """A photo of the served folder: this tab's open copy (marks, result and
    history as they were) or a fresh one."""
    folder, store = request.app.state.folder, request.app.state.store
    if folder is None:
        raise Problem(404, "no folder is served")
    client = client_id(request)
    path = folder.photo((await body(request)).get("name"))
    kept = store.find(client, path.name, path)
    if kept is not None:
        return JSONResponse(await work(kept, preview_state, kept, lambda: None))
    return JSONResponse(await run_in_threadpool(_open, request, client, path, path.name, path))


async def reload(request: Request) -> Response:
    """A folder's photo read again from its file (it changed on disk): a fresh
    session in place of this one. Its marks and erases go: with unsaved
    erases only when the page says so (``discard``), as for close."""
    folder = request.app.state.folder
    entry = entry_of(request)
    if folder is None or entry.path is None:
        raise Problem(400, "only a photo of the served folder can be read again from its file; open it again")
    discard = flag(await body(request), "discard")
    if entry.unsaved and not discard:
        raise Problem(409, f"{entry.name} has unsaved erases here: save or download them first, or reload with discard",
                      unsaved=True)
    path = folder.photo(entry.path.name)  # gone from the folder: a one-line refusal, nothing closed
    return JSONResponse(await run_in_threadpool(_open, request, entry.client, path, path.name, path, entry))


async def disk(request: Request) -> Response:
    """Whether the photo's file changed since this tab read it (the page asks when it gets focus back)."""
    entry = entry_of(request)
    return JSONResponse({"disk": disk_change(entry.path, entry.disk_tag)})


async def mine(request: Request) -> Response:
    """This tab's open photos (a reload finds them again)."""
    entries = request.app.state.store.of(client_id(request))
    return JSONResponse({"photos": [{"id": e.id, "name": e.name, "unsaved": e.unsaved} for e in entries]})


async def show_state(request: Request) -> Response:
    """The photo as this tab left it: marks, overlay, history (switching back, a reload)."""
    entry = entry_of(request)
    return JSONResponse(await work(entry, preview_state, entry, lambda: None))


async def close(request: Request) -> Response:
    entry = entry_of(request)
    discard = flag(await body(request), "discard")
    if entry.unsaved and not discard:
        raise Problem(409, f"{entry.name} has unsaved erases: save or download it, or close with discard")
    request.app.state.store.close(entry.client, entry.id)
    return JSONResponse({"closed": entry.name})


# -- showing ----------------------------------------------------------------------
async def image(request: Request) -> Response:
    entry = entry_of(request)
    which = entry.original if request.query_params.get("version") == "original" else entry.session.image
    side = request.query_params.get("max_side", str(VIEW_MAX_SIDE))
    if not side.isdigit() or not 16 <= int(side) <= 16384:
        raise Problem(400, "max_side must be 16 to 16384")
    alpha = entry.session.loaded.alpha  # an erase keeps the photo's alpha: the same for both versions
    if alpha is None:
        data, media = await run_in_threadpool(photo_jpeg, which, int(side)), "image/jpeg"
    else:
        data, media = await run_in_threadpool(photo_png, which, alpha, int(side)), "image/png"
    return Response(data, media_type=media, headers={"Cache-Control": "no-store"})


# -- output -------------------------------------------------------------------------
def _encoded(entry: Entry) -> tuple[bytes, str]:
    """The bytes `eraser remove` writes for this photo (same format and metadata)."""
    from eraser.io.save import default_output_path

    out_name = default_output_path(Path(entry.name)).name
    with tempfile.TemporaryDirectory() as tmp:
        path = entry.session.save(Path(tmp) / out_name)
        entry.kept = entry.digest(entry.session.image)  # the person has these bytes now
        return path.read_bytes(), out_name


async def download(request: Request) -> Response:
    import mimetypes

    entry = entry_of(request)
    data, out_name = await work(entry, _encoded, entry)
    media = mimetypes.guess_type(out_name)[0] or "application/octet-stream"
    return Response(data, media_type=media,
                    headers={"Content-Disposition": attachment(out_name)})


async def save(request: Request) -> Response:
    folder = request.app.state.folder
    entry = entry_of(request)
    if folder is None or entry.path is None:
        raise Problem(400, "only photos of the served folder are saved beside it; use Download")
    given = await body(request)
    overwrite, stale = flag(given, "overwrite"), flag(given, "stale")
    changed = disk_change(entry.path, entry.disk_tag)
    if changed and not stale:  # the save is made from the pixels read before: asked, not assumed
        raise Problem(409, f"{entry.name} {changed} on disk after it was opened here; the save would be made from "
                      "the copy opened here, not the newer file", stale=changed)
    target = folder.output_for(entry.path.name)
    if target.exists() and not overwrite:
        raise Problem(409, f"{target.name} exists; save again to replace it", exists=target.name)

    def run() -> dict:
        entry.session.save(target, overwrite=overwrite)
        entry.kept = entry.digest(entry.session.image)
        return state(entry, saved=target.name)

    return JSONResponse(await work(entry, run))


def mask_name(name: str) -> str:
    return f"{Path(name).stem}.mask.png"


async def mask_download(request: Request) -> Response:
    """The current selection as a black-and-white PNG at the photo's size (what `--mask` reads)."""
    entry = entry_of(request)
    if request.query_params.get("of") == "erase":  # the mask the copied command reads
        if entry.recipe is None or entry.recipe["mask"] is None:
            raise Problem(400, "the last erase needs no mask file")
        return Response(mask_png(entry.recipe["mask"].unpack()), media_type="image/png",
                        headers={"Content-Disposition": attachment(mask_name(entry.name))})

    def run() -> bytes:
        if not entry.session.objects:
            raise Problem(400, "nothing is marked: there is no mask to download")
        return mask_png(entry.session.selection().mask >= 0.5)

    data = await work(entry, run)
    return Response(data, media_type="image/png",
                    headers={"Content-Disposition": attachment(mask_name(entry.name))})


async def mask_upload(request: Request) -> Response:
    """A mask PNG (white or opaque = remove) of the photo's size becomes one object."""
    entry = entry_of(request)
    config = request.app.state.config
    data = await _read_upload(request, config.max_upload_bytes, _too_large(config.max_upload_bytes))
    if not data:
        raise Problem(400, "the mask file is empty")

    def run() -> dict:
        import io

        from PIL import Image

        from eraser.io import load_mask
        width, height = entry.session.size
        try:
            picture = Image.open(io.BytesIO(data))
        except Exception:  # noqa: BLE001 - whatever Pillow says, the user sent a non-image
            raise Problem(400, "the mask is not an image (a PNG, white = remove)") from None
        if picture.size != (width, height):
            raise Problem(400, f"the mask is {picture.width}x{picture.height}; the photo is {width}x{height}")
        mask = load_mask(picture, width, height) >= 0.5
        if not mask.any():  # said in the page's terms, not as the core's empty selection
            raise Problem(400, "the mask selects nothing: it is all black (white or opaque = remove)")
        return preview_state(entry, lambda: edits.use_mask(entry, mask))

    return JSONResponse(await work(entry, run))


def command_ready(entry: Entry) -> bool:
    """One `eraser remove` call writes the image shown: it is the result of one
    erase of the opened photo (again after undoing a later erase: same pixels)."""
    return entry.recipe is not None and entry.recipe["digest"] == entry.digest(entry.session.image)


def command_mask(entry: Entry) -> Optional[str]:
    """The mask file's name when the command shown needs one (a brush was used), else None."""
    ready = command_ready(entry) and entry.recipe["mask"] is not None
    return mask_name(entry.name) if ready else None


async def command(request: Request) -> Response:
    """The `eraser remove` call that writes the same bytes as Download, when one call can."""
    entry = entry_of(request)
    recipe = entry.recipe
    if not command_ready(entry):
        raise Problem(400, NO_COMMAND)
    return JSONResponse({"command": recipe["command"], "mask": recipe["mask"] is not None,
                         "mask_name": mask_name(entry.name)})


def _too_large(limit: int) -> str:
    return f"the photo is larger than the upload limit ({limit >> 20} MB; see eraser serve --max-upload-mb)"


def attachment(name: str) -> str:
    """A download's Content-Disposition. A name beyond plain ASCII goes in
    ``filename*`` as UTF-8 (RFC 6266/5987), so the browser saves it as named
    (Müller.erased.jpg, not M_ller.erased.jpg: the copied command names that
    file); ``filename`` keeps an ASCII stand-in for old clients."""
    from urllib.parse import quote

    plain = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in name)
    if plain == name:
        return f'attachment; filename="{plain}"'
    # a folder's file named in bytes that are not UTF-8 reaches here with surrogates: sent as those bytes
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='', errors='surrogateescape')}"

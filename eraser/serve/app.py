"""The ASGI app: routes over the session store (see the package docstring)."""

from __future__ import annotations

import ipaddress
import json
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from eraser.defaults import DEFAULT_MAX_PIXELS
from eraser.errors import EraserError
from eraser.serve.folder import PhotoFolder
from eraser.serve.guard import TOKEN_COOKIE, Guard
from eraser.serve.sessions import DEFAULT_MAX_SESSIONS, Entry, Gone, SessionStore
from eraser.serve.views import VIEW_MAX_SIDE, mask_png_base64, photo_jpeg, suggestion_map_base64, view_size

STATIC = Path(__file__).with_name("static")
DEFAULT_MAX_UPLOAD_MB = 64
MOBILE_SAM_HINT = "for better masks install MobileSAM: eraser models install mobile-sam (no torch needed)"


@dataclass
class Config:
    folder: Optional[Path] = None
    token: Optional[str] = None  # required on every request when set
    max_pixels: int = DEFAULT_MAX_PIXELS
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_MB << 20
    max_sessions: int = DEFAULT_MAX_SESSIONS
    history: int = 8
    allowed_hosts: Optional[set[str]] = None  # Host headers accepted (DNS rebinding); None: any


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Problem(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.extra = status, extra


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def create_app(config: Config) -> Starlette:
    store = SessionStore(config.max_sessions)
    folder = PhotoFolder(config.folder) if config.folder else None

    def handler(fn: Callable) -> Callable:
        """Errors as JSON: a user's mistake is a 4xx with one line, a bug a 500
        with one line, never a dead server (the Guard middleware has checked
        Host, Origin and token before any route runs)."""

        async def endpoint(request: Request) -> Response:
            try:
                response = await fn(request)
            except Problem as p:
                return _error(p.status, str(p), **p.extra)
            except Gone as exc:
                return _error(410, str(exc))
            except EraserError as exc:
                return _error(400, str(exc).splitlines()[0] if str(exc) else "bad request")
            except Exception as exc:  # noqa: BLE001 - a bug: reported, the server lives on
                return _error(500, f"internal error, please report: {type(exc).__name__}: {str(exc)[:200]}")
            if config.token is not None and request.query_params.get("token"):
                response.set_cookie(TOKEN_COOKIE, config.token, httponly=True, samesite="strict")
            return response

        return endpoint

    async def work(entry: Entry, fn: Callable, *args: Any) -> Any:
        """Model work in the thread pool, one request at a time per photo."""

        def locked():
            with entry.lock:
                return fn(*args)

        return await run_in_threadpool(locked)

    async def body_json(request: Request) -> dict:
        raw = await request.body()
        if len(raw) > 1 << 20:
            raise Problem(413, "request too large")
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            raise Problem(400, "the request body is not JSON") from None
        if not isinstance(data, dict):
            raise Problem(400, "the request body must be a JSON object")
        return data

    def state(entry: Entry, **extra: Any) -> dict:
        s = entry.session
        width, height = s.size
        return {"id": entry.id, "name": entry.name, "width": width, "height": height,
                "view": list(view_size(width, height)), "can_undo": s.can_undo, "can_redo": s.can_redo,
                "objects": len(s.objects), "inpainter": s.inpainter, "segmenter": s.segmenter,
                "dilate": s.dilate, "feather": s.feather, "saveable": entry.path is not None, **extra}

    # -- pages and facts ----------------------------------------------------
    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def info(request: Request) -> Response:
        from eraser import registry

        def facts() -> dict:
            from eraser.prompts import Prompt

            click = Prompt(points=((1.0, 1.0),), labels=(1,))  # what a click on the page is
            segmenters = [s.name for s in registry.candidates("segmenter", click)]
            inpainters = [s.name for s in registry.candidates("inpainter")]
            hint = None if "mobile-sam" in segmenters else MOBILE_SAM_HINT
            return {"segmenters": segmenters, "inpainters": inpainters, "segmenter": segmenters[0] if segmenters else None,
                    "hint": hint, "folder": folder is not None, "max_upload_bytes": config.max_upload_bytes,
                    "max_pixels": config.max_pixels, "max_photos": config.max_sessions, "view_max_side": VIEW_MAX_SIDE}

        return JSONResponse(await run_in_threadpool(facts))

    async def folder_photos(request: Request) -> Response:
        if folder is None:
            raise Problem(404, "no folder is served (start with: eraser serve FOLDER)")
        return JSONResponse({"photos": await run_in_threadpool(folder.photos)})

    async def folder_thumb(request: Request) -> Response:
        if folder is None:
            raise Problem(404, "no folder is served")
        from eraser.io import load_image

        path = folder.photo(request.query_params.get("name"))
        loaded = await run_in_threadpool(load_image, path, config.max_pixels)
        return Response(await run_in_threadpool(photo_jpeg, loaded.rgb, 160), media_type="image/jpeg")

    # -- opening photos -----------------------------------------------------
    def _open(source: Any, name: str, path: Optional[Path]) -> dict:
        from eraser.session import Session

        session = Session(source, max_pixels=config.max_pixels, history=config.history)
        entry, dropped = store.add(name, session, path)
        notice = (f"closed {', '.join(dropped)} to make room (the server keeps the last {store.capacity} photos)"
                  if dropped else None)
        return state(entry, notices=session.notices + ([notice] if notice else []))

    async def upload(request: Request) -> Response:
        name = Path(request.query_params.get("name") or "photo.png").name or "photo.png"
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > config.max_upload_bytes:
            raise Problem(413, _too_large(config.max_upload_bytes))
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > config.max_upload_bytes:
                raise Problem(413, _too_large(config.max_upload_bytes))
            chunks.append(chunk)
        data = b"".join(chunks)
        return JSONResponse(await run_in_threadpool(_open, data, name, None))

    async def open_from_folder(request: Request) -> Response:
        if folder is None:
            raise Problem(404, "no folder is served")
        path = folder.photo((await body_json(request)).get("name"))
        return JSONResponse(await run_in_threadpool(_open, path, path.name, path))

    # -- one photo ------------------------------------------------------------
    async def image(request: Request) -> Response:
        entry = store.get(request.path_params["id"])
        which = entry.original if request.query_params.get("version") == "original" else entry.session.image
        data = await run_in_threadpool(photo_jpeg, which)
        return Response(data, media_type="image/jpeg", headers={"Cache-Control": "no-store"})

    def _preview(entry: Entry, change: Callable[[], Any]) -> dict:
        change()
        s = entry.session
        if not s.objects:
            return state(entry, overlay=None)
        preview = s.preview()
        overlay = mask_png_base64(preview.removal_mask(), view_size(*s.size))
        return state(entry, overlay=overlay, segmenters=preview.segmenters, notices=preview.notices,
                     share=round(preview.share, 5))

    async def mark(request: Request) -> Response:
        entry = store.get(request.path_params["id"])
        data = await body_json(request)
        kind = data.get("kind")
        if kind not in ("point", "exclude", "box", "refine"):
            raise Problem(400, "kind must be point, refine, exclude or box")
        s = entry.session

        def change() -> None:
            if kind == "point":
                s.add(points=[data.get("point")])
                entry.clicks = [data.get("point")]
            elif kind == "refine" and entry.clicks and s.objects:
                clicks = entry.clicks + [data.get("point")]
                old = entry.clicks
                s.pop()
                try:
                    s.add(points=[clicks])
                except BaseException:
                    s.add(points=[old])
                    raise
                entry.clicks = clicks
            elif kind == "refine":
                s.add(points=[data.get("point")])
                entry.clicks = [data.get("point")]
            elif kind == "exclude":
                s.add(exclude=[data.get("point")])
            else:
                s.add(boxes=[data.get("box")])
                entry.clicks = []

        return JSONResponse(await work(entry, _preview, entry, change))

    # segment everything's options a page may set (the rest keep SAM's defaults);
    # their values are checked where they are used (eraser.everything's Options)
    suggestion_options = ("points_per_side", "pred_iou_thresh", "stability_score_thresh", "box_nms_thresh",
                          "min_mask_region_area")

    async def suggestions(request: Request) -> Response:
        entry = store.get(request.path_params["id"])
        data = await body_json(request)
        options = data.get("options") or {}
        if not isinstance(options, dict) or not set(options) <= set(suggestion_options):
            raise Problem(400, "options must be among: " + ", ".join(suggestion_options))

        def run() -> dict:
            records = entry.session.suggestions(**options)
            entry.suggested, entry.suggested_for = records, entry.session.image
            size = view_size(*entry.session.size)
            return {"count": len(records), "map": suggestion_map_base64([r["mask"] for r in records], size)}

        return JSONResponse(await work(entry, run))

    async def take_suggestion(request: Request) -> Response:
        entry = store.get(request.path_params["id"])
        data = await body_json(request)
        index = data.get("index")
        records = entry.suggested if entry.suggested_for is entry.session.image else []
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(records):
            raise Problem(400, f"index must be a suggestion's number, 0 to {len(records) - 1}" if records
                          else "no suggestions: ask for them first")

        def change() -> None:
            entry.session.add(mask=records[index]["mask"])
            entry.clicks = []

        return JSONResponse(await work(entry, _preview, entry, change))

    async def settings(request: Request) -> Response:
        entry = store.get(request.path_params["id"])
        data = await body_json(request)
        s = entry.session

        def change() -> None:
            from eraser.refine import check

            dilate = data.get("dilate", s.dilate)
            feather = data.get("feather", s.feather)
            s.dilate, s.feather = check(dilate, feather, s.image.shape)
            if "inpainter" in data:
                from eraser import pipeline

                if not isinstance(data["inpainter"], str):
                    raise EraserError("inpainter must be a name")
                pipeline.inpainters(data["inpainter"])
                s.inpainter = data["inpainter"]

        return JSONResponse(await work(entry, _preview, entry, change))

    async def clear(request: Request) -> Response:
        entry = store.get(request.path_params["id"])

        def change() -> None:
            entry.session.clear()
            entry.clicks = []

        return JSONResponse(await work(entry, _preview, entry, change))

    async def erase(request: Request) -> Response:
        entry = store.get(request.path_params["id"])

        def run() -> dict:
            result = entry.session.erase()
            entry.clicks = []
            return state(entry, notices=result.notices, inpainters=getattr(result, "inpainters", None))

        return JSONResponse(await work(entry, run))

    async def history(request: Request) -> Response:
        entry = store.get(request.path_params["id"])
        step = request.url.path.rsplit("/", 1)[-1]

        def run() -> dict:
            (entry.session.undo if step == "undo" else entry.session.redo)()
            entry.clicks = []
            return state(entry)

        return JSONResponse(await work(entry, run))

    def _encoded(entry: Entry) -> tuple[bytes, str]:
        """The bytes `eraser remove` writes for this photo (same format and metadata)."""
        from eraser.io.save import default_output_path

        out_name = default_output_path(Path(entry.name)).name
        with tempfile.TemporaryDirectory() as tmp:
            path = entry.session.save(Path(tmp) / out_name)
            return path.read_bytes(), out_name

    async def download(request: Request) -> Response:
        entry = store.get(request.path_params["id"])
        data, out_name = await work(entry, _encoded, entry)
        import mimetypes

        media = mimetypes.guess_type(out_name)[0] or "application/octet-stream"
        return Response(data, media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="{_ascii(out_name)}"'})

    async def save(request: Request) -> Response:
        entry = store.get(request.path_params["id"])
        if folder is None or entry.path is None:
            raise Problem(400, "only photos of the served folder are saved beside it; use Download")
        overwrite = (await body_json(request)).get("overwrite") is True
        target = folder.output_for(entry.path.name)
        if target.exists() and not overwrite:
            raise Problem(409, f"{target.name} exists; save again to replace it", exists=target.name)

        def run() -> dict:
            entry.session.save(target, overwrite=overwrite)
            return state(entry, saved=target.name)

        return JSONResponse(await work(entry, run))

    routes = [
        Route("/", handler(index)),
        Route("/api/info", handler(info)),
        Route("/api/folder", handler(folder_photos)),
        Route("/api/folder/thumb", handler(folder_thumb)),
        Route("/api/photos", handler(upload), methods=["POST"]),
        Route("/api/photos/open", handler(open_from_folder), methods=["POST"]),
        Route("/api/photos/{id}/image", handler(image)),
        Route("/api/photos/{id}/marks", handler(mark), methods=["POST"]),
        Route("/api/photos/{id}/settings", handler(settings), methods=["POST"]),
        Route("/api/photos/{id}/suggestions", handler(suggestions), methods=["POST"]),
        Route("/api/photos/{id}/suggestions/take", handler(take_suggestion), methods=["POST"]),
        Route("/api/photos/{id}/clear", handler(clear), methods=["POST"]),
        Route("/api/photos/{id}/erase", handler(erase), methods=["POST"]),
        Route("/api/photos/{id}/undo", handler(history), methods=["POST"]),
        Route("/api/photos/{id}/redo", handler(history), methods=["POST"]),
        Route("/api/photos/{id}/download", handler(download)),
        Route("/api/photos/{id}/save", handler(save), methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(Guard, token=config.token, allowed_hosts=config.allowed_hosts)])
    app.state.store = store
    return app


def _too_large(limit: int) -> str:
    return f"the photo is larger than the upload limit ({limit >> 20} MB; see eraser serve --max-upload-mb)"


def _ascii(name: str) -> str:
    return "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in name)

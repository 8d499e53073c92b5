"""The ASGI app: the route table over the session store (see the package docstring).

The routes live at module level in :mod:`.photo_routes` (opening, showing,
saving photos) and :mod:`.edit_routes` (marks, brush, erase, history); each
reads the server's config and store from ``request.app.state``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from eraser.defaults import DEFAULT_HISTORY, DEFAULT_MAX_PIXELS, DEFAULT_SERVE_PHOTOS, DEFAULT_SERVE_UPLOAD_MB
from eraser.serve import edit_routes as edit
from eraser.serve import photo_routes as photos
from eraser.serve.folder import PhotoFolder
from eraser.serve.guard import TOKEN_COOKIE, Guard, guarded, is_loopback, new_token, refusal  # noqa: F401 - the CLI's names
from eraser.serve.sessions import SessionStore
from eraser.serve.thumbs import Thumbnails

STATIC = Path(__file__).with_name("static")


@dataclass
class Config:
    folder: Optional[Path] = None
    token: Optional[str] = None  # required on every request when set
    max_pixels: int = DEFAULT_MAX_PIXELS
    max_upload_bytes: int = DEFAULT_SERVE_UPLOAD_MB << 20
    max_sessions: int = DEFAULT_SERVE_PHOTOS  # per browser tab
    history: int = DEFAULT_HISTORY
    allowed_hosts: Optional[set[str]] = None  # Host headers accepted (DNS rebinding); None: any


ROUTES = [
    ("/", photos.index, ["GET"]),
    ("/favicon.ico", photos.favicon, ["GET"]),
    ("/api/info", photos.info, ["GET"]),
    ("/api/folder", photos.folder_photos, ["GET"]),
    ("/api/folder/thumb", photos.folder_thumb, ["GET"]),
    ("/api/photos", photos.upload, ["POST"]),
    ("/api/photos/open", photos.open_from_folder, ["POST"]),
    ("/api/photos/mine", photos.mine, ["GET"]),
    ("/api/photos/{id}", photos.show_state, ["GET"]),
    ("/api/photos/{id}/close", photos.close, ["POST"]),
    ("/api/photos/{id}/reload", photos.reload, ["POST"]),
    ("/api/photos/{id}/disk", photos.disk, ["GET"]),
    ("/api/photos/{id}/image", photos.image, ["GET"]),
    ("/api/photos/{id}/download", photos.download, ["GET"]),
    ("/api/photos/{id}/save", photos.save, ["POST"]),
    ("/api/photos/{id}/mask", photos.mask_download, ["GET"]),
    ("/api/photos/{id}/mask", photos.mask_upload, ["POST"]),
    ("/api/photos/{id}/command", photos.command, ["GET"]),
    ("/api/photos/{id}/marks", edit.mark, ["POST"]),
    ("/api/photos/{id}/marks/back", edit.take_back, ["POST"]),
    ("/api/photos/{id}/marks/forward", edit.bring_back, ["POST"]),
    ("/api/photos/{id}/strokes", edit.stroke, ["POST"]),
    ("/api/photos/{id}/settings", edit.settings, ["POST"]),
    ("/api/photos/{id}/suggestions", edit.suggestions, ["POST"]),
    ("/api/photos/{id}/suggestions/take", edit.take_suggestion, ["POST"]),
    ("/api/photos/{id}/clear", edit.clear, ["POST"]),
    ("/api/photos/{id}/erase", edit.erase, ["POST"]),
    ("/api/photos/{id}/cancel", edit.cancel, ["POST"]),
    ("/api/photos/{id}/undo", edit.undo, ["POST"]),
    ("/api/photos/{id}/redo", edit.redo, ["POST"]),
]


def create_app(config: Config) -> Starlette:
    routes = [Route(path, guarded(fn), methods=methods) for path, fn, methods in ROUTES]
    routes.append(Mount("/static", app=StaticFiles(directory=STATIC), name="static"))
    app = Starlette(routes=routes, middleware=[Middleware(Guard)])  # Host, Origin, token: every path
    app.state.config = config
    app.state.store = SessionStore(config.max_sessions)
    app.state.folder = PhotoFolder(config.folder) if config.folder else None
    app.state.thumbs = Thumbnails(photos.folder_thumbnail(config.max_pixels))
    return app

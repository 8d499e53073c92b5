"""``eraser serve``: the local web page (see :mod:`eraser.serve`)."""

from __future__ import annotations

import signal
import socket
from pathlib import Path
from typing import Optional

import typer

from eraser.defaults import DEFAULT_SERVE_PHOTOS, DEFAULT_SERVE_UPLOAD_MB
from eraser.errors import EraserError


def serve(
    target: Optional[Path] = typer.Argument(None, metavar="[PHOTO | FOLDER]", help="A photo to open, or a folder whose photos the page lists."),
    host: str = typer.Option("127.0.0.1", "--host", metavar="ADDRESS", help="Address to listen on; any other than loopback requires the token."),
    port: int = typer.Option(8765, "--port", metavar="N", help="Port; 0 or a busy port picks a free one."),
    open_browser: bool = typer.Option(False, "--open", help="Open the page in the browser."),
    token: Optional[str] = typer.Option(None, "--token", metavar="TOKEN", help="Require this token [default: a random one off loopback]."),
    max_photos: int = typer.Option(DEFAULT_SERVE_PHOTOS, "--max-photos", metavar="N", min=1, max=1000, help="Photos each browser tab keeps open; its least recently used photo without unsaved erases is closed."),
    max_upload_mb: int = typer.Option(DEFAULT_SERVE_UPLOAD_MB, "--max-upload-mb", metavar="MB", min=1, max=4096, help="Largest upload accepted."),
    max_pixels: Optional[int] = typer.Option(None, "--max-pixels", metavar="N", min=1, help="Refuse photos with more pixels [default: as remove]."),
) -> None:
    """Erase interactively: a local web page (click to mark, Enter to erase)."""
    from eraser.defaults import DEFAULT_MAX_PIXELS
    from eraser.serve.app import Config, is_loopback, new_token

    folder = photo = None
    if target is not None:
        if target.is_dir():
            folder = target
        elif target.is_file():
            from eraser.io import load_image

            # Said here, in one line, rather than as an error inside the page.
            load_image(target, max_pixels=max_pixels or DEFAULT_MAX_PIXELS)
            folder, photo = target.resolve().parent, target.name
        else:
            raise EraserError(f"{target}: no such photo or folder")
    if not (0 <= port <= 65535):
        raise EraserError(f"--port must be 0 to 65535, not {port}")
    loopback = is_loopback(host)
    if token is None and not loopback:
        token = new_token()
    sock = _bind(host, port)
    bound = sock.getsockname()[1]
    config = Config(folder=folder, token=token, max_pixels=max_pixels or DEFAULT_MAX_PIXELS,
                    max_upload_bytes=max_upload_mb << 20, max_sessions=max_photos,
                    allowed_hosts={"127.0.0.1", "localhost", "::1", host} if loopback else None)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{shown if ':' not in shown else f'[{shown}]'}:{bound}/"
    query = [f"token={token}"] if token else []
    if photo:
        query.append(f"photo={photo}")
    url += "?" + "&".join(query) if query else ""
    if port and bound != port:
        typer.echo(f"note: port {port} is busy; using {bound}", err=True)
    if not loopback:
        typer.echo(f"note: listening on {host}: every request needs the token in this URL", err=True)
        if host in ("0.0.0.0", "::"):
            typer.echo("note: from another device, put this machine's address in place of 127.0.0.1", err=True)
    from eraser.cli.signals import Stopped, handled

    try:
        typer.echo(f"eraser is serving on {url}  (Ctrl-C stops it)", err=True)
        _run(config, sock, url if open_browser else None)
    except Stopped as stop:
        # Ctrl-C is how a person ends a server (the line above says so): not an
        # error, whenever it comes after that line (uvicorn shuts down, then
        # raises the signal again, which lands here too).
        if stop.signum != signal.SIGINT:
            raise
        handled()
        typer.echo("eraser serve stopped", err=True)


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``port``, or a free one when it is 0 or busy."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for candidate in ([port, 0] if port else [0]):
        # IPPROTO_TCP named, not 0: asyncio turns Nagle off (TCP_NODELAY) only on
        # sockets whose proto says TCP, and an accepted socket copies this one's.
        # With Nagle on, an answer's body (written after its headers) waited for
        # the browser's delayed ACK: 40 ms added to a click, every second click.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, candidate))
        except OSError as exc:
            sock.close()
            if candidate == 0 or exc.errno not in (98, 48, 10048):  # in use (Linux, macOS, Windows)
                raise EraserError(f"cannot listen on {host}:{candidate}: {exc.strerror or exc}") from None
            continue
        sock.listen(128)
        return sock
    raise EraserError(f"cannot listen on {host}")  # pragma: no cover - the loop returns or raises


def _run(config, sock: socket.socket, browse: Optional[str]) -> None:
    import uvicorn

    from eraser.serve.app import create_app

    app = create_app(config)
    if browse:
        import threading
        import webbrowser

        threading.Timer(0.5, webbrowser.open, args=(browse,)).start()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    server.run(sockets=[sock])

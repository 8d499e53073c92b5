"""The Host, Origin and token checks, in front of every route of the page's app.

An ASGI middleware rather than a check inside each route's handler: a route
added later (or a mount such as ``/static``, which once answered a foreign
Host with 200 while ``/`` and ``/api/*`` answered 403) cannot be left outside.
"""

from __future__ import annotations

import secrets
from typing import Any, Optional
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse

TOKEN_COOKIE = "eraser_token"


def refusal(connection: HTTPConnection, token: Optional[str], allowed_hosts: Optional[set[str]]) -> Optional[tuple[int, str]]:
    """(status, message) when the request must be refused, else None."""
    host = (connection.headers.get("host") or "").rsplit(":", 1)[0].strip("[]")
    if allowed_hosts is not None and host not in allowed_hosts:
        return 403, f"unexpected Host {host!r}"
    if not _same_origin(connection):
        return 403, "requests from other web sites are refused"
    if token is not None:
        given = (connection.query_params.get("token") or connection.headers.get("x-eraser-token")
                 or connection.cookies.get(TOKEN_COOKIE) or "")
        if not secrets.compare_digest(given, token):
            return 401, "this server needs its token: open the URL it printed"
    return None


def _same_origin(connection: HTTPConnection) -> bool:
    """A page of another site may make the browser send requests here (even
    to loopback, where there is no token); browsers name that page in Origin.
    No Origin (a navigation, curl, a test client) is fine."""
    origin = connection.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc.lower() == (connection.headers.get("host") or "").lower()


class Guard:
    """Refuses HTTP requests (and WebSocket handshakes) that fail :func:`refusal`."""

    def __init__(self, app: Any, token: Optional[str], allowed_hosts: Optional[set[str]]) -> None:
        self.app, self.token, self.allowed_hosts = app, token, allowed_hosts

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            problem = refusal(HTTPConnection(scope), self.token, self.allowed_hosts)
            if problem is not None:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                status, message = problem
                await JSONResponse({"error": message}, status_code=status)(scope, receive, send)
                return
        await self.app(scope, receive, send)

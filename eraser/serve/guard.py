"""What every request passes first: the Host, Origin and token rules; and how
errors leave the server (a user's mistake: a 4xx with one line; a bug: a 500
with one line, never a dead server).

The rules are a middleware (:class:`Guard`) in front of the whole app rather
than a check inside each route: a route or mount added later cannot be left
outside them (``/static`` once answered a foreign Host with 200 while ``/``
and ``/api/*`` answered 403), and an unknown path is refused before its 404.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from typing import Awaitable, Callable

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response

from eraser.errors import EraserError
from eraser.serve.schemas import Problem
from eraser.serve.wording import in_page_terms
from eraser.serve.sessions import Gone

TOKEN_COOKIE = "eraser_token"
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_urlsafe(24)


def error(status: int, message: str, **extra) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def refusal(request: HTTPConnection) -> Response | None:
    """The answer to a request that breaks the Host, Origin or token rule, or None."""
    config = request.app.state.config
    host = (request.headers.get("host") or "").rsplit(":", 1)[0].strip("[]")
    if config.allowed_hosts is not None and host not in config.allowed_hosts:
        return error(403, f"unexpected Host {host!r}")
    if not same_origin(request):
        return error(403, "requests from other web sites are refused")
    if config.token is not None:
        given = (request.query_params.get("token") or request.headers.get("x-eraser-token")
                 or request.cookies.get(TOKEN_COOKIE) or "")
        if not secrets.compare_digest(given, config.token):
            return error(401, "this server needs its token: open the URL it printed")
    return None


class Guard:
    """ASGI middleware: every HTTP request (and WebSocket handshake) passes :func:`refusal` first."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] in ("http", "websocket"):
            refused = refusal(HTTPConnection(scope))
            if refused is not None:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                else:
                    await refused(scope, receive, send)
                return
        await self.app(scope, receive, send)


def guarded(fn: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """A route's errors as JSON (the Guard middleware has applied the rules before)."""

    async def endpoint(request: Request) -> Response:
        try:
            response = await fn(request)
        except Problem as p:
            return error(p.status, str(p), **p.extra)
        except Gone as exc:
            return error(410, str(exc))
        except EraserError as exc:
            return error(400, in_page_terms(str(exc).splitlines()[0]) if str(exc) else "bad request")
        except Exception as exc:  # noqa: BLE001 - a bug: reported, the server lives on
            return error(500, f"internal error, please report: {type(exc).__name__}: {str(exc)[:200]}")
        config = request.app.state.config
        if config.token is not None and request.query_params.get("token"):
            response.set_cookie(TOKEN_COOKIE, config.token, httponly=True, samesite="strict")
        return response

    endpoint.__name__ = fn.__name__
    return endpoint


def client_id(request: Request) -> str:
    """The browser tab asking (the page makes one id per tab); "" for a bare HTTP client."""
    given = request.headers.get("x-eraser-client") or request.query_params.get("client") or ""
    if given and not CLIENT_ID.fullmatch(given):
        raise Problem(400, "a client id is 8 to 64 letters, digits, - or _")
    return given


def same_origin(request: HTTPConnection) -> bool:
    """A page of another site may make the browser send requests here (even
    to loopback, where there is no token); browsers name that page in Origin.
    No Origin (a navigation, curl, a test client) is fine."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    from urllib.parse import urlsplit

    return urlsplit(origin).netloc.lower() == (request.headers.get("host") or "").lower()

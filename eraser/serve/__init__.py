"""``eraser serve``: a local web page over the editing session.

A thin ASGI app (Starlette on uvicorn): each photo being edited is one
:class:`eraser.session.Session`, kept per browser tab (:mod:`.sessions`) with
the page's marks beside it (:mod:`.edits`); model work runs in a thread pool,
one request at a time per photo. Routes live at module level
(:mod:`.photo_routes`, :mod:`.edit_routes`), request bodies are checked in
:mod:`.schemas`, the Host/Origin/token rules in :mod:`.guard`. The page is
static files: HTML, CSS and JavaScript modules by concern (``view.js`` view
and zoom, ``marks.js`` marks and brush, ``api.js`` the API client, ``keys.js``
keys, ``suggest.js`` segment everything, ``main.js`` the wiring), no build step.
"""

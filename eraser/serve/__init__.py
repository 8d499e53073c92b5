"""``eraser serve``: a local web page over the editing session.

A thin ASGI app (Starlette on uvicorn): each photo being edited is one
:class:`eraser.session.Session`, kept in a bounded LRU (:mod:`.sessions`);
model work runs in a thread pool, one photo at a time per session, so a long
erase in one tab never blocks previews in another. The page is static files
(HTML, CSS, a plain JavaScript module) drawn on canvases; the mask overlay
comes from a small PNG the server sends with each preview.
"""

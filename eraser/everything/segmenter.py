"""Which segmenter segments everything: chosen through the registry like any backend.

A segmenter can when its plugin registers it with
``capabilities=("everything",)`` and the object its factory builds is an
:class:`eraser.backends.EverythingSegmenter`. ``auto`` takes the available
one with the highest priority.
"""

from __future__ import annotations

from eraser import registry
from eraser.backends import EverythingSegmenter
from eraser.errors import BackendFailure, EraserError
from eraser.fallback import build

CAPABILITY = "everything"


def choose(name: str = "auto") -> registry.BackendSpec:
    """The spec of segmenter ``name`` (or of the best available for ``auto``),
    or one line saying why none can segment everything."""
    capable = {n: s for n, s in registry.backends("segmenter").items() if CAPABILITY in s.capabilities}
    if name == "auto":
        found = registry.candidates("segmenter", capability=CAPABILITY)
        if found:
            return found[0]
        if not capable:
            raise EraserError("no segmenter here can segment everything (a SAM model's plugin adds one); "
                              "see `eraser plugins`")
        best = max(capable.values(), key=lambda s: (s.priority, s.name))
        raise EraserError(f"no segmenter that can segment everything is available: {best.name!r} is not available: "
                          f"{best.unavailable_reason()}")
    if name not in capable:
        raise EraserError(f"segment everything needs a SAM model or another segmenter that can segment everything, "
                          f"not {name!r}; choose one of: {', '.join(['auto', *sorted(capable)])}")
    return registry.choose("segmenter", name)


def everything_segmenter(name: str = "auto") -> EverythingSegmenter:
    """The built backend that segments everything: segmenter ``name`` or, with ``auto``, the best available."""
    spec = choose(name)
    backend = build(spec)
    if not isinstance(backend, EverythingSegmenter):
        raise BackendFailure(spec, "is registered as able to segment everything but has no embed, decode and upscale")
    return backend

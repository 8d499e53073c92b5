"""Running the backends a user chose: the one named, else ``auto``'s candidates
in turn, with notes.

A backend the user named is used or fails with one line naming its plugin.
With ``auto`` the available backends are tried best first; one that cannot
be built, raises or breaks its contract (a :class:`BackendFailure`) is
passed over with a note, and so is each better backend that is not
available. The segment stage (per object) and the inpaint stage both go
through :func:`first_that_works`.
"""

from __future__ import annotations

from typing import Callable, Optional, TypeVar

import numpy as np

from eraser import registry
from eraser.backends import Kind
from eraser.errors import BackendFailure, EraserError
from eraser.prompts import Prompt
from eraser.registration import BackendSpec

T = TypeVar("T")


def choices(kind: Kind, name: str, prompt: Optional[Prompt] = None) -> list[BackendSpec]:
    """The backends to try, in order: the one named, or ``auto``'s candidates
    (at least one, else the one-line reason). Cheap: nothing is built."""
    if name != "auto":
        return [registry.choose(kind, name, prompt)]
    return registry.candidates(kind, prompt) or [registry.choose(kind, "auto", prompt)]  # that raises


def first_that_works(specs: list[BackendSpec], named: bool, run: Callable[[BackendSpec], T], giving_up: str,
                     prompt: Optional[Prompt] = None) -> tuple[BackendSpec, T, list[str]]:
    """``run(spec)`` on the first of ``specs`` that does not fail: the spec,
    what ``run`` returned and the notes. ``named``: the user chose ``specs[0]``
    by name, so its failure is the answer. ``giving_up`` starts the line said
    when every candidate failed."""
    if named:
        return specs[0], run(specs[0]), []
    notes = passed_over(specs[0], prompt)
    for spec in specs:
        try:
            return spec, run(spec), notes
        except BackendFailure as failure:
            notes.append(f"{failure}; trying the next {spec.kind}")
    raise EraserError(f"{giving_up}: {notes[-1]}")


def build(spec: BackendSpec) -> object:
    """The backend object for ``spec``; a factory that raises is a BackendFailure."""
    try:
        return registry.build(spec)
    except Exception as exc:  # a plugin's bug must not take eraser down
        raise BackendFailure(spec, f"could not be started: {describe(exc)}") from None


def passed_over(chosen: BackendSpec, prompt: Optional[Prompt] = None) -> list[str]:
    """Notes for the better backends ``auto`` passed over because they are not usable."""
    notes = []
    better = [spec for spec in registry.backends(chosen.kind).values() if spec.priority > chosen.priority
              and not (spec.kind == "segmenter" and prompt is not None and prompt.kind not in spec.prompts)]
    for spec in sorted(better, key=lambda s: -s.priority):
        reason = spec.unavailable_reason()
        # a model never installed is worth one hint (the best), not one per
        # model a plugin offers; anything else wrong is always said
        if reason is not None and (not notes or "is not installed" not in reason):
            notes.append(f"using {chosen.kind} {chosen.name!r} because {spec.name!r} is not available: {reason}")
    return notes


def describe(exc: BaseException) -> str:
    """One line for an exception a backend raised."""
    text = str(exc).strip().splitlines()
    if isinstance(exc, EraserError):
        return text[0] if text else type(exc).__name__
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def read_only(array: np.ndarray) -> np.ndarray:
    """A view a backend cannot write through (the pipeline keeps the original)."""
    view = array.view()
    view.flags.writeable = False
    return view


def frozen(array: np.ndarray, shared: bool = False) -> np.ndarray:
    """``array`` as one nobody writes through numpy, so that a backend may
    remember what it computed from it (a segmenter, the photo's cache key):
    a read-only copy when it is ``shared`` (a caller holds it), else
    ``array`` itself, made read-only with every array it views. Handed out
    as a view of it: numpy lets an array that owns its memory be made
    writable again, never a view of a read-only one."""
    if shared:
        array = array.copy()
    base = array
    while isinstance(base, np.ndarray):
        base.flags.writeable = False
        base = base.base
    return array.view()

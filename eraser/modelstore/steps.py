"""The plugin's model steps (converter, installer, coreml, extras): made lazily,
checked for the modules they need before any download, run with their
output checked."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

from eraser.errors import EraserError

if TYPE_CHECKING:
    from eraser.registration import ModelSpec

CONVERT_EXTRA = "pip install 'eraser[convert]'"
CONVERT_MODULES = {"torch", "coremltools", "onnx", "onnxscript", "numpy"}  # what that extra installs


def sources() -> dict[str, "ModelSpec"]:
    """Every model a plugin registers (``register_models``), by name."""
    from eraser import registry

    return registry.models()


def source(name: str) -> "ModelSpec":
    known = sources()
    if name not in known:
        choices = ", ".join(sorted(known)) or "none (no plugin registers a model)"
        raise EraserError(f"unknown model {name!r}; choose one of: {choices}")
    return known[name]


def check_requirements(src: "ModelSpec", step: Optional[Callable] = None) -> None:
    """EraserError naming what to install when a module a step (by default
    the converter) needs is missing. A step may list them in a ``requires``
    attribute; they are checked (without importing anything) before any
    download."""
    requires = getattr(src.converter if step is None else step, "requires", ())
    requires = (requires,) if isinstance(requires, str) else tuple(requires)
    missing = [str(m) for m in requires if not _importable(m)]
    if missing:
        raise EraserError(f"converting {src.name} needs {', '.join(missing)} (not installed): {_install_hint(missing)}")


def step(target: str, *requires: str, **options: object) -> Callable[[Path, Path], list[Path]]:
    """A model step (converter, installer, coreml) for ``register_models``:
    ``"package.module:function"``, imported only when the step runs (so
    registering costs no heavy import); ``requires`` names the modules it
    needs, checked before any download; ``options`` are passed on as keyword
    arguments (one function serving several models, say)."""
    module, _, name = target.partition(":")

    def run(checkpoint: Path, out_dir: Path) -> list[Path]:
        return getattr(importlib.import_module(module), name)(checkpoint, out_dir, **options)

    run.requires = requires  # type: ignore[attr-defined]
    run.__qualname__ = run.__name__ = name
    return run


def wants_coreml(src: "ModelSpec", asked: Optional[bool]) -> bool:
    """Build CoreML packages? When asked (True/False), as asked; by default
    only where CoreML runs (macOS) and its converter's modules are there."""
    if src.coreml is None:
        if asked:
            raise EraserError(f"model {src.name!r} has no CoreML form")
        return False
    if asked is not None:
        return asked
    if sys.platform != "darwin":
        return False
    requires = getattr(src.coreml, "requires", ())
    return all(_importable(m) for m in ((requires,) if isinstance(requires, str) else requires))


def _importable(module: object) -> bool:
    try:
        return importlib.util.find_spec(str(module)) is not None
    except (ImportError, ValueError):  # a parent package missing, an empty name
        return False


def _install_hint(modules: list[str]) -> str:
    # eraser's own conversion extra has pinned, tested versions of these
    if set(modules) <= CONVERT_MODULES:
        return CONVERT_EXTRA
    return "pip install " + " ".join(modules)


def run_step(src: "ModelSpec", checkpoint: Path, out: Path, step: Optional[Callable] = None) -> list[Path]:
    """Run one of the plugin's steps (by default its converter); what it
    returns must name files it wrote in ``out``."""
    step = src.converter if step is None else step
    check_requirements(src, step)
    try:
        written = step(Path(checkpoint), Path(out))
    except ImportError as exc:
        if not exc.name:
            raise
        raise EraserError(f"converting {src.name} needs {exc.name} (not installed): {_install_hint([exc.name])}") from exc
    who = f"the converter of model {src.name!r} (plugin {src.plugin})"
    if not isinstance(written, (list, tuple)):
        raise EraserError(f"{who} returned {type(written).__name__}, not a list of the paths it wrote")
    paths = []
    for item in written:
        path = Path(item) if isinstance(item, (str, os.PathLike)) else None
        if path is not None and not path.is_absolute():
            path = out / path
        if path is None or not path.exists() or out.resolve() not in path.resolve().parents:
            raise EraserError(f"{who} returned {item!r}, not a file or folder it wrote in its output folder")
        paths.append(path)
    if not paths:
        raise EraserError(f"{who} wrote no files")
    return paths

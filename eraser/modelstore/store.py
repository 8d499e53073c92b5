"""Where models live and what state each is in: the store folder
(``$ERASER_MODELS_DIR``, ``--models-dir`` or the user's data folder), a
model's manifest read and checked, and the one-line fix when it is not
usable."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Optional

from eraser.errors import EraserError
from eraser.modelstore.integrity import LOCAL_MANIFEST, InstalledModel, damaged, manifest_problem
from eraser.modelstore.steps import sources

ENV_DIR = "ERASER_MODELS_DIR"
MAX_MANIFEST_BYTES = 16 << 20  # a manifest lists tens of files; more is not one of ours


def store_dir(override: Optional[Path] = None) -> Path:
    if override is not None:
        return Path(override).expanduser()
    if os.environ.get(ENV_DIR):
        return Path(os.environ[ENV_DIR]).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("eraser")) / "models"


def store_problem(store: Path) -> Optional[str]:
    """Why ``store`` cannot be a folder of models (a file, under a file), or None."""
    for folder in (store, *store.parents):
        try:
            mode = folder.stat().st_mode
        except (FileNotFoundError, NotADirectoryError):
            continue
        except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
            return f"the model store {store} cannot be read ({getattr(exc, 'strerror', None) or exc})"
        if stat.S_ISDIR(mode):
            return None
        if folder == store:
            return f"the model store {store} is a file, not a folder"
        return f"the model store {store} cannot be a folder: {folder} is a file"
    return None


def _inspect(name: str, root: Optional[Path]) -> tuple[Optional[InstalledModel], str, Optional[str]]:
    """(the model if its manifest is sound, its state, why it cannot be used)."""
    store = store_dir(root)
    problem = store_problem(store)
    if problem:
        return None, "not installed", f"model {name!r} is not installed: {problem}"
    folder = store / name
    fix = f"run: eraser models install {name} --force"
    try:
        if not folder.exists():
            return None, "not installed", f"model {name!r} is not installed; run: eraser models install {name}"
        if not folder.is_dir():
            return None, "damaged", f"model {name!r} is damaged ({folder} is not a folder); {fix}"
        manifest = folder / LOCAL_MANIFEST
        if not manifest.exists():
            return None, "incomplete", f"model {name!r} is incomplete; run: eraser models install {name}"
        with open(manifest, "rb") as f:
            raw = f.read(MAX_MANIFEST_BYTES + 1)
    except OSError as exc:
        return None, "unreadable", f"model {name!r} cannot be read ({exc.filename or folder}: {exc.strerror}); {fix}"
    if len(raw) > MAX_MANIFEST_BYTES:
        problem = "manifest.json is too large"
    else:
        try:
            data = json.loads(raw)
            problem = manifest_problem(data)
        except (ValueError, RecursionError):  # not UTF-8, not JSON, nested too deep
            problem = "manifest.json is not valid JSON"
        if not problem and name in (known := sources()):
            lacking = not_listed(data["files"], known[name].files)
            problem = f"manifest.json does not list {lacking[0]}" if lacking else None
    if problem:
        return None, "damaged", f"model {name!r} in {folder} is damaged ({problem}); {fix}"
    return InstalledModel(name, folder, data["files"], data), "installed", None


def not_listed(files: dict, required: tuple[str, ...]) -> list[str]:
    """The paths of ``required`` (files or folders) that ``files`` does not hold."""
    return [r for r in required if r not in files and not any(f.startswith(r.rstrip("/") + "/") for f in files)]


def installed(name: str, root: Optional[Path] = None) -> Optional[InstalledModel]:
    """The installed model, or None when there is none (or a partial or malformed one)."""
    return _inspect(name, root)[0]


def present(root: Optional[Path] = None) -> list[str]:
    """Names of known models that have a folder in the store (whole or not)."""
    return [name for name in sources() if _inspect(name, root)[1] != "not installed"]


def status(name: str, root: Optional[Path] = None) -> tuple[str, Optional[str]]:
    """("installed", None) once every file is verified, else a state
    ("not installed", "incomplete", "damaged", "unreadable") and a one-line fix.

    The first call hashes every file; later calls trust the verification record."""
    model, state, reason = _inspect(name, root)
    if model is None:
        return state, reason
    problems = model.verify()
    return ("damaged", damaged(model, problems)) if problems else ("installed", None)


def missing_reason(name: str, root: Optional[Path] = None) -> Optional[str]:
    """None if ``name`` is installed and every file is verified, else a one-line fix."""
    return status(name, root)[1]


def require(name: str, root: Optional[Path] = None) -> InstalledModel:
    """The installed, verified model ``name``; EraserError naming the fix otherwise."""
    model, _, reason = _inspect(name, root)
    if model is None:
        raise EraserError(reason)
    problems = model.verify()
    if problems:
        raise EraserError(damaged(model, problems))
    return model


def check(name: str, root: Optional[Path] = None) -> list[str]:
    """Everything wrong with an installed model, every file hashed again
    (``eraser models verify``); EraserError when it is not installed."""
    model, state, reason = _inspect(name, root)
    if state in ("not installed", "incomplete"):
        raise EraserError(reason)
    return [reason] if model is None else model.problems(full=True)

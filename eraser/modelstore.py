"""Models on a user's machine: the manifest, the store, install and verify.

A model is installed into ``<store>/<name>/`` together with a
``manifest.json`` written last, so a folder without one is never used: an
install that stops half-way leaves nothing that looks complete. Installs are
built in a temporary folder beside the target and renamed into place.

Before a model is first used every file's sha256 is checked against that
manifest; files that matched are remembered in ``<store>/<name>/verified.json``
by size, mtime, ctime and inode, so later runs only ``stat`` them. Anything
wrong with the store (a malformed manifest, a store path that is a file) is
a one-line reason, never an exception, so ``eraser plugins`` always works.

The store is ``$ERASER_MODELS_DIR`` when set, else the user's data folder
(platformdirs), and every command takes ``--models-dir`` to override both.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.resources
import importlib.util
import json
import os
import re
import shutil
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

from eraser.errors import EraserError

if TYPE_CHECKING:
    from eraser.registration import ModelSpec

ENV_DIR = "ERASER_MODELS_DIR"
LOCAL_MANIFEST = "manifest.json"
RECORD = "verified.json"  # files whose sha256 matched, by stat signature
DOWNLOADS = ".downloads"  # partial downloads, kept to resume
CHUNK = 1 << 20
MAX_MANIFEST_BYTES = 16 << 20  # a manifest lists tens of files; more is not one of ours
SHA256 = re.compile(r"[0-9a-f]{64}")
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


def _convert(src: "ModelSpec", checkpoint: Path, out: Path, step: Optional[Callable] = None) -> list[Path]:
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


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _signature(st: os.stat_result) -> list[int]:
    # ctime too: restoring an old mtime (touch -r) after an edit still changes it
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


@dataclass(frozen=True)
class InstalledModel:
    name: str
    folder: Path
    files: dict[str, dict]  # relative path -> {"sha256": ..., "size": ...}
    info: dict

    def path(self, relative: str) -> Path:
        return self.folder / relative

    def has(self, relative: str) -> bool:
        return relative in self.files

    def has_any(self, folder: str) -> bool:
        """Whether any file lies under ``folder`` (e.g. an ``.mlpackage``)."""
        return any(rel.startswith(folder + "/") for rel in self.files)

    def problems(self, full: bool = False, *, remembered: bool = False) -> list[str]:
        """What is wrong with the files: sizes always; checksums when ``full``,
        skipping files the verification record vouches for when ``remembered``.
        Files whose checksum matched are recorded for the next run."""
        record = self._record() if full else {}
        checked, found = {}, []
        for rel, meta in self.files.items():
            try:
                st = (self.folder / rel).stat()
            except OSError:
                found.append(f"{rel} is missing")
                continue
            if not stat.S_ISREG(st.st_mode):
                found.append(f"{rel} is not a file")
            elif st.st_size != meta["size"]:
                found.append(f"{rel} has the wrong size")
            elif full:
                entry = {"sha256": meta["sha256"], "stat": _signature(st)}
                if not remembered or record.get(rel) != entry:
                    try:
                        digest = file_digest(self.folder / rel)
                    except OSError as exc:
                        found.append(f"{rel} cannot be read ({exc.strerror})")
                        continue
                    if digest != meta["sha256"]:
                        found.append(f"{rel} has the wrong checksum")
                        continue
                checked[rel] = entry
        if full and checked != record:
            self._remember(checked)
        return found

    def verify(self) -> list[str]:
        """Problems with the files, hashing only what changed since it was last verified."""
        return self.problems(full=True, remembered=True)

    def _record(self) -> dict:
        try:
            data = json.loads((self.folder / RECORD).read_text())
        except (OSError, ValueError, RecursionError):
            return {}
        return data.get("files", {}) if isinstance(data, dict) and isinstance(data.get("files"), dict) else {}

    def _remember(self, checked: dict) -> None:
        """Write the record; a store we cannot write only costs hashing again."""
        from eraser.io.files import atomic_write  # only when something was hashed

        text = (json.dumps({"files": checked}, indent=1) + "\n").encode()
        try:
            atomic_write(self.folder / RECORD, lambda f: f.write(text), overwrite=True)
        except (EraserError, OSError):
            pass


def manifest_problem(data: object) -> Optional[str]:
    """Why ``data`` (a parsed manifest.json) cannot describe a model, or None."""
    if not isinstance(data, dict):
        return "manifest.json is not a JSON object"
    files = data.get("files")
    if not isinstance(files, dict):
        return "manifest.json has no 'files' object"
    if not files:
        return "manifest.json lists no files"
    for rel, meta in files.items():
        parts = Path(rel).parts
        if not rel or Path(rel).is_absolute() or ".." in parts or rel in (LOCAL_MANIFEST, RECORD):
            return f"manifest.json names a file outside the model: {rel!r}"
        if not isinstance(meta, dict):
            return f"manifest.json has no size and sha256 for {rel}"
        size, digest = meta.get("size"), meta.get("sha256")
        if type(size) is not int or size < 0:
            return f"manifest.json has no valid size for {rel}"
        if not isinstance(digest, str) or not SHA256.fullmatch(digest):
            return f"manifest.json has no valid sha256 for {rel}"
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
            lacking = _lacking(data["files"], known[name].files)
            problem = f"manifest.json does not list {lacking[0]}" if lacking else None
    if problem:
        return None, "damaged", f"model {name!r} in {folder} is damaged ({problem}); {fix}"
    return InstalledModel(name, folder, data["files"], data), "installed", None


def _lacking(files: dict, required: tuple[str, ...]) -> list[str]:
    """The paths of ``required`` (files or folders) that ``files`` does not hold."""
    return [r for r in required if r not in files and not any(f.startswith(r.rstrip("/") + "/") for f in files)]


def installed(name: str, root: Optional[Path] = None) -> Optional[InstalledModel]:
    """The installed model, or None when there is none (or a partial or malformed one)."""
    return _inspect(name, root)[0]


def present(root: Optional[Path] = None) -> list[str]:
    """Names of known models that have a folder in the store (whole or not)."""
    return [name for name in sources() if _inspect(name, root)[1] != "not installed"]


def damaged(model: InstalledModel, problems: list[str]) -> str:
    more = f", and {len(problems) - 1} more" if len(problems) > 1 else ""
    return (
        f"model {model.name!r} in {model.folder} is damaged ({problems[0]}{more}); "
        f"run: eraser models install {model.name} --force"
    )


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


def _work_folder(parent: Path, prefix: str) -> Path:
    """A temporary folder in ``parent`` (created if needed), or a one-line error."""
    problem = store_problem(parent)
    if problem:
        raise EraserError(f"{problem}; choose another with --models-dir or ${ENV_DIR}")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    except OSError as exc:
        raise EraserError(f"cannot write to {parent}: {exc.strerror or exc}") from exc


def install(
    name: str,
    root: Optional[Path] = None,
    *,
    from_file: Optional[Path] = None,
    url: Optional[str] = None,
    md5: Optional[str] = None,
    sha256: Optional[str] = None,
    force: bool = False,
    progress: Optional[Callable[[int, int], None]] = None,
    coreml: Optional[bool] = None,
    notify: Optional[Callable[[str], None]] = None,
) -> InstalledModel:
    """Download (or take ``from_file``), check the md5, convert, and store.

    The plugin's torch-free ``installer`` runs when it has one (else its
    converter); CoreML packages are built as :func:`wants_coreml` says, and
    ``notify`` gets a one-line note when they are skipped."""
    src = source(name)
    store = store_dir(root)
    if installed(name, root) is not None and not force:
        raise EraserError(f"model {name!r} is already installed in {store / name}; use --force to reinstall")
    if from_file is not None and not Path(from_file).is_file():
        raise EraserError(f"{from_file}: " + ("a folder, not a checkpoint file" if Path(from_file).is_dir() else "no such file"))
    steps = [src.installer or src.converter]
    skipped = None
    if src.installer is not None and wants_coreml(src, coreml):
        steps.append(src.coreml)
    elif src.installer is not None and src.coreml is not None:
        why = "not asked for (--coreml)" if sys.platform == "darwin" else "CoreML runs only on macOS"
        skipped = (f"CoreML packages skipped ({why}); to build them: eraser models install {name} --coreml "
                   f"(needs {CONVERT_EXTRA})")
    for step in steps:
        check_requirements(src, step)  # before a download of hundreds of MB
    expected = (md5 or src.md5 or "").lower()
    expected_sha = (sha256 or "").lower()
    if expected_sha and not SHA256.fullmatch(expected_sha):
        raise EraserError(f"--sha256 must be 64 hexadecimal digits, got {sha256!r}")
    work = _work_folder(store, f".{name}.")
    try:
        checkpoint = work / src.filename
        if from_file is not None:
            shutil.copyfile(from_file, checkpoint)
        else:
            if not (url or src.url):
                raise EraserError(f"model {name!r} has no download address; run: eraser models install {name} --from FILE")
            from eraser import download

            part = download.download(url or src.url, store / DOWNLOADS, src.filename, md5=expected,
                                     sha256=expected_sha, progress=progress, name=name)
            os.replace(part, checkpoint)  # checked: now it may enter the store
        actual = file_digest(checkpoint, "md5")
        wrong = [f"{kind} {got}, expected {want}" for kind, got, want in
                 (("md5", actual, expected), ("sha256", file_digest(checkpoint) if expected_sha else "", expected_sha))
                 if want and got != want]
        if wrong:
            raise EraserError(
                f"checkpoint checksum mismatch for {name}: {'; '.join(wrong)} "
                "(a damaged download, or another checkpoint: pass --md5 to accept it)"
            )
        out = _build(src, checkpoint, work / "model", actual, steps)
        model = _swap_in(out, store / name, name, root)
        if skipped and notify is not None:
            notify(skipped)
        return model
    finally:
        shutil.rmtree(work, ignore_errors=True)
        _tidy_downloads(store / DOWNLOADS)


def _tidy_downloads(folder: Path) -> None:
    """Drop empty partial downloads and the folder when nothing is left to resume."""
    try:
        for part in folder.glob("*.part"):
            if part.stat().st_size == 0:
                part.unlink()
                part.with_suffix(".url").unlink(missing_ok=True)
        if not any(folder.glob("*.part")):
            shutil.rmtree(folder, ignore_errors=True)
    except OSError:
        pass


def convert_into(name: str, checkpoint: Path, out_dir: Path, *, force: bool = False,
                 extras: tuple[str, ...] = ()) -> InstalledModel:
    """Convert any checkpoint of ``name``'s architecture into ``out_dir``,
    with the plugin's named ``extras`` (more exports) too."""
    src = source(name)
    for extra in extras:
        if extra not in src.extras:
            raise EraserError(f"model {name!r} has no {extra} export"
                              + (f" (it has: {', '.join(sorted(src.extras))})" if src.extras else ""))
    checkpoint, out_dir = Path(checkpoint), Path(out_dir)
    if not checkpoint.is_file():
        raise EraserError(f"{checkpoint}: no such file")
    if out_dir.exists() and not out_dir.is_dir():
        raise EraserError(f"{out_dir} is a file, not a folder")
    if out_dir.exists() and any(out_dir.iterdir()) and not force:
        raise EraserError(f"{out_dir} is not empty; use --force to replace it")
    if not out_dir.parent.is_dir():
        raise EraserError(f"cannot write {out_dir}: folder {out_dir.parent} does not exist")
    steps = [src.converter] + [src.extras[extra] for extra in extras]
    for one in steps:
        check_requirements(src, one)
    work = _work_folder(out_dir.parent, f".{out_dir.name}.")
    try:
        built = _build(src, checkpoint, work / "model", file_digest(checkpoint, "md5"), steps)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(built, out_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    data = json.loads((out_dir / LOCAL_MANIFEST).read_text())
    return InstalledModel(name, out_dir, data["files"], data)


def _build(src: "ModelSpec", checkpoint: Path, out: Path, md5: str, steps: Optional[list] = None) -> Path:
    out.mkdir()
    written: list[Path] = []
    for step in steps or [src.converter]:
        written += [p for p in _convert(src, checkpoint, out, step) if p not in written]
    data = write_manifest(out, written, src, md5)
    lacking = _lacking(data["files"], src.files)
    if lacking:
        raise EraserError(f"the converter of model {src.name!r} (plugin {src.plugin}) did not write {lacking[0]}")
    # Verified once here, so the first use after an install hashes nothing
    # (renaming the folder into place keeps each file's stat signature).
    InstalledModel(src.name, out, data["files"], data).problems(full=True)
    return out


def write_manifest(folder: Path, written: list[Path], src: "ModelSpec", md5: str) -> dict:
    """Record ``written`` (files or folders inside ``folder``) with their sizes
    and sha256 in ``folder/manifest.json``: what makes a folder a model."""
    files = {}
    for path in written:
        for f in [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file()):
            files[f.relative_to(folder).as_posix()] = {"sha256": file_digest(f), "size": f.stat().st_size}
    versions = {}
    for package in ("eraser", "torch", "coremltools", "onnx", "onnxruntime", "numpy"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            pass
    data = {"name": src.name, "checkpoint": {"file": src.filename, "md5": md5, "url": src.url},
            "license": src.license, "versions": versions, "files": files}
    (folder / LOCAL_MANIFEST).write_text(json.dumps(data, indent=2) + "\n")
    return data


def _swap_in(new: Path, target: Path, name: str, root: Optional[Path]) -> InstalledModel:
    """Replace ``target`` by ``new`` with renames, so readers never see a mix."""
    old = None
    if os.path.lexists(target):
        old = target.with_name(f".{name}.old.{os.getpid()}")
        os.replace(target, old)
    os.replace(new, target)
    if old is not None:
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)
    return installed(name, root)

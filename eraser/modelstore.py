"""Models on a user's machine: the manifest, the store, install and verify.

A model is installed into ``<store>/<name>/`` together with a
``manifest.json`` written last, so a folder without one is never used: an
install that stops half-way leaves nothing that looks complete. Installs are
built in a temporary folder beside the target and renamed into place.

The store is ``$ERASER_MODELS_DIR`` when set, else the user's data folder
(platformdirs), and every command takes ``--models-dir`` to override both.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.resources
import json
import os
import shutil
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from eraser.errors import EraserError

ENV_DIR = "ERASER_MODELS_DIR"
LOCAL_MANIFEST = "manifest.json"
CHUNK = 1 << 20


@dataclass(frozen=True)
class ModelSource:
    """One entry of the packaged model manifest (models/manifest.json)."""

    name: str
    description: str
    url: str
    md5: str
    filename: str
    license: str
    converter: str  # "module:function" taking (checkpoint, out_dir) -> list[Path]

    def convert(self, checkpoint: Path, out_dir: Path) -> list[Path]:
        module_name, _, function = self.converter.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise EraserError(
                f"converting {self.name} needs PyTorch and coremltools ({exc.name} is missing): "
                "pip install 'eraser[convert]'"
            ) from exc
        return getattr(module, function)(checkpoint, out_dir)


def sources() -> dict[str, ModelSource]:
    text = importlib.resources.files("eraser_models").joinpath("manifest.json").read_text()
    return {name: ModelSource(name=name, **fields) for name, fields in json.loads(text).items()}


def source(name: str) -> ModelSource:
    known = sources()
    if name not in known:
        raise EraserError(f"unknown model {name!r}; choose one of: {', '.join(sorted(known))}")
    return known[name]


def store_dir(override: Optional[Path] = None) -> Path:
    if override is not None:
        return Path(override)
    if os.environ.get(ENV_DIR):
        return Path(os.environ[ENV_DIR])
    import platformdirs

    return Path(platformdirs.user_data_dir("eraser")) / "models"


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


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

    def problems(self, full: bool = False) -> list[str]:
        """What is wrong with the files: sizes always, checksums when ``full``."""
        found = []
        for rel, meta in self.files.items():
            p = self.folder / rel
            if not p.is_file():
                found.append(f"{rel} is missing")
            elif p.stat().st_size != meta["size"]:
                found.append(f"{rel} has the wrong size")
            elif full and file_digest(p) != meta["sha256"]:
                found.append(f"{rel} has the wrong checksum")
        return found


def installed(name: str, root: Optional[Path] = None) -> Optional[InstalledModel]:
    """The installed model, or None when there is none (or only a partial one)."""
    folder = store_dir(root) / name
    manifest = folder / LOCAL_MANIFEST
    if not manifest.is_file():
        return None
    try:
        data = json.loads(manifest.read_text())
        return InstalledModel(name, folder, data["files"], data)
    except (ValueError, KeyError, TypeError):
        return None


def missing_reason(name: str, root: Optional[Path] = None) -> Optional[str]:
    """None if ``name`` is installed and its files look whole, else a one-line fix."""
    model = installed(name, root)
    if model is None:
        partial = (store_dir(root) / name).exists()
        state = "incomplete" if partial else "not installed"
        return f"model {name!r} is {state}; run: eraser models install {name}"
    problems = model.problems()
    if problems:
        return f"model {name!r} is damaged ({problems[0]}); run: eraser models install {name} --force"
    return None


def require(name: str, root: Optional[Path] = None) -> InstalledModel:
    reason = missing_reason(name, root)
    if reason is not None:
        raise EraserError(reason)
    return installed(name, root)


def download(url: str, dest: Path, progress: Optional[Callable[[int, int], None]] = None) -> None:
    """Fetch ``url`` into ``dest`` (only ever called by ``eraser models install``)."""
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(dest, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0)
            done = 0
            for block in iter(lambda: response.read(CHUNK), b""):
                out.write(block)
                done += len(block)
                if progress:
                    progress(done, total)
    except OSError as exc:
        raise EraserError(f"cannot download {url}: {exc}") from exc


def install(
    name: str,
    root: Optional[Path] = None,
    *,
    from_file: Optional[Path] = None,
    url: Optional[str] = None,
    md5: Optional[str] = None,
    force: bool = False,
    progress: Optional[Callable[[int, int], None]] = None,
) -> InstalledModel:
    """Download (or take ``from_file``), check the md5, convert, and store."""
    src = source(name)
    store = store_dir(root)
    if installed(name, root) is not None and not force:
        raise EraserError(f"model {name!r} is already installed in {store / name}; use --force to reinstall")
    store.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=store))
    try:
        checkpoint = work / src.filename
        if from_file is not None:
            from_file = Path(from_file)
            if not from_file.is_file():
                raise EraserError(f"{from_file}: no such file")
            shutil.copyfile(from_file, checkpoint)
        else:
            download(url or src.url, checkpoint, progress)
        expected = (md5 or src.md5).lower()
        actual = file_digest(checkpoint, "md5")
        if actual != expected:
            raise EraserError(
                f"checkpoint checksum mismatch for {name}: md5 {actual}, expected {expected} "
                "(a damaged download, or another checkpoint: pass --md5 to accept it)"
            )
        out = _build(src, checkpoint, work / "model", actual)
        return _swap_in(out, store / name, name, root)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def convert_into(name: str, checkpoint: Path, out_dir: Path, *, force: bool = False) -> InstalledModel:
    """Convert any checkpoint of ``name``'s architecture into ``out_dir``."""
    src = source(name)
    checkpoint, out_dir = Path(checkpoint), Path(out_dir)
    if not checkpoint.is_file():
        raise EraserError(f"{checkpoint}: no such file")
    if out_dir.exists() and any(out_dir.iterdir()) and not force:
        raise EraserError(f"{out_dir} is not empty; use --force to replace it")
    if not out_dir.parent.is_dir():
        raise EraserError(f"cannot write {out_dir}: folder {out_dir.parent} does not exist")
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        built = _build(src, checkpoint, work / "model", file_digest(checkpoint, "md5"))
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(built, out_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    data = json.loads((out_dir / LOCAL_MANIFEST).read_text())
    return InstalledModel(name, out_dir, data["files"], data)


def _build(src: ModelSource, checkpoint: Path, out: Path, md5: str) -> Path:
    out.mkdir()
    written = src.convert(checkpoint, out)
    _write_manifest(out, written, src.name, src, md5)
    return out


def _write_manifest(folder: Path, written: list[Path], name: str, src: ModelSource, md5: str) -> None:
    files = {}
    for path in written:
        for f in [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file()):
            files[str(f.relative_to(folder))] = {"sha256": file_digest(f), "size": f.stat().st_size}
    versions = {}
    for package in ("eraser", "torch", "coremltools", "onnx", "onnxruntime", "numpy"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            pass
    data = {"name": name, "checkpoint": {"file": src.filename, "md5": md5, "url": src.url}, "license": src.license,
            "versions": versions, "files": files}
    (folder / LOCAL_MANIFEST).write_text(json.dumps(data, indent=2) + "\n")


def _swap_in(new: Path, target: Path, name: str, root: Optional[Path]) -> InstalledModel:
    """Replace ``target`` by ``new`` with renames, so readers never see a mix."""
    old = None
    if target.exists():
        old = target.with_name(f".{name}.old.{os.getpid()}")
        os.replace(target, old)
    os.replace(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return installed(name, root)

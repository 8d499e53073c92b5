"""``eraser models install`` and ``convert``: a checkpoint downloaded (or
given), checked, converted in a temporary folder beside the target, its
manifest written last, and renamed into place."""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

from eraser.errors import EraserError
from eraser.modelstore.integrity import LOCAL_MANIFEST, SHA256, InstalledModel, file_digest
from eraser.modelstore.steps import CONVERT_EXTRA, check_requirements, run_step, source, wants_coreml
from eraser.modelstore.store import ENV_DIR, installed, not_listed, store_dir, store_problem

if TYPE_CHECKING:
    from eraser.registration import ModelSpec

DOWNLOADS = ".downloads"  # partial downloads, kept to resume


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
        written += [p for p in run_step(src, checkpoint, out, step) if p not in written]
    data = write_manifest(out, written, src, md5)
    lacking = not_listed(data["files"], src.files)
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

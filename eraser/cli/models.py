"""``eraser models list|install|convert|verify|path``: the model store."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Optional

import typer

from eraser.cli.options import QUIET, Report, help_without_command
from eraser.errors import EraserError

app = typer.Typer(
    help="Install, check and convert the models eraser runs (MobileSAM, SAM ViT-B/L/H, LaMa).", invoke_without_command=True
)


@app.callback()
def _group(ctx: typer.Context) -> None:
    help_without_command(ctx)


MODELS_DIR_HELP = "The model store [default: $ERASER_MODELS_DIR or the user data folder]."


@app.command("list")
def models_list(
    models_dir: Optional[Path] = typer.Option(None, "--models-dir", metavar="DIR", help=MODELS_DIR_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the models eraser knows and whether each is installed."""
    from eraser import modelstore

    rows = []
    for name, src in modelstore.sources().items():
        state, reason = modelstore.status(name, models_dir)
        rows.append({"name": name, "installed": reason is None, "state": state, "status": reason or "installed",
                     "path": str(modelstore.store_dir(models_dir) / name), "description": src.description,
                     "license": src.license, "url": src.url, "md5": src.md5})
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    width = max((len(row["name"]) for row in rows), default=0)
    for row in rows:
        typer.echo(f"{row['name']:{width}}  {row['state']:14} {row['description']}")


@app.command("install")
def models_install(
    names: list[str] = typer.Argument(..., metavar="NAME...", help="The models, e.g. mobile-sam lama."),
    from_file: Optional[Path] = typer.Option(None, "--from", metavar="FILE", help="Install from this checkpoint file instead of downloading."),
    url: Optional[str] = typer.Option(None, "--url", metavar="URL", help="Download from this address instead of the manifest's."),
    md5: Optional[str] = typer.Option(None, "--md5", metavar="HEX", help="Expect this md5 instead of the official checkpoint's."),
    sha256: Optional[str] = typer.Option(None, "--sha256", metavar="HEX", help="Also check this sha256 before the checkpoint is used."),
    force: bool = typer.Option(False, "--force", "-f", help="Reinstall over an installed model."),
    coreml: Optional[bool] = typer.Option(None, "--coreml/--no-coreml", help="Also build CoreML packages (needs eraser[convert]) [default: only on macOS, when installed]."),
    models_dir: Optional[Path] = typer.Option(None, "--models-dir", metavar="DIR", help=MODELS_DIR_HELP),
    quiet: bool = QUIET,
) -> None:
    """Download (or take --from) a checkpoint, check it, turn it into ONNX models (no torch needed), store it.

    With several NAMEs, those already installed are skipped (unless --force),
    so the same command finishes what an interrupted one left."""
    from eraser import modelstore

    names = list(dict.fromkeys(names))
    one_only = [flag for flag, value in (("--from", from_file), ("--url", url), ("--md5", md5), ("--sha256", sha256))
                if value is not None]
    if len(names) > 1 and one_only:
        raise EraserError(f"{one_only[0]} applies to one model; install {' and '.join(names)} one at a time")
    for name in names:
        report = Report(quiet, False)
        if len(names) > 1 and not force and modelstore.installed(name, models_dir) is not None:
            report.notice(f"{name} is already installed (--force reinstalls it)")
            continue
        with _progress_bar(quiet, name) as progress:
            model = modelstore.install(name, models_dir, from_file=from_file, url=url, md5=md5, sha256=sha256,
                                       force=force, coreml=coreml, notify=report.notice, progress=progress)
        report.done(f"installed {name} ({len(model.files)} files) -> {model.folder}")


@contextlib.contextmanager
def _progress_bar(quiet: bool, name: str):
    """A download bar (size, rate, time left) on a terminal; nothing otherwise."""
    import sys

    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn,
                               TransferSpeedColumn)

    columns = (TextColumn(f"downloading {name}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
               TimeRemainingColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("download", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield update


@app.command("convert")
def models_convert(
    name: str = typer.Argument(..., metavar="NAME", help="The model architecture, e.g. mobile-sam or lama."),
    checkpoint: Path = typer.Option(..., "--checkpoint", "-c", metavar="FILE", help="The PyTorch checkpoint to convert."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", metavar="OUT", help="Folder to write [default: NAME-converted]."),
    force: bool = typer.Option(False, "--force", "-f", help="Replace a non-empty output folder."),
    seed_ios_decoder: bool = typer.Option(False, "--seed-ios-decoder", help="Also write the seed iOS app's simplified SAM mask decoder, mask_decoder.onnx (no mask input, 1024x1024 output; see docs/models.md)."),
    quiet: bool = QUIET,
) -> None:
    """Convert a checkpoint to CoreML packages and ONNX graphs, with a manifest."""
    from eraser import modelstore

    report = Report(quiet, False)
    out = output or Path(f"{name}-converted")
    extras = ("seed-ios-decoder",) if seed_ios_decoder else ()
    model = modelstore.convert_into(name, checkpoint, out, force=force, extras=extras)
    report.done(f"converted {checkpoint} ({len(model.files)} files) -> {out}")


@app.command("verify")
def models_verify(
    name: Optional[str] = typer.Argument(None, metavar="[NAME]", help="One model [default: every installed model]."),
    models_dir: Optional[Path] = typer.Option(None, "--models-dir", metavar="DIR", help=MODELS_DIR_HELP),
) -> None:
    """Check every file of installed models against its recorded checksum."""
    from eraser import modelstore

    names = [name] if name else modelstore.present(models_dir)
    if not names:
        typer.echo(f"no models installed in {modelstore.store_dir(models_dir)}; see: eraser models list")
        return
    bad = False
    for model_name in names:
        modelstore.source(model_name)
        problems = modelstore.check(model_name, models_dir)
        bad = bad or bool(problems)
        typer.echo(f"{model_name}: " + ("ok" if not problems else "; ".join(problems)))
    if bad:
        raise EraserError("some model files are damaged; reinstall with: eraser models install NAME --force")


@app.command("path")
def models_path(
    name: Optional[str] = typer.Argument(None, metavar="[NAME]", help="One model [default: the store itself]."),
    models_dir: Optional[Path] = typer.Option(None, "--models-dir", metavar="DIR", help=MODELS_DIR_HELP),
) -> None:
    """Print where models are (or would be) stored."""
    from eraser import modelstore

    root = modelstore.store_dir(models_dir)
    if name:
        modelstore.source(name)
        root = root / name
    typer.echo(str(root))

"""The ``eraser`` command line.

Only typer is imported at start-up; numpy, OpenCV and the pipeline load
inside the commands, so ``eraser --help`` and ``--version`` stay fast.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import List, Optional

import typer

from eraser import __version__
from eraser.errors import EraserError

DEFAULT_MAX_PIXELS = 100_000_000  # equal to eraser.io.DEFAULT_MAX_PIXELS, kept here to avoid the import

app = typer.Typer(
    name="eraser",
    help="Point at an object in a photo and it disappears.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# Options several commands share.
POINT = typer.Option(
    [], "--point", "-p", metavar="X,Y[+X,Y]",
    help="X,Y on an object (repeat for more objects; X1,Y1+X2,Y2 for several clicks on one object).",
)
EXCLUDE = typer.Option([], "--exclude", "-x", metavar="X,Y", help="X,Y that must stay out of every object (repeatable).")
BOX = typer.Option([], "--box", "-b", metavar="X0,Y0,X1,Y1", help="X0,Y0,X1,Y1 around an object (repeatable).")
FORCE = typer.Option(False, "--force", "-f", help="Overwrite an existing output file.")
QUIET = typer.Option(False, "--quiet", "-q", help="Print nothing on success.")
VERBOSE = typer.Option(False, "--verbose", "-v", help="Also print per-stage timings.")
COMPARE = typer.Option(None, "--compare", metavar="PATH", help="Also write a before | mask | after image.")
MAX_PIXELS = typer.Option(
    DEFAULT_MAX_PIXELS, "--max-pixels", metavar="N", min=1, help="Refuse larger images (decompression-bomb guard)."
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"eraser {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """Point at an object in a photo and it disappears."""


class _Report:
    """The one-line summary and, with -v, per-stage timings, on stderr."""

    def __init__(self, quiet: bool, verbose: bool) -> None:
        self.quiet, self.verbose = quiet, verbose
        self.timings: dict[str, float] = {}
        self.start = time.perf_counter()

    def stage(self, name: str, seconds: float) -> None:
        self.timings[name] = self.timings.get(name, 0.0) + seconds

    def notice(self, text: str) -> None:
        if not self.quiet:
            typer.echo(f"note: {text}", err=True)

    def done(self, line: str) -> None:
        total = time.perf_counter() - self.start
        if self.quiet:
            return
        typer.echo(f"{line} in {total:.2f} s", err=True)
        if self.verbose:
            stages = ", ".join(f"{k} {v:.3f} s" for k, v in self.timings.items())
            typer.echo(f"  stages: {stages}", err=True)


def _timed(report: _Report, name: str, fn, *args, **kwargs):
    start = time.perf_counter()
    try:
        return fn(*args, **kwargs)
    finally:
        report.stage(name, time.perf_counter() - start)


def _load(image: Path, max_pixels: int, report: _Report):
    from eraser.io import load_image

    return _timed(report, "decode", load_image, image, max_pixels=max_pixels)


def _output_path(image: Path, output: Optional[Path], force: bool, suffix: str = "erased") -> Path:
    from eraser.io import check_output, default_output_path

    out = output if output is not None else default_output_path(image, suffix)
    check_output(out, source=image, overwrite=force)
    return out


@app.command()
def remove(
    image: Path = typer.Argument(..., metavar="IMAGE", help="The photo to clean."),
    point: List[str] = POINT,
    exclude: List[str] = EXCLUDE,
    box: List[str] = BOX,
    mask: Optional[Path] = typer.Option(None, "--mask", "-m", metavar="MASK", help="A mask image of what to remove (white or opaque = remove)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", metavar="OUT", help="Where to write the result [default: IMAGE.erased.EXT beside the input]."),
    segmenter: str = typer.Option("auto", "--segmenter", "-s", metavar="NAME", help="Segmenter backend (see `eraser plugins`)."),
    inpainter: str = typer.Option("auto", "--inpainter", "-i", metavar="NAME", help="Inpainter backend (see `eraser plugins`)."),
    dilate: int = typer.Option(10, "--dilate", metavar="PX", min=0, help="Widen the selection by this many pixels."),
    feather: float = typer.Option(5.0, "--feather", metavar="SIGMA", min=0.0, help="Gaussian sigma of the mask's soft edge."),
    save_mask: Optional[Path] = typer.Option(None, "--save-mask", metavar="PATH", help="Also write the refined mask (PNG)."),
    compare: Optional[Path] = COMPARE,
    force: bool = FORCE,
    max_pixels: int = MAX_PIXELS,
    quiet: bool = QUIET,
    verbose: bool = VERBOSE,
) -> None:
    """Remove the objects under the points, boxes or mask from IMAGE."""
    report = _Report(quiet, verbose)
    loaded, out_path, extras = _start(image, output, force, max_pixels, report, save_mask, compare)

    from eraser import pipeline
    from eraser.api import make_prompts
    from eraser.io import save_image

    prompts = make_prompts(loaded, point, box, exclude, mask)
    result = pipeline.run(loaded.rgb, prompts, segmenter=segmenter, inpainter=inpainter, dilate=dilate, feather=feather)
    for stage, seconds in result.timings.items():
        report.stage(stage, seconds)
    for note in result.notices:
        report.notice(note)
    _timed(report, "encode", save_image, loaded, result.image, out_path, overwrite=force)
    _write_extras(loaded, result.image, result.removal_mask(), extras)
    objects = len(prompts)
    report.done(
        f"erased {objects} object{'s' if objects != 1 else ''} with {'+'.join(result.segmenters)} and "
        f"{result.inpainter}: {100 * result.share:.1f}% of the photo changed -> {out_path}"
    )


def _start(image: Path, output: Optional[Path], force: bool, max_pixels: int, report: _Report,
           save_mask: Optional[Path], compare: Optional[Path]):
    """Load the input, then check every output path before any slow work."""
    loaded = _load(image, max_pixels, report)
    return loaded, _output_path(image, output, force), _check_extras(image, force, save_mask, compare)


def _check_extras(image: Path, force: bool, save_mask: Optional[Path], compare: Optional[Path]) -> dict[str, Path]:
    from eraser.io import check_output

    extras = {k: v for k, v in (("mask", save_mask), ("compare", compare)) if v is not None}
    for path in extras.values():
        check_output(path, source=image, overwrite=force)
    return extras


def _write_extras(loaded, result_rgb, removal_mask, extras: dict[str, Path]) -> None:
    from eraser.compare import compare_image
    from eraser.io import save_array

    if "mask" in extras:
        save_array(removal_mask, extras["mask"], overwrite=True)
    if "compare" in extras:
        save_array(compare_image(loaded.rgb, removal_mask, result_rgb), extras["compare"], overwrite=True)


@app.command()
def segment(
    image: Path = typer.Argument(..., metavar="IMAGE", help="The photo."),
    output: Path = typer.Option(..., "--output", "-o", metavar="OUT", help="Where to write the refined mask (PNG)."),
    point: List[str] = POINT,
    exclude: List[str] = EXCLUDE,
    box: List[str] = BOX,
    segmenter: str = typer.Option("auto", "--segmenter", "-s", metavar="NAME", help="Segmenter backend."),
    dilate: int = typer.Option(10, "--dilate", metavar="PX", min=0, help="Widen the selection by this many pixels."),
    feather: float = typer.Option(5.0, "--feather", metavar="SIGMA", min=0.0, help="Gaussian sigma of the mask's soft edge."),
    force: bool = FORCE,
    max_pixels: int = MAX_PIXELS,
    quiet: bool = QUIET,
    verbose: bool = VERBOSE,
) -> None:
    """Write the refined mask (255 = replaced, feathered edge, 0 = kept) without inpainting.

    `eraser inpaint IMAGE --mask MASK` then reproduces `eraser remove`.
    """
    report = _Report(quiet, verbose)
    loaded = _load(image, max_pixels, report)
    _output_path(image, output, force)

    from eraser import masks, pipeline
    from eraser.api import make_prompts
    from eraser.io import save_array

    prompts = make_prompts(loaded, point, box, exclude)
    selection, used, notices = _timed(report, "segment", pipeline.segment, loaded.rgb, prompts, segmenter)
    for note in notices:
        report.notice(note)
    hole, keep = _timed(report, "refine", masks.refine, selection, dilate, feather)
    _timed(report, "encode", save_array, masks.removal(keep), output, overwrite=force)
    report.done(f"segmented with {'+'.join(used)}: {100 * hole.mean():.1f}% of the photo selected -> {output}")


@app.command()
def inpaint(
    image: Path = typer.Argument(..., metavar="IMAGE", help="The photo."),
    mask: Path = typer.Option(..., "--mask", "-m", metavar="MASK", help="What to fill: white (or opaque) = replace; grey blends."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", metavar="OUT", help="Where to write the result [default: IMAGE.erased.EXT]."),
    inpainter: str = typer.Option("auto", "--inpainter", "-i", metavar="NAME", help="Inpainter backend."),
    dilate: int = typer.Option(0, "--dilate", metavar="PX", min=0, help="Widen the mask by this many pixels."),
    feather: float = typer.Option(0.0, "--feather", metavar="SIGMA", min=0.0, help="Gaussian sigma of a soft edge to add."),
    compare: Optional[Path] = COMPARE,
    force: bool = FORCE,
    max_pixels: int = MAX_PIXELS,
    quiet: bool = QUIET,
    verbose: bool = VERBOSE,
) -> None:
    """Fill the masked part of IMAGE. The mask is used as given unless --dilate/--feather ask for more."""
    report = _Report(quiet, verbose)
    loaded, out_path, extras = _start(image, output, force, max_pixels, report, None, compare)

    from eraser import pipeline
    from eraser.io import save_image
    from eraser.io import load_mask

    height, width = loaded.rgb.shape[:2]
    selection = load_mask(mask, width, height)
    timings: dict[str, float] = {}
    out, parts, spec = pipeline.inpaint(loaded.rgb, selection, inpainter, dilate, feather, timings=timings)
    result = pipeline.Result(out, selection, parts, inpainter=spec.name)
    for stage, seconds in timings.items():
        report.stage(stage, seconds)
    _timed(report, "encode", save_image, loaded, out, out_path, overwrite=force)
    _write_extras(loaded, out, result.removal_mask(), extras)
    report.done(f"inpainted with {spec.name}: {100 * result.share:.1f}% of the photo changed -> {out_path}")


@app.command()
def plugins(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List plugins and the backends each registers."""
    from eraser import registry

    rows = registry.report()
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        origin = "built-in" if row["builtin"] else (row["distribution"] or "in-process")
        version = f" {row['version']}" if row["version"] else ""
        typer.echo(f"{row['name']} ({origin}{version})")
        if row["error"]:
            typer.echo(f"  failed to load: {row['error']}")
        if row["skipped"]:
            typer.echo(f"  not loaded: {row['skipped']}")
        for kind in ("segmenters", "inpainters"):
            for entry in row[kind]:
                status = "" if entry["available"] else f"  [unavailable: {entry['unavailable']}]"
                typer.echo(f"  {kind[:-1]:9} {entry['name']:10} {entry['description']}{status}")
        for entry in row["models"]:
            typer.echo(f"  {'model':9} {entry['name']:10} {entry['description']}")
        for message in row["warnings"]:
            typer.echo(f"  warning: {message}")


models_app = typer.Typer(help="Install, check and convert the models eraser runs (MobileSAM, LaMa).", no_args_is_help=True)
app.add_typer(models_app, name="models")
MODELS_DIR_HELP = "The model store [default: $ERASER_MODELS_DIR or the user data folder]."


@models_app.command("list")
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
    for row in rows:
        typer.echo(f"{row['name']:11} {row['state']:14} {row['description']}")


@models_app.command("install")
def models_install(
    name: str = typer.Argument(..., metavar="NAME", help="The model, e.g. mobile-sam or lama."),
    from_file: Optional[Path] = typer.Option(None, "--from", metavar="FILE", help="Install from this checkpoint file instead of downloading."),
    url: Optional[str] = typer.Option(None, "--url", metavar="URL", help="Download from this address instead of the manifest's."),
    md5: Optional[str] = typer.Option(None, "--md5", metavar="HEX", help="Expect this md5 instead of the official checkpoint's."),
    force: bool = typer.Option(False, "--force", "-f", help="Reinstall over an installed model."),
    models_dir: Optional[Path] = typer.Option(None, "--models-dir", metavar="DIR", help=MODELS_DIR_HELP),
    quiet: bool = QUIET,
) -> None:
    """Download (or take --from) a checkpoint, check it, convert it, store it."""
    from eraser import modelstore

    report = _Report(quiet, False)
    model = modelstore.install(name, models_dir, from_file=from_file, url=url, md5=md5, force=force)
    report.done(f"installed {name} ({len(model.files)} files) -> {model.folder}")


@models_app.command("convert")
def models_convert(
    name: str = typer.Argument(..., metavar="NAME", help="The model architecture, e.g. mobile-sam or lama."),
    checkpoint: Path = typer.Option(..., "--checkpoint", "-c", metavar="FILE", help="The PyTorch checkpoint to convert."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", metavar="OUT", help="Folder to write [default: NAME-converted]."),
    force: bool = typer.Option(False, "--force", "-f", help="Replace a non-empty output folder."),
    quiet: bool = QUIET,
) -> None:
    """Convert a checkpoint to CoreML packages and ONNX graphs, with a manifest."""
    from eraser import modelstore

    report = _Report(quiet, False)
    out = output or Path(f"{name}-converted")
    model = modelstore.convert_into(name, checkpoint, out, force=force)
    report.done(f"converted {checkpoint} ({len(model.files)} files) -> {out}")


@models_app.command("verify")
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


@models_app.command("path")
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


def main() -> None:
    """Entry point: user errors become one line on stderr and exit status 2."""
    try:
        from click import exceptions as click_errors
    except ImportError:  # typer 0.2x vendors click under a private name
        from typer._click import exceptions as click_errors  # type: ignore[no-redef]

    command = typer.main.get_command(app)
    try:
        command.main(prog_name="eraser", standalone_mode=False)
    except EraserError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except click_errors.UsageError as exc:
        typer.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(2)
    except click_errors.Abort:
        typer.echo("error: aborted", err=True)
        sys.exit(130)
    except click_errors.Exit as exc:
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(1)

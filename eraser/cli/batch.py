"""``eraser batch``: many photos (see :mod:`eraser.batching`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from eraser.cli.options import (
    BOX, DILATE, EXCLUDE, FEATHER, INPAINTER, MAX_PIXELS, POINT, QUIET, SEGMENTER,
)


def batch(
    input: str = typer.Argument(..., metavar="INPUT", help="A folder of photos and clips (or an fsspec URL: s3://, memory://...)."),
    output: str = typer.Option(..., "--output", "-o", metavar="OUTPUT_DIR", help="Where the outputs go, with each photo's relative path, name and format."),
    recursive: bool = typer.Option(False, "--recursive", "-r", help="Also the photos in sub-folders."),
    masks: Optional[str] = typer.Option(None, "--masks", metavar="DIR", help="A mask per photo, named by its stem (sub/a.jpg -> DIR/sub/a.png)."),
    prompts: Optional[str] = typer.Option(None, "--prompts", metavar="FILE", help="Per-photo prompts: JSON Lines or CSV (see docs/batch.md)."),
    point: List[str] = POINT,
    exclude: List[str] = EXCLUDE,
    box: List[str] = BOX,
    mask: Optional[str] = typer.Option(None, "--mask", "-m", metavar="MASK", help="One mask for every photo (all the same size)."),
    segmenter: str = SEGMENTER,
    inpainter: str = INPAINTER,
    dilate: int = DILATE,
    feather: float = FEATHER,
    save_mask: Optional[str] = typer.Option(None, "--save-mask", metavar="DIR", help="Also write each refined mask here (PNG; a clip's masks as a clip)."),
    force: bool = typer.Option(False, "--force", "-f", help="Redo photos whose output exists [default: skip them]."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", metavar="N", min=1, max=1024, help="Worker processes [default: the CPU count]."),
    ray: bool = typer.Option(False, "--ray", help="Run on Ray (a local one, or --ray-address); needs eraser[ray]."),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", metavar="ADDRESS", help="The Ray cluster to join (implies --ray)."),
    report_file: Optional[Path] = typer.Option(None, "--report", metavar="FILE", help="Write a JSON record per photo."),
    max_pixels: int = MAX_PIXELS,
    quiet: bool = QUIET,
) -> None:
    """Erase the same kind of thing from many photos, with progress and resume (clips too)."""
    from eraser.batching.run import batch as run_batch

    if report_file is not None:
        from eraser.batching.inputs import is_image_header
        from eraser.errors import EraserError
        from eraser.io.files import check_destination

        check_destination(report_file, [prompts], overwrite=True)
        if report_file.is_file():
            with open(report_file, "rb") as f:
                if is_image_header(f.read(16)):
                    raise EraserError(f"{report_file} is a photo; the report would replace it")
    with _progress(quiet) as progress:
        report = run_batch(input, output, recursive=recursive, masks=masks, prompts=prompts, points=point,
                           exclude=exclude, boxes=box, mask=mask, segmenter=segmenter, inpainter=inpainter,
                           dilate=dilate, feather=feather, max_pixels=max_pixels, save_mask=save_mask, force=force,
                           jobs=jobs, ray=ray or bool(ray_address), ray_address=ray_address, progress=progress)
    if report_file is not None:
        from eraser.io.files import atomic_write

        atomic_write(report_file, lambda f: f.write(report.to_json().encode()), overwrite=True)
    if not quiet:
        for note, photos in report.notes():
            typer.echo(_note_line(note, photos), err=True)
        for record in report.failed:
            typer.echo(f"failed: {record.photo}: {record.error}", err=True)
        typer.echo(report.summary(), err=True)
    if report.stopped_by is not None:
        raise report.stopped_by  # the signal's one line and exit status (130 for Ctrl-C)
    if report.failed:
        raise typer.Exit(1)


def _note_line(note: str, photos: list[str], named: int = 3) -> str:
    """One line per distinct note: the photo's name when one photo met it,
    else how many did (and the first few)."""
    if len(photos) == 1:
        return f"note: {photos[0]}: {note}"
    more = f" and {len(photos) - named} more" if len(photos) > named else ""
    return f"note: {note} ({len(photos)} photos: {', '.join(photos[:named])}{more})"


class _Progress:
    """A rich bar on a terminal (done/total, photos/s, time left, the last photo); plain lines otherwise."""

    def __init__(self, quiet: bool) -> None:
        self.quiet, self.bar, self.task = quiet, None, None
        if not quiet and sys.stderr.isatty():
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn)

            self.bar = Progress(TextColumn("erasing"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                                TextColumn("{task.fields[photo]}"), transient=True)

    def __enter__(self) -> "_Progress":
        if self.bar is not None:
            self.bar.__enter__()
            self.task = self.bar.add_task("batch", total=None, rate="", photo="")
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def __call__(self, record, done: int, total: int) -> None:
        if self.quiet:
            return
        if self.bar is not None:
            elapsed = self.bar.tasks[0].elapsed or 0
            rate = f"{done / elapsed:.2f} photos/s" if elapsed else ""
            self.bar.update(self.task, completed=done, total=total, rate=rate, photo=record.photo)
        else:
            extra = f": {record.error}" if record.error else ""
            typer.echo(f"[{done}/{total}] {record.status} {record.photo}{extra}", err=True)


def _progress(quiet: bool) -> _Progress:
    return _Progress(quiet)

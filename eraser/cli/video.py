"""``eraser video``: erase an object from a clip.

A command of its own rather than ``eraser remove CLIP``: a clip takes options
a photo has no use for (the frame the prompts are on, the range, the tracker,
the fill), writes a clip, and shows progress; ``remove`` keeps its photo
options and its help short.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from eraser.cli.options import BOX, DILATE, EXCLUDE, FEATHER, FORCE, INPAINTER, POINT, QUIET, SEGMENTER, VERBOSE, Report


def video(
    clip: Path = typer.Argument(..., metavar="CLIP", help="The video (mp4, mov, mkv, webm, avi)."),
    point: List[str] = POINT,
    exclude: List[str] = EXCLUDE,
    box: List[str] = BOX,
    mask: Optional[Path] = typer.Option(None, "--mask", "-m", metavar="MASK", help="A mask image of what to remove on the key frame."),
    frame: Optional[int] = typer.Option(None, "--frame", "-n", metavar="N", help="The frame the prompts are on (0 = first) [default: the first of the range]."),
    at: Optional[str] = typer.Option(None, "--at", metavar="TIME", help="The prompts are on the frame shown at TIME (seconds, or HH:MM:SS.s)."),
    start: Optional[str] = typer.Option(None, "--start", metavar="TIME", help="Erase from TIME on [default: the start]."),
    end: Optional[str] = typer.Option(None, "--end", metavar="TIME", help="Erase up to TIME [default: the end]."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", metavar="OUT", help="Where to write the clip [default: CLIP.erased.EXT beside the input]."),
    segmenter: str = SEGMENTER,
    tracker: str = typer.Option("auto", "--tracker", "-t", metavar="NAME", help="Tracker backend (see `eraser plugins`)."),
    inpainter: str = INPAINTER,
    fill: str = typer.Option("temporal", "--fill", metavar="HOW", help="temporal: from the frames where the background shows; frames: each frame alone."),
    dilate: int = DILATE,
    feather: float = FEATHER,
    save_mask: Optional[Path] = typer.Option(None, "--save-mask", metavar="PATH", help="Also write the removal masks as a clip."),
    compare: Optional[Path] = typer.Option(None, "--compare", metavar="PATH", help="Also write a before | after clip."),
    force: bool = FORCE,
    quiet: bool = QUIET,
    verbose: bool = VERBOSE,
) -> None:
    """Erase the object under the points, box or mask from every frame of CLIP."""
    report = Report(quiet, verbose)
    from eraser.video.erase import erase_video

    with _progress(quiet) as progress:
        result = erase_video(
            clip, output, points=point or None, box=box or None, mask=mask, exclude=exclude or None,
            frame=frame, at=_seconds("--at", at), start=_seconds("--start", start), end=_seconds("--end", end),
            segmenter=segmenter, tracker=tracker, inpainter=inpainter, fill=fill, dilate=dilate, feather=feather,
            save_mask=save_mask, compare=compare, overwrite=force, progress=progress,
        )
    report.stages(result.timings)
    for note in result.notices:
        report.notice(note)
    report.done(
        f"erased the object from {result.erased} of {result.frames} frames with {'+'.join(result.segmenters)}, "
        f"{result.tracker} and {result.inpainter} ({result.encoder}) -> {result.output}"
    )


def _seconds(option: str, text: Optional[str]) -> Optional[float]:
    """``3.2``, ``1:02.5`` or ``00:01:02.5`` as seconds."""
    if text is None:
        return None
    from eraser.errors import EraserError

    try:
        parts = [float(p) for p in text.strip().split(":")]
        if len(parts) > 3 or any(p < 0 or p != p or p == float("inf") for p in parts):
            raise ValueError
    except ValueError:
        raise EraserError(f"{option} {text!r}: give seconds (3.2) or HH:MM:SS.s (00:00:03.2)") from None
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds


class _progress:
    """A rich progress bar on stderr (frames, frames/s, time left), one task per
    stage; nothing when quiet or when stderr is not a terminal."""

    def __init__(self, quiet: bool) -> None:
        import sys

        self.bar = None
        if not quiet and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

            self.bar = Progress(
                TextColumn("{task.description:>6}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                console=Console(stderr=True), transient=True,
            )
        self.tasks: dict[str, int] = {}

    def __enter__(self):
        if self.bar is not None:
            self.bar.start()
        return self.update if self.bar is not None else None

    def update(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(stage, total=total, rate="")
        task = self.tasks[stage]
        self.bar.advance(task, done)
        speed = self.bar.tasks[task].speed
        self.bar.update(task, rate=f"{speed:5.1f} frames/s" if speed else "")

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()

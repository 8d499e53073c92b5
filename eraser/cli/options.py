"""Option declarations several commands share, and the summary line they print."""

from __future__ import annotations

import time

import typer

from eraser import defaults
from eraser.cli import state
from eraser.text import one_line


def _remember_verbose(value: bool) -> bool:
    # An internal error shows its traceback only with -v (see exits).
    if value:
        state.verbose = True
    return value


POINT = typer.Option(
    [], "--point", "-p", metavar="X,Y[+X,Y]",
    help="X,Y on an object (repeat for more objects; X1,Y1+X2,Y2 for several clicks on one object).",
)
EXCLUDE = typer.Option([], "--exclude", "-x", metavar="X,Y", help="X,Y that must stay out of every object (repeatable).")
BOX = typer.Option([], "--box", "-b", metavar="X0,Y0,X1,Y1", help="X0,Y0,X1,Y1 around an object (repeatable).")
FORCE = typer.Option(False, "--force", "-f", help="Overwrite an existing output file.")
QUIET = typer.Option(False, "--quiet", "-q", help="Print nothing on success.")
VERBOSE = typer.Option(
    False, "--verbose", "-v", callback=_remember_verbose, help="Also print per-stage timings (and tracebacks of bugs)."
)
COMPARE = typer.Option(None, "--compare", metavar="PATH", help="Also write a before | mask | after image.")
MAX_PIXELS = typer.Option(
    defaults.DEFAULT_MAX_PIXELS, "--max-pixels", metavar="N", min=1, help="Refuse larger images (decompression-bomb guard)."
)
SEGMENTER = typer.Option("auto", "--segmenter", "-s", metavar="NAME", help="Segmenter backend (see `eraser plugins`).")
INPAINTER = typer.Option("auto", "--inpainter", "-i", metavar="NAME", help="Inpainter backend (see `eraser plugins`).")
# The bounds that depend on the photo's size are checked by the core (eraser.refine);
# here only what a number must be to parse.
DILATE = typer.Option(defaults.DEFAULT_DILATE, "--dilate", metavar="PX", min=0, help="Widen the selection by this many pixels.")
FEATHER = typer.Option(defaults.DEFAULT_FEATHER, "--feather", metavar="SIGMA", min=0.0, help="Gaussian sigma of the mask's soft edge.")


def help_without_command(ctx: typer.Context) -> None:
    """A group run with no command prints its help and exits 0, the same with
    every click release (click 8.2 made that a usage error, 8.1 did not)."""
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit()


class Report:
    """The one-line summary and, with -v, per-stage timings, on stderr."""

    def __init__(self, quiet: bool, verbose: bool) -> None:
        self.quiet, self.verbose = quiet, verbose
        self.timings: dict[str, float] = {}
        self.start = time.perf_counter()

    def stage(self, name: str, seconds: float) -> None:
        self.timings[name] = self.timings.get(name, 0.0) + seconds

    def stages(self, timings: dict[str, float]) -> None:
        for name, seconds in timings.items():
            self.stage(name, seconds)

    def timed(self, name: str, fn, *args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            self.stage(name, time.perf_counter() - start)

    def notice(self, text: str) -> None:
        if not self.quiet:
            typer.echo(f"note: {one_line(text)}", err=True)

    def done(self, line: str) -> None:
        total = time.perf_counter() - self.start
        if self.quiet:
            return
        typer.echo(f"{line} in {total:.2f} s", err=True)
        if self.verbose:
            stages = ", ".join(f"{k} {v:.3f} s" for k, v in self.timings.items())
            typer.echo(f"  stages: {stages}", err=True)

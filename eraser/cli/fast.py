"""``eraser --help`` and ``eraser --version`` without importing typer.

Importing typer alone takes longer than the 0.1 s ``eraser --help`` may take,
so the top-level help is kept here as text: exactly what typer prints at 80
columns or more (tests/test_cli_help.py renders it through typer and compares).
Anything else, or a narrower terminal, goes through typer.
"""

from __future__ import annotations

import os
import sys

HELP = """\
Usage: eraser [OPTIONS] COMMAND [ARGS]...

  Point at an object in a photo and it disappears.

Options:
  --version  Show the version and exit.
  --help     Show this message and exit.

Commands:
  remove   Remove the objects under the points, boxes or mask from IMAGE.
  segment  Write the refined mask (255 = replaced, feathered edge, 0 =...
  inpaint  Fill the masked part of IMAGE.
  video    Erase the object under the points, box or mask from every...
  batch    Erase the same kind of thing from many photos, with progress...
  plugins  List plugins and the backends each registers.
  serve    Erase interactively: a local web page (click to mark, Enter to...
  models   Install, check and convert the models eraser runs (MobileSAM,...
"""


def answer(args: list[str]) -> bool:
    """Print the answer for ``eraser ARGS`` if it needs no typer; True if printed."""
    if list(args) == ["--version"]:
        from eraser import __version__

        return _write(f"eraser {__version__}\n")
    if list(args) in ([], ["--help"]) and _columns() >= 80:
        return _write(HELP)
    return False


def _columns() -> int:
    # What shutil.get_terminal_size (click's choice of width) reports, without importing shutil.
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


def _write(text: str) -> bool:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `eraser --help | head -c1`: quiet, as everywhere else
        from eraser.cli.exits import _silence_stdout

        _silence_stdout()
        raise SystemExit(1)
    return True

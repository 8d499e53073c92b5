"""The ``eraser`` command line: one small module per command group.

- ``app``: the typer application and the top-level options;
- ``edit``: ``remove``, ``segment``, ``inpaint``;
- ``plugins``: ``eraser plugins``; ``models``: ``eraser models ...``;
- ``exits``: how a run ends (exit status, signals, broken pipes, internal errors);
- ``fast``: ``eraser --help`` and ``--version`` without importing typer.

This package imports nothing at start-up: typer alone costs more than the
0.1 s that ``eraser --help`` may take, so the top-level help is answered by
``fast`` and typer loads for everything else.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point. Exits 0 on success, 2 for a user error,
    128+N after signal N, 1 for an internal error (see ``exits``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        from eraser.cli import fast

        if fast.answer(args):
            return
        from eraser.cli.exits import run

        code = run(args)
    except KeyboardInterrupt:
        # A Ctrl-C before run() holds the signals (while Python imports the
        # CLI on a busy machine) or after: the same line as during the run.
        sys.stderr.write("error: interrupted (SIGINT)\n")
        code = 130
    if code:
        raise SystemExit(code)

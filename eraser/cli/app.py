"""The typer application: top-level options, and the command groups it gathers.

Only typer is imported at start-up; numpy, OpenCV and the pipeline load
inside the commands.
"""

from __future__ import annotations

import typer

from eraser import __version__
from eraser.cli.options import help_without_command

HELP = "Point at an object in a photo and it disappears."

app = typer.Typer(
    name="eraser",
    help=HELP,
    add_completion=False,
    invoke_without_command=True,
    subcommand_metavar="COMMAND [ARGS]...",  # not '[COMMAND]' (some typer releases): one text for fast.HELP
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"eraser {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """Point at an object in a photo and it disappears."""
    help_without_command(ctx)


from eraser.cli import batch, edit, models, plugins, serve, video  # noqa: E402

app.command()(edit.remove)
app.command()(edit.segment)
app.command()(edit.inpaint)
app.command()(video.video)
app.command()(batch.batch)
app.command()(plugins.plugins)
app.command()(serve.serve)
app.add_typer(models.app, name="models")

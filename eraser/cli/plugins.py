"""``eraser plugins``: the registry's report, as text or JSON."""

from __future__ import annotations

import json

import typer


def plugins(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List plugins and the backends each registers."""
    from eraser import registry

    rows = registry.report()
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    # One column for every backend and model name, however long (sam2.1-base-plus).
    width = max((len(e["name"]) for row in rows for kind in ("segmenters", "inpainters", "trackers", "models")
                 for e in row.get(kind, [])), default=0)
    for row in rows:
        origin = "built-in" if row["builtin"] else (row["distribution"] or "in-process")
        version = f" {row['version']}" if row["version"] else ""
        typer.echo(f"{row['name']} ({origin}{version})")
        if row["error"]:
            typer.echo(f"  failed to load: {row['error']}")
        if row["skipped"]:
            typer.echo(f"  not loaded: {row['skipped']}")
        for kind in ("segmenters", "inpainters", "trackers"):
            for entry in row.get(kind, []):
                status = "" if entry["available"] else f"  [unavailable: {entry['unavailable']}]"
                typer.echo(f"  {kind[:-1]:9} {entry['name']:{width}}  {entry['description']}{status}")
        for entry in row["models"]:
            typer.echo(f"  {'model':9} {entry['name']:{width}}  {entry['description']}")
        for message in row["warnings"]:
            typer.echo(f"  warning: {message}")

"""`hexad import PATH...`: load MSP data files into the domain database and the lake's raw zone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hexad.config import get_settings
from hexad.errors import ImportValidationError

if TYPE_CHECKING:
    from hexad.ingest import ImportReport

_MAX_SHOWN = 50

__all__ = ["import_command", "render_report"]


def import_command(
    paths: Annotated[
        list[Path], typer.Argument(metavar="PATH", help="files, or folders of files named after their entity")
    ],
    entity: Annotated[
        str | None, typer.Option("--entity", help="the entity of every file (default: each file's name)")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="print the result (or the problems) as JSON")
    ] = False,
) -> None:
    """Import MSP data files (CSV, JSON lines, Parquet, xlsx) into the database and the lake's raw zone.

    Every row is validated first; all files are upserted in one transaction, so nothing is imported if
    any row is bad (exit code 1, with file, row, column, value and what was expected).
    """
    from hexad.ingest import import_paths  # late: keeps every other `hexad` command quick to start

    try:
        report = import_paths(paths, entity=entity, settings=get_settings(), show_progress=not as_json)
    except ImportValidationError as exc:
        if as_json:
            typer.echo(json.dumps(_problems(exc), indent=2))
        raise
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        render_report(Console(), report)


def _problems(exc: ImportValidationError) -> dict[str, Any]:
    issues = [i.as_dict() for i in exc.issues[:_MAX_SHOWN] if hasattr(i, "as_dict")]
    return {"imported": False, "issue_count": len(exc.issues), "issues": issues, "message": str(exc)}


def render_report(console: Console, report: ImportReport) -> None:
    """The inserted / updated / unchanged rows per entity, in the order they were written."""
    table = Table("entity", "inserted", "updated", "unchanged", "files", title="Import")
    for name, counts in report.counts.items():
        files = ", ".join(Path(f).name for f in counts.files)
        table.add_row(name, f"{counts.inserted:,}", f"{counts.updated:,}", f"{counts.unchanged:,}", files)
    console.print(table)
    if report.event_error:
        console.print(f"[yellow]warning:[/] {report.event_error}", highlight=False)
    kept = len(report.raw_objects)
    console.print(f"{report.total_rows:,} rows; {kept} raw file(s) kept in the lake's raw zone.")

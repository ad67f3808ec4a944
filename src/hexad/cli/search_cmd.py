"""`hexad search QUERY`: findings and contract documents closest in meaning to the query."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from hexad.intelligence.ask import open_context
from hexad.intelligence.search import search_index

__all__ = ["search"]


def search(
    query: str = typer.Argument(..., help="words to look for, e.g. 'idle licences' or 'data protection'"),
    kind: str | None = typer.Option(None, "--kind", help="finding | contract"),
    limit: int = typer.Option(10, "--limit", min=1, max=50),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Semantic search (TF-IDF cosine) over every finding and vendor contract."""
    if kind not in (None, "finding", "contract"):
        raise typer.BadParameter(f"expected finding or contract, got {kind!r}", param_hint="--kind")
    hits = search_index(open_context()).query(query, limit=limit, kinds=(kind,) if kind else None)
    if as_json:
        typer.echo(json.dumps([hit.__dict__ for hit in hits], indent=2))
        return
    table = Table("kind", "ref", "title", "score", "snippet", title=f"search: {query}")
    for hit in hits:
        table.add_row(hit.kind, hit.ref, hit.title, f"{hit.score:.3f}", hit.snippet)
    Console().print(table)

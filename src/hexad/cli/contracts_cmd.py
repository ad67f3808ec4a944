"""`hexad contracts ...`: extract terms from a document, add documents to the store, search them (VCM)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hexad.agents.frames import frames_from_database, frames_from_folder
from hexad.agents.service import lake_path
from hexad.agents.vcm import VcmAgent, extract_contract, schedule_reminders, start_contract_approval
from hexad.agents.vcm_store import AddResult, ContractStore
from hexad.cli.plans_cmd import data_context, parse_day
from hexad.config import get_settings
from hexad.errors import HexadError

__all__ = ["app"]

app = typer.Typer(help="Contract documents: extraction, storage and search (VCM).", no_args_is_help=True)
_console = Console()
_MSP_PARTY_HELP = "your own company's name, so the other party is matched to a vendor"


def _store() -> ContractStore:
    from hexad.wiring import domain_engine

    settings = get_settings()
    return ContractStore(domain_engine(settings), lake_path(settings))


@app.command("extract")
def extract(
    file: Annotated[Path, typer.Argument(help="a PDF (text or scanned), DOCX or text file")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="date the current term is judged on")] = None,
    data: Annotated[
        Path | None, typer.Option("--data", help="demo folder whose vendor list to match")
    ] = None,
    own_party: Annotated[str | None, typer.Option("--own-party", help=_MSP_PARTY_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Extract parties, dates, renewal, notice, value and law, each with a confidence and its text span.

    Party names OCR misread are corrected against the vendor list (the database's, or `--data`'s).
    """
    known = [*([own_party] if own_party else []), *_vendors(data).values()]
    extraction = extract_contract(file, as_of=parse_day(as_of, "--as-of"), known_parties=known)
    payload = extraction.terms.to_json()
    if as_json:
        typer.echo(json.dumps(payload, indent=2))
        return
    table = Table("field", "value", "confidence", "span", title=f"{file.name} ({extraction.document.method})")
    for name, field in payload["fields"].items():
        value = field["value"]
        shown = "-" if value is None else ", ".join(value) if isinstance(value, list) else str(value)
        span = "-" if field["span"] is None else f"{field['span'][0]}-{field['span'][1]}"
        table.add_row(name, shown, f"{field['confidence']:.2f}", span)
    _console.print(table)


@app.command("add")
def add(
    files: Annotated[list[Path], typer.Argument(help="contract documents to add")],
    data: Annotated[
        Path | None, typer.Option("--data", help="demo folder whose vendor list to match")
    ] = None,
    own_party: Annotated[str | None, typer.Option("--own-party", help=_MSP_PARTY_HELP)] = None,
    approval: Annotated[
        bool, typer.Option("--approval/--no-approval", help="start each document's approval workflow")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Add documents (duplicates by content are recognised), extract their terms and index their text;
    each document's contract approval workflow starts (a worker drives it)."""
    store = _store()
    vendors = _vendors(data)
    results: list[AddResult] = []
    errors: list[str] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), disable=as_json) as progress:
        task = progress.add_task("adding contracts", total=len(files))
        for file in files:
            try:
                results.append(store.add(file, vendors=vendors, own_party=own_party))
            except HexadError as exc:
                errors.append(str(exc))
            progress.advance(task)
    approvals = asyncio.run(_start_approvals(results)) if approval else {}
    if as_json:
        added = [asdict(r) | {"approval_execution": approvals.get(r.document_id)} for r in results]
        typer.echo(json.dumps({"added": added, "errors": errors}, indent=2))
    else:
        _render_added(results, errors)
        if approvals:
            _console.print(f"approval workflow: {len(approvals)} executions (hexad workflows tasks)")
    if errors:
        raise typer.Exit(1)


async def _start_approvals(results: list[AddResult]) -> dict[str, str]:
    """Each document's contract approval execution (started now, or the one that exists)."""
    from hexad.wiring import workflow_service

    service = workflow_service()
    return {r.document_id: await start_contract_approval(service, r.document_id) for r in results}


def _vendors(data: Path | None) -> dict[str, str]:
    """The vendor list of `--data` (its errors name the file and column) or of the database."""
    if data is not None:
        vendors = frames_from_folder(data)("vendors")
    else:
        try:
            vendors = frames_from_database(get_settings())("vendors")
        except Exception:  # no vendor list yet (empty database): documents are stored unmatched
            return {}
    return dict(zip(vendors["vendor_id"].astype(str), vendors["name"].astype(str), strict=True))


def _render_added(results: list[AddResult], errors: list[str]) -> None:
    new = sum(not r.duplicate for r in results)
    _console.print(f"{new} added, {len(results) - new} duplicates, {len(errors)} failed")
    for message in errors:
        _console.print(f"[red]error:[/] {message}", highlight=False)


@app.command("search")
def search(
    query: Annotated[str, typer.Argument(help='words, "a phrase", OR, prefix*')],
    limit: Annotated[int, typer.Option("--limit", min=1, help="how many hits")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Full-text search over the stored contract documents, best match first."""
    hits = _store().search(query, limit=limit)
    if as_json:
        typer.echo(json.dumps([asdict(h) for h in hits], indent=2))
        return
    table = Table(
        "document", "contract", "vendor", "file", "snippet", title=f"{len(hits)} hits for {query!r}"
    )
    for hit in hits:
        table.add_row(
            hit.document_id, hit.contract_id or "-", hit.vendor_id or "-", hit.file_name, escape(hit.snippet)
        )
    _console.print(table)


@app.command("show")
def show(
    document: Annotated[str, typer.Argument(help="a document id or contract id")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """A stored document's metadata and extracted terms."""
    found = _store().get(document)
    if as_json:
        typer.echo(json.dumps(found, indent=2))
        return
    for key, value in found.items():
        if key != "terms":
            _console.print(f"{key}: {value}")
    for name, field in found["terms"].items():
        _console.print(f"  {name}: {field['value']} ({field['confidence']:.2f})")


@app.command("reminders")
def reminders(
    data: Annotated[
        Path | None, typer.Option("--data", help="demo folder (its documents fill register gaps)")
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="analysis date YYYY-MM-DD")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Schedule reminders 90, 60 and 30 days before every active contract's notice deadline."""
    from hexad.wiring import scheduler

    ctx = data_context(data, as_of)
    positions = VcmAgent(documents_root=data).positions(ctx)
    count = asyncio.run(schedule_reminders(scheduler(ctx.settings), positions, today=ctx.reference_date))
    unknown = [p.contract_id for p in positions if p.status == "active" and p.notice_deadline is None]
    if as_json:
        typer.echo(json.dumps({"schedules": count, "notice_period_unknown": unknown}, indent=2))
        return
    _console.print(
        f"{count} reminder schedules set; notice period unknown for {len(unknown)} active contracts"
    )

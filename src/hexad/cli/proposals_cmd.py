"""`hexad proposals generate OPPORTUNITY`: a PDF and a DOCX proposal stored in the lake (SPO)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from hexad.agents.proposals import build_proposal, write_proposal
from hexad.cli.plans_cmd import AsOfOption, DataOption, data_context

__all__ = ["app"]

app = typer.Typer(help="Sales proposals (SPO).", no_args_is_help=True)
_console = Console()


@app.command("generate")
def generate(
    opportunity: Annotated[str, typer.Argument(help="opportunity id, e.g. OP-0012")],
    template: Annotated[Path | None, typer.Option("--template", help="a Jinja2 text template")] = None,
    provider: Annotated[
        str, typer.Option("--provider", help="your company name on the proposal")
    ] = "Hexad MSP",
    publish: Annotated[
        bool, typer.Option("--publish/--no-publish", help="publish sales.proposal.generated")
    ] = True,
    data: DataOption = None,
    as_of: AsOfOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Write the proposal (PDF and DOCX) under the lake's artifacts/proposals/ and announce it."""
    ctx = data_context(data, as_of)
    proposal = build_proposal(ctx.frames, opportunity)
    text = template.read_text(encoding="utf-8") if template is not None else None
    pdf, docx, event = write_proposal(
        proposal, ctx.lake, today=ctx.reference_date, provider=provider, template=text
    )
    if publish:
        _publish(
            ctx.settings, [{"Source": "hexad.spo", "DetailType": event.detail_type, "Detail": event.detail}]
        )
    if as_json:
        typer.echo(json.dumps({**event.detail, "published": publish}, indent=2))
        return
    _console.print(
        f"proposal for {proposal.company}: {proposal.monthly_total:,.2f} {proposal.currency} a month"
    )
    _console.print(f"pdf:  {pdf}\ndocx: {docx}")


def _publish(settings: object, entries: list[dict[str, object]]) -> None:
    from hexad.wiring import event_bus

    async def put() -> None:
        await event_bus(settings).put_events(entries)  # type: ignore[arg-type]

    asyncio.run(put())

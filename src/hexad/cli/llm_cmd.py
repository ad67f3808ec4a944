"""`hexad llm usage|ping`: language-model calls, tokens and cost; check the configured provider."""

from __future__ import annotations

import asyncio
import json

import typer
from rich.console import Console
from rich.table import Table

from hexad.config import get_settings
from hexad.domain.database import engine_for, upgrade
from hexad.intelligence.llm import LlmRequest, Message, UsageStore, open_llm

__all__ = ["app"]

app = typer.Typer(help="Language models: usage and cost, provider check.", no_args_is_help=True)


@app.command("usage")
def usage(
    recent: int = typer.Option(0, "--recent", min=0, help="also list this many latest calls"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Calls, tokens and cost per provider, model and purpose (never prompts or answers)."""
    engine = engine_for(get_settings())
    upgrade(engine=engine)
    store = UsageStore(engine)
    totals, calls = store.totals(), store.recent(recent) if recent else []
    if as_json:
        data = {"totals": [t.as_dict() for t in totals], "recent": [c.__dict__ for c in calls]}
        typer.echo(json.dumps(data, indent=2, default=str))
        return
    table = Table(
        "provider", "model", "purpose", "calls", "errors", "input", "output", "cache read", "cost USD"
    )
    for t in totals:
        table.add_row(
            t.provider,
            t.model,
            t.purpose,
            str(t.calls),
            str(t.errors),
            f"{t.input_tokens:,}",
            f"{t.output_tokens:,}",
            f"{t.cache_read_tokens:,}",
            f"{t.cost_usd:.4f}",
        )
    Console().print(table)
    for call in calls:
        Console().print(
            f"{call.at:%Y-%m-%d %H:%M:%S} {call.provider} {call.model} {call.purpose} {call.status} "
            f"{call.input_tokens}+{call.output_tokens} tokens {call.latency_ms:.0f} ms"
        )


@app.command("ping")
def ping() -> None:
    """Send one short request to the configured provider and show the answer and its cost."""
    settings = get_settings()
    client = open_llm(settings, engine=engine_for(settings))
    request = LlmRequest(
        (Message("user", "Reply with the single word: ready"),), max_tokens=10, purpose="ping"
    )
    answer = asyncio.run(client.complete(request))
    typer.echo(
        f"{client.provider.name} {answer.model or client.provider.model}: {answer.text.strip()!r} "
        f"({answer.usage.input_tokens}+{answer.usage.output_tokens} tokens)"
    )

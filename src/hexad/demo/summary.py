"""What `hexad demo` prints: rows per entity, the planted signals per kind, where the data lives, next steps.

Kept apart from the commands so later steps of the demo (agents, API, dashboard) can add sections
without touching generation or import. `summary_data` is the `--json` form of the same content.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from hexad.demo.generator import GenerationResult

if TYPE_CHECKING:
    from hexad.demo.run import DemoOutcome

__all__ = ["NEXT_STEPS", "outcome_data", "render_outcome", "render_summary", "summary_data"]

NEXT_STEPS = [
    "Read the planted findings the agents must recover: {out}/ground_truth.json",
    "Open a contract document: {out}/contracts/",
    "Try another company: hexad demo run --seed 8 --fresh",
    "Write a data set anywhere: hexad demo generate --seed 7 --out ./demo-data --clients 50",
]


def _import_counts(report: Any | None) -> dict[str, dict[str, int]]:
    """`ImportReport.counts` as plain numbers (empty when nothing was imported)."""
    if report is None:
        return {}
    return {
        entity: {"inserted": c.inserted, "updated": c.updated, "unchanged": c.unchanged}
        for entity, c in report.counts.items()
    }


def _imported_rows(report: Any | None) -> int:
    """`ImportReport.total_rows`: every row the import read (inserted, updated or unchanged)."""
    return sum(sum(c.values()) for c in _import_counts(report).values())


def summary_data(result: GenerationResult, report: Any | None = None) -> dict[str, Any]:
    """Everything the summary shows, as JSON-ready data."""
    return {
        "data_dir": str(result.out),
        "seed": result.seed,
        "reference_date": result.reference_date,
        "rows": result.counts,
        "documents": result.documents,
        "signals": result.signals,
        "imported": _import_counts(report),
        "imported_rows": _imported_rows(report),
        "next_steps": [step.format(out=result.out) for step in NEXT_STEPS],
    }


def render_summary(console: Console, result: GenerationResult, report: Any | None = None) -> None:
    """Print the rows, signals, location and next steps as Rich tables."""
    data = summary_data(result, report)
    imported = data["imported"]
    rows = Table(
        "entity", "rows", *(["inserted", "updated", "unchanged"] if imported else []), title="Demo data"
    )
    for entity, count in data["rows"].items():
        extra = imported.get(entity, {})
        cells = [_number(extra.get(k)) for k in ("inserted", "updated", "unchanged")] if imported else []
        rows.add_row(entity, f"{count:,}", *cells)
    console.print(rows)
    if imported:
        console.print(f"Imported {data['imported_rows']:,} rows into the domain database.")
    signals = Table("signal kind", "planted", title="Planted signals (ground truth)")
    for kind, count in data["signals"].items():
        signals.add_row(kind, str(count))
    console.print(signals)
    console.print(
        f"Data: [bold]{data['data_dir']}[/] (seed {data['seed']}, reference date {data['reference_date']}, "
        f"{data['documents']} contract documents)"
    )
    console.print("Next:")
    for step in data["next_steps"]:
        console.print(f"  - {step}", highlight=False)


def _number(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def outcome_data(outcome: DemoOutcome) -> dict[str, Any]:
    """The whole demo run as JSON-ready data: the data set, the runtime, the findings and their scores."""
    runtime = outcome.runtime
    return {
        **summary_data(outcome.generation, outcome.imported),
        "runtime": {
            "handled": runtime.handled,
            "dead_letters": runtime.dead_letters,
            "events": runtime.events,
            "restarts": runtime.restarts,
            "seconds": runtime.seconds,
            "timed_out": runtime.timed_out,
        },
        "findings_by_agent": outcome.findings_by_agent,
        "quality": {
            s.kind: {
                "planted": s.planted,
                "found": s.found,
                "correct": s.correct,
                "precision": round(s.precision, 3),
                "recall": round(s.recall, 3),
            }
            for s in outcome.scores
        },
        "admin_password_created": outcome.admin_password is not None,
        "seconds": outcome.seconds,
    }


def render_outcome(console: Console, outcome: DemoOutcome) -> None:
    """The data summary, then what the agents did on the runtime and how well they did."""
    render_summary(console, outcome.generation, outcome.imported)
    runtime = outcome.runtime
    agents = Table("agent", "messages handled", "findings open", "dead letters", title="Agents (actors)")
    for name in sorted(set(runtime.handled) | set(outcome.findings_by_agent)):
        agents.add_row(
            name,
            str(runtime.handled.get(name, 0)),
            str(outcome.findings_by_agent.get(name, 0)),
            str(runtime.dead_letters.get(name, 0)),
        )
    console.print(agents)
    state = "stopped at its time limit" if runtime.timed_out else "ran until the bus was quiet"
    console.print(
        f"The worker {state} after {runtime.seconds:.0f} s: {runtime.events:,} events on the bus, "
        f"{runtime.restarts} actor restarts."
    )
    quality = Table(
        "finding kind", "planted", "found", "correct", "precision", "recall", title="Findings vs truth"
    )
    for score in outcome.scores:
        quality.add_row(
            score.kind,
            str(score.planted),
            str(score.found),
            str(score.correct),
            f"{score.precision:.2f}",
            f"{score.recall:.2f}",
        )
    console.print(quality)
    if outcome.admin_password:
        console.print(
            f"API user [bold]admin@hexad.local[/], one-time password [bold]{outcome.admin_password}[/] "
            "(shown once; change it at first sign-in)."
        )
    console.print("Serve the API: [bold]uv run hexad serve[/] -> http://127.0.0.1:8000/api/docs")
    console.print("Look around: uv run hexad findings list | hexad clients show CL-0001 | hexad actors tree")
    console.print(f"Demo finished in {outcome.seconds:.0f} s.")

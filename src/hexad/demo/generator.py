"""`generate(seed, out)`: builds the whole demo MSP, area by area, and writes it in the import format.

Areas run in dependency order on one `DemoContext`; each draws from its own RNG stream, so the same
seed gives byte-identical files. Each area is one step of a Rich progress display when asked.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from hexad.demo import (
    clients,
    contracts,
    documents,
    finance,
    ground_truth,
    health,
    invoicing,
    licences,
    profitability,
    sales,
    service,
    spend,
    staff,
    vendors,
)
from hexad.demo.context import REFERENCE_DATE, DemoContext
from hexad.demo.files import COLUMNS, PARQUET_ENTITIES, write_tables
from hexad.errors import DemoError, ValidationError

__all__ = ["GenerationResult", "describe", "generate", "is_generated"]

Step = Callable[[DemoContext], None]


@dataclass(frozen=True)
class GenerationResult:
    """What `generate` wrote: the folder, the entity files, row counts and signals per kind."""

    out: Path
    seed: int
    reference_date: str
    paths: dict[str, Path]
    counts: dict[str, int]
    signals: dict[str, int]
    documents: int
    seconds: float = field(compare=False)


def _areas() -> list[tuple[str, list[Step]]]:
    return [
        ("clients and sites", [clients.build_clients, health.plan_client_health]),
        ("technicians", [staff.build_technicians]),
        ("agreements and projects", [finance.build_agreements]),
        ("licences", [licences.build_licences]),
        ("tickets", [service.build_tickets]),
        ("time entries", [service.build_time_entries, finance.price_agreements]),
        ("invoices", [invoicing.build_invoices]),
        ("vendors, budgets and expenses", [vendors.build_vendors, spend.build_spend]),
        ("vendor contracts", [contracts.build_contracts]),
        ("leads and opportunities", [sales.build_sales]),
        (
            "signals",
            [
                staff.utilization_signals,
                licences.licence_signals,
                profitability.margin_signals,
                profitability.churn_signals,
                spend.budget_signals,
                contracts.renewal_signals,
                sales.lead_signals,
            ],
        ),
    ]


def generate(seed: int, out: Path, clients: int = 200, show_progress: bool = False) -> GenerationResult:
    """Generate the data set for `seed` with `clients` clients into `out` (files are overwritten)."""
    if clients < 10:
        raise ValidationError(f"--clients: expected at least 10 clients, got {clients}")
    if seed < 0:
        raise ValidationError(f"--seed: expected a non-negative integer, got {seed}")
    if out.exists() and not out.is_dir():
        raise ValidationError(f"--out: expected a folder, but {out} is a file")
    started = time.perf_counter()
    ctx = DemoContext(seed=seed, clients=clients)
    columns = (TextColumn("{task.description:<32}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, disable=not show_progress) as bar:
        for name, steps in _areas():
            task = bar.add_task(name, total=len(steps))
            for step in steps:
                step(ctx)
                bar.advance(task)
        paths = _write(ctx, out, bar)
    return GenerationResult(
        out=out,
        seed=seed,
        reference_date=REFERENCE_DATE.date().isoformat(),
        paths=paths,
        counts={entity: len(ctx.tables[entity]) for entity in paths},
        signals=dict(sorted(Counter(s.kind for s in ctx.signals).items())),
        documents=len(ctx.contracts),
        seconds=time.perf_counter() - started,
    )


def _write(ctx: DemoContext, out: Path, bar: Progress) -> dict[str, Path]:
    """Entity files, then documents, then the ground truth (written last: it marks a complete set)."""
    task = bar.add_task("writing files and documents", total=3)
    paths = write_tables(ctx.tables, out)
    bar.advance(task)
    documents.write_documents(ctx, out)
    bar.advance(task)
    ground_truth.write_ground_truth(ctx, out)
    bar.advance(task)
    return paths


def describe(out: Path) -> GenerationResult:
    """Describe a data set already on disk (row counts from the files, signals from the ground truth)."""
    truth_path = out / "ground_truth.json"
    if not truth_path.is_file():
        raise DemoError(f"{out}: no demo data set here (expected {truth_path.name})")
    truth = ground_truth.load_ground_truth(out)
    paths = {entity: _entity_path(out, entity) for entity in COLUMNS}
    return GenerationResult(
        out=out, seed=int(truth["seed"]), reference_date=str(truth["reference_date"]), paths=paths,
        counts={entity: _row_count(path) for entity, path in paths.items()},
        signals=dict(sorted(Counter(s["kind"] for s in truth["signals"]).items())),
        documents=len(truth["contracts"]), seconds=0.0,
    )  # fmt: skip


def is_generated(out: Path, seed: int, clients: int) -> bool:
    """Whether `out` already holds the complete data set for this seed and client count."""
    try:
        existing = describe(out)
    except (DemoError, OSError, ValueError):
        return False
    return existing.seed == seed and existing.counts.get("clients") == clients


def _entity_path(out: Path, entity: str) -> Path:
    suffix = "parquet" if entity in PARQUET_ENTITIES else "csv"
    path = out / f"{entity}.{suffix}"
    if not path.is_file():
        raise DemoError(f"{out}: the data set is incomplete, {path.name} is missing")
    return path


def _row_count(path: Path) -> int:
    if path.suffix == ".parquet":
        return int(pq.ParquetFile(path).metadata.num_rows)
    return len(pd.read_csv(path, usecols=[0], dtype=str))

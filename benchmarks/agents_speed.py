"""Agents' speed: CPI, SLI and DSA over the demo data set, and CPI over a ten times larger one.

1. Each of CPI, SLI and DSA over the default demo set (200 clients, ~250k time entries), from the
   files (cold: frames are read and typed inside each run). Median of 3 runs; target: all three
   together under 30 s.
2. CPI over 2,000 clients (~2.5M time entries). Median of 3 runs; target under 60 s.
Side by side, the baseline: the same monthly profitability computed with a pandas groupby pipeline
(what the tests use to check the DuckDB figures), to show what the SQL costs or saves.
The generated data sets are kept in the temp folder (`hexad-bench/`) and reused by later runs.

Run: `uv run python benchmarks/agents_speed.py [--big-clients 2000] [--skip-big]`
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

from hexad.agents.base import AgentContext, FrameSource
from hexad.agents.cpi import monthly_profitability
from hexad.agents.frames import frames_from_folder
from hexad.agents.registry import create_agent
from hexad.config import load_settings
from hexad.demo.generator import generate, is_generated

RUNS = 3
SEED = 42
REFERENCE = date(2026, 9, 30)
_ENTITIES = ("technicians", "time_entries", "invoices", "agreement_additions", "agreements",
             "licence_subscriptions")  # fmt: skip


def data_set(clients: int) -> Path:
    folder = Path(tempfile.gettempdir()) / "hexad-bench" / f"demo-{SEED}-{clients}"
    if not is_generated(folder, SEED, clients):
        generate(SEED, folder, clients=clients)
    return folder


def median_seconds(work: Callable[[], Any], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run_agent_cold(name: str, folder: Path, lake: Path) -> None:
    ctx = AgentContext(frames_from_folder(folder), REFERENCE, lake, load_settings(home=lake))
    create_agent(name).run(ctx)


def pandas_monthly(frames: FrameSource) -> pd.DataFrame:
    """The baseline: revenue and costs per client and month with pandas groupbys."""
    tech = frames("technicians")
    median = tech.groupby("role")["hourly_cost"].transform("median")
    cost = tech["hourly_cost"].fillna(median).set_axis(tech["technician_id"])
    entries = frames("time_entries")
    month = entries["work_date"].dt.strftime("%Y-%m")
    labour = (
        (entries["hours"] * entries["technician_id"].map(cost)).groupby([entries["client_id"], month]).sum()
    )
    invoices = frames("invoices")
    live = invoices[invoices["status"] != "void"]
    revenue = live.groupby([live["client_id"], live["issue_date"].dt.strftime("%Y-%m")])["total"].sum()
    return pd.DataFrame({"revenue": revenue, "labour_cost": labour}).fillna(0.0).round(2)


def profitability_pair(folder: Path) -> tuple[float, float]:
    frames = frames_from_folder(folder)
    loaded = {name: frames(name) for name in _ENTITIES}
    duck = median_seconds(lambda: monthly_profitability(loaded))
    naive = median_seconds(lambda: pandas_monthly(frames))
    return duck, naive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big-clients", type=int, default=2000)
    parser.add_argument("--skip-big", action="store_true", help="only the default demo set")
    args = parser.parse_args()
    console = Console()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        lake = Path(tmp)
        demo = data_set(200)
        table = Table(title=f"Agents over the demo set (200 clients), median of {RUNS} cold runs")
        table.add_column("agent")
        table.add_column("seconds", justify="right")
        total = 0.0
        for name in ("cpi", "sli", "dsa"):
            seconds = median_seconds(lambda n=name: run_agent_cold(n, demo, lake))
            total += seconds
            table.add_row(name, f"{seconds:.2f}")
            results[f"{name}_seconds"] = round(seconds, 3)
        table.add_row("all three", f"{total:.2f} (target < 30)")
        results["all_three_seconds"] = round(total, 3)
        console.print(table)
        duck, naive = profitability_pair(demo)
        results |= {"monthly_duckdb_seconds": round(duck, 3), "monthly_pandas_seconds": round(naive, 3)}
        if not args.skip_big:
            results |= _big(console, args.big_clients, lake)
    compare = Table(title="Monthly profitability: DuckDB SQL vs pandas groupbys (frames loaded)")
    for column in ("data set", "DuckDB s", "pandas s"):
        compare.add_column(column, justify="right")
    compare.add_row(
        "200 clients", f"{results['monthly_duckdb_seconds']:.2f}", f"{results['monthly_pandas_seconds']:.2f}"
    )
    if "big_monthly_duckdb_seconds" in results:
        compare.add_row(
            f"{args.big_clients} clients", f"{results['big_monthly_duckdb_seconds']:.2f}",
            f"{results['big_monthly_pandas_seconds']:.2f}",
        )  # fmt: skip
    console.print(compare)
    print(json.dumps({"benchmark": "agents_speed", **results}))


def _big(console: Console, clients: int, lake: Path) -> dict[str, Any]:
    folder = data_set(clients)
    entries = len(frames_from_folder(folder)("time_entries"))
    seconds = median_seconds(lambda: run_agent_cold("cpi", folder, lake))
    console.print(
        f"CPI over {clients:,} clients ({entries:,} time entries): {seconds:.1f} s, "
        f"median of {RUNS} (target < 60)"
    )
    duck, naive = profitability_pair(folder)
    return {
        "big_clients": clients,
        "big_time_entries": entries,
        "big_cpi_seconds": round(seconds, 3),
        "big_monthly_duckdb_seconds": round(duck, 3),
        "big_monthly_pandas_seconds": round(naive, 3),
    }


if __name__ == "__main__":
    main()

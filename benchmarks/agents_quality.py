"""Agents' quality: precision and recall per finding kind against planted ground truth, on unseen seeds.

Generates the demo data set for seeds the tests and the tuning never used (101, 202, 303 by default),
runs every registered agent on the files (`frames_from_folder`), and matches findings to the planted
signals of `ground_truth.json` (a match needs the same kind, subject type and subject id). Reports the
median precision and recall per kind over the seeds, each agent's median run time, and, side by side,
naive single-rule baselines for three kinds (what a quick spreadsheet check would flag):
- margin_erosion: the last month's margin 10 points below the client's 6-month baseline median;
- spend_anomaly: a bill above 3x the mean bill of its department and category;
- duplicate_payment: the same vendor and amount paid twice within 35 days.

Run: `uv run python benchmarks/agents_quality.py [--seeds 101,202,303] [--clients 200]`
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from hexad.agents.base import AgentContext, FrameSource
from hexad.agents.cpi import monthly_profitability
from hexad.agents.frames import frames_from_folder
from hexad.agents.registry import AGENTS
from hexad.config import load_settings
from hexad.demo.generator import generate
from hexad.demo.ground_truth import load_ground_truth

REFERENCE = date(2026, 9, 30)
Key = tuple[str, str, str]


def _score(found: set[Key], planted: set[Key]) -> tuple[float, float]:
    hits = len(found & planted)
    precision = hits / len(found) if found else (1.0 if not planted else 0.0)
    recall = hits / len(planted) if planted else 1.0
    return precision, recall


def _naive(frames: FrameSource) -> dict[str, set[Key]]:
    """The single-rule baselines described in the module docstring."""
    entities = ("technicians", "time_entries", "invoices", "agreement_additions", "agreements",
                "licence_subscriptions")  # fmt: skip
    monthly = monthly_profitability({name: frames(name) for name in entities})
    table = monthly.pivot(index="client_id", columns="month", values="margin")
    baseline = table[[m for m in table.columns if "2025-10" <= m <= "2026-03"]].median(axis=1)
    eroded = table.index[table["2026-09"] <= baseline - 0.10]
    expenses = frames("expenses")
    mean = expenses.groupby(["department", "category"])["amount"].transform("mean")
    spikes = expenses.loc[expenses["amount"] > 3 * mean, "expense_id"]
    expenses = expenses.sort_values("expense_date")
    vendor = expenses["vendor_id"].fillna(expenses["vendor_name"])
    previous = expenses.groupby([vendor, expenses["amount"]])["expense_date"].shift()
    repeats = expenses.loc[(expenses["expense_date"] - previous).dt.days <= 35, "expense_id"]
    return {
        "margin_erosion": {("margin_erosion", "client", str(c)) for c in eroded},
        "spend_anomaly": {("spend_anomaly", "expense", str(e)) for e in spikes},
        "duplicate_payment": {("duplicate_payment", "expense", str(e)) for e in repeats},
    }


def _evaluate(
    folder: Path, lake: Path
) -> tuple[dict[str, tuple[float, float]], dict[str, float], dict[str, Any]]:
    truth = load_ground_truth(folder)
    planted: dict[str, set[Key]] = defaultdict(set)
    for signal in truth["signals"]:
        planted[signal["kind"]].add((signal["kind"], signal["subject_type"], signal["subject_id"]))
    frames = frames_from_folder(folder)
    found: dict[str, set[Key]] = defaultdict(set)
    seconds: dict[str, float] = {}
    for name, factory in AGENTS.items():
        ctx = AgentContext(frames, REFERENCE, lake, load_settings(home=lake))
        started = time.perf_counter()
        run = factory().run(ctx)
        seconds[name] = time.perf_counter() - started
        for finding in run.findings:
            found[finding.kind].add((finding.kind, finding.subject_type, finding.subject_id))
    scores = {kind: _score(found[kind], planted[kind]) for kind in found}
    baseline = {kind: _score(keys, planted[kind]) for kind, keys in _naive(frames).items()}
    return scores, seconds, baseline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="101,202,303", help="comma-separated unseen seeds")
    parser.add_argument("--clients", type=int, default=200)
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    per_kind: dict[str, list[tuple[float, float]]] = defaultdict(list)
    per_baseline: dict[str, list[tuple[float, float]]] = defaultdict(list)
    times: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            folder = Path(tmp) / f"seed-{seed}"
            generate(seed, folder, clients=args.clients)
            lake = Path(tmp) / f"lake-{seed}"
            # VCM reads contract documents where the register points: the lake's raw zone, as after import.
            shutil.copytree(folder / "contracts", lake / "raw" / "contracts")
            scores, seconds, baseline = _evaluate(folder, lake)
            for kind, pair in scores.items():
                per_kind[kind].append(pair)
            for kind, pair in baseline.items():
                per_baseline[kind].append(pair)
            for name, value in seconds.items():
                times[name].append(value)
    _report(seeds, per_kind, per_baseline, times)


def _median(pairs: list[tuple[float, float]], index: int) -> float:
    return statistics.median(pair[index] for pair in pairs)


def _report(
    seeds: list[int], per_kind: dict[str, list[tuple[float, float]]],
    per_baseline: dict[str, list[tuple[float, float]]], times: dict[str, list[float]],
) -> None:  # fmt: skip
    console = Console()
    table = Table(title=f"Precision and recall per kind (median over seeds {', '.join(map(str, seeds))})")
    for column in ("kind", "precision", "recall", "target met", "naive precision", "naive recall"):
        table.add_column(column, justify="left" if column == "kind" else "right", no_wrap=column == "kind")
    results: dict[str, Any] = {}
    for kind in sorted(per_kind):
        precision, recall = _median(per_kind[kind], 0), _median(per_kind[kind], 1)
        naive = per_baseline.get(kind)
        naive_cells = (f"{_median(naive, 0):.2f}", f"{_median(naive, 1):.2f}") if naive else ("-", "-")
        met = "yes" if precision >= 0.85 and recall >= 0.85 else "NO"
        table.add_row(kind, f"{precision:.2f}", f"{recall:.2f}", met, *naive_cells)
        results[kind] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "worst_seed_precision": round(min(p for p, _ in per_kind[kind]), 4),
            "worst_seed_recall": round(min(r for _, r in per_kind[kind]), 4),
        }
        if naive:
            results[kind] |= {
                "naive_precision": round(_median(naive, 0), 4),
                "naive_recall": round(_median(naive, 1), 4),
            }
    console.print(table)
    timing = Table(title="Agent run time (median over seeds)")
    timing.add_column("agent")
    timing.add_column("seconds", justify="right")
    for name, values in times.items():
        timing.add_row(name, f"{statistics.median(values):.2f}")
    console.print(timing)
    run_seconds = {name: round(statistics.median(values), 3) for name, values in times.items()}
    print(
        json.dumps(
            {"benchmark": "agents_quality", "seeds": seeds, "kinds": results, "run_seconds": run_seconds}
        )
    )


if __name__ == "__main__":
    main()

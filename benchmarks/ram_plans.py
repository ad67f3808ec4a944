"""RAM planning quality and speed: assignment plans and routes.

1. Large plan: 500 work items x 40 technicians (random skills, capacities, costs, on-site sites),
   `hexad.agents.ram_plans.plan_assignments` (HiGHS, median of 3 runs) against OR-Tools CP-SAT and
   a greedy baseline (most urgent item first, cheapest qualified technician with hours left);
   objective, wall time and the solver's proven gap side by side.
2. Small plans: 10 random instances of 6 items x 3 technicians, solved exactly by enumeration;
   the gap of the CP-SAT plan to that optimum (target: within 2%).
3. Routes: Augerat "A" CVRP instances (TSPLIB files in benchmarks/data/cvrp, published optima),
   PyVRP (the engine `solve_cvrp` uses) for 10 s each against OR-Tools guided local search.
   The default run takes the two hardest instances to stay under a minute; `--all` runs all 27.

Run: `uv run python benchmarks/ram_plans.py [--all] [--seconds 10]`
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from hexad.agents.ram_plans import (
    AssignmentPlan,
    PlanningInput,
    Technician,
    WorkItem,
    _cost,
    _penalty,
    plan_assignments,
    travel_hours,
)
from hexad.agents.ram_routes import parse_vrp, solve_cvrp

SKILLS = ["m365", "network", "security", "windows", "linux", "azure", "aws", "backup", "voip", "printers"]
PRIORITIES = ["low", "medium", "high", "critical"]
DEFAULT_INSTANCES = ["A-n63-k10", "A-n80-k10"]
DATA = Path(__file__).parent / "data" / "cvrp"


def random_instance(rng: random.Random, items: int, techs: int) -> PlanningInput:
    """A plan instance with the demo's shape: 2-4 skills per technician, one or two per item."""
    technicians = [
        Technician(
            f"T{j}",
            f"Tech {j}",
            frozenset(rng.sample(SKILLS, rng.randint(2, 4))),
            rng.uniform(38, 85),
            rng.uniform(4, 40),
            40 + rng.uniform(-2, 2),
            -74 + rng.uniform(-2, 2),
        )
        for j in range(techs)
    ]
    work = [
        WorkItem(
            f"I{i}",
            f"C{rng.randint(1, 60)}",
            rng.choice([0.5, 1, 1.5, 2, 3, 4]),
            frozenset(rng.sample(SKILLS, rng.choice([1, 1, 2]))),
            rng.choice(PRIORITIES),
            hours_until_due=rng.uniform(-4, 72),
            onsite=rng.random() < 0.15,
            latitude=40 + rng.uniform(-2, 2),
            longitude=-74 + rng.uniform(-2, 2),
            eroding=rng.random() < 0.1,
        )
        for i in range(items)
    ]
    return PlanningInput(work, technicians)


def greedy(work: PlanningInput) -> float:
    """Baseline: most urgent first, cheapest qualified technician with hours left; returns the objective."""
    free = {t.technician_id: t.free_hours for t in work.technicians}
    total = 0.0
    for item in sorted(work.items, key=_penalty, reverse=True):
        options = [
            t
            for t in work.technicians
            if item.skills <= t.skills and item.hours + travel_hours(item, t) <= free[t.technician_id]
        ]
        if not options:
            total += _penalty(item)
            continue
        best = min(options, key=lambda t: _cost(item, t))
        free[best.technician_id] -= item.hours + travel_hours(item, best)
        total += _cost(item, best) * (3.0 if item.eroding else 1.0)
    return total


def exact(work: PlanningInput) -> float:
    """The optimum by enumeration (small instances only)."""
    best = float("inf")
    for combo in itertools.product([None, *range(len(work.technicians))], repeat=len(work.items)):
        load = [0.0] * len(work.technicians)
        total = 0.0
        for item, j in zip(work.items, combo, strict=True):
            if j is None:
                total += _penalty(item)
                continue
            tech = work.technicians[j]
            if not item.skills <= tech.skills:
                break
            load[j] += item.hours + travel_hours(item, tech)
            total += _cost(item, tech) * (3.0 if item.eroding else 1.0)
        else:
            if all(load[j] <= t.free_hours for j, t in enumerate(work.technicians)):
                best = min(best, total)
    return best


def _timed(work: PlanningInput, engine: str, runs: int, limit: float) -> tuple[float, AssignmentPlan]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        plan = plan_assignments(work, time_limit=limit, engine=engine)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), plan


def large_plans(console: Console) -> dict[str, float]:
    work = random_instance(random.Random(500), 500, 40)
    seconds, plan = _timed(work, "highs", 3, 8.0)
    cpsat_seconds, cpsat = _timed(work, "cpsat", 1, 5.0)
    started = time.perf_counter()
    baseline = greedy(work)
    greedy_seconds = time.perf_counter() - started
    table = Table(title="500 items x 40 technicians")
    for column in ("planner", "objective", "assigned", "seconds", "proven gap"):
        table.add_column(column)
    for label, solved, took in (
        ("HiGHS MIP, median of 3", plan, seconds),
        ("OR-Tools CP-SAT, 1 run", cpsat, cpsat_seconds),
    ):
        table.add_row(
            label,
            f"{solved.objective:,.0f}",
            str(len(solved.assignments)),
            f"{took:.2f}",
            f"{solved.gap:.2%}",
        )
    table.add_row("greedy baseline", f"{baseline:,.0f}", "-", f"{greedy_seconds:.3f}", "-")
    console.print(table)
    return {
        "large_seconds": round(seconds, 3),
        "large_objective": round(plan.objective, 2),
        "large_gap": round(plan.gap, 4),
        "large_cpsat_objective": round(cpsat.objective, 2),
        "large_greedy_objective": round(baseline, 2),
    }


def small_plans(console: Console) -> dict[str, float]:
    rng = random.Random(6)
    gaps, greedy_gaps = [], []
    for _ in range(10):
        work = random_instance(rng, 6, 3)
        optimum = exact(work)
        gaps.append(plan_assignments(work, time_limit=5).objective / optimum - 1)  # HiGHS
        greedy_gaps.append(greedy(work) / optimum - 1)
    table = Table(title="Small plans: gap to the exact optimum (10 instances of 6 x 3)")
    for column in ("planner", "max gap", "median gap"):
        table.add_column(column)
    table.add_row("HiGHS MIP", f"{max(gaps):.3%}", f"{statistics.median(gaps):.3%}")
    table.add_row("greedy baseline", f"{max(greedy_gaps):.3%}", f"{statistics.median(greedy_gaps):.3%}")
    console.print(table)
    return {"small_max_gap": round(max(gaps), 5), "small_greedy_max_gap": round(max(greedy_gaps), 5)}


def routes(console: Console, names: list[str], seconds: float) -> dict[str, object]:
    table = Table(title=f"Augerat A CVRP: cost vs published optimum ({seconds:g} s each)")
    for column in ("instance", "optimum", "PyVRP", "gap", "OR-Tools GLS (3 s)", "gap "):
        table.add_column(column)
    gaps, baseline_gaps = [], []
    for name in names:
        instance = parse_vrp((DATA / f"{name}.vrp").read_text())
        optimum = instance.optimum or 1
        cost, _ = solve_cvrp(instance, time_limit=seconds)
        ortools, _ = solve_cvrp(instance, time_limit=min(seconds, 3.0), engine="ortools")
        gaps.append(cost / optimum - 1)
        baseline_gaps.append(ortools / optimum - 1)
        table.add_row(
            name, str(optimum), str(cost), f"{gaps[-1]:.2%}", str(ortools), f"{baseline_gaps[-1]:.2%}"
        )
    console.print(table)
    return {
        "cvrp_instances": len(names),
        "cvrp_max_gap": round(max(gaps), 4),
        "cvrp_median_gap": round(statistics.median(gaps), 4),
        "cvrp_ortools_max_gap": round(max(baseline_gaps), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--all", action="store_true", help="every Augerat A instance (about 7 minutes)")
    parser.add_argument("--seconds", type=float, default=10.0, help="CVRP time limit per instance")
    args = parser.parse_args()
    console = Console()
    names = sorted(p.stem for p in DATA.glob("A-*.vrp")) if args.all else DEFAULT_INSTANCES
    results: dict[str, object] = {}
    results.update(large_plans(console))
    results.update(small_plans(console))
    results.update(routes(console, names, args.seconds))
    print(json.dumps({"benchmark": "ram_plans", **results}))


if __name__ == "__main__":
    main()

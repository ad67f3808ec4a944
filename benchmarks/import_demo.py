"""Importer and frames on the demo data set: how long a real MSP's files take to load and to read back.

1. Import: `hexad.ingest.import_paths` on every entity file of a generated data set (validation of
   every row, reference checks, raw zone, upserts) into a fresh SQLite database, against a baseline
   that only reads the same files with pandas and writes them with `DataFrame.to_sql` (no validation,
   no keys, no upsert: the floor a loader could reach by trusting its input).
2. Re-import of the same files (every row unchanged: read, validate, hash, compare, write nothing).
3. `load_frames(["time_entries"])` against `pandas.read_sql_table` through SQLAlchemy.

Medians of RUNS runs, wall clock and CPU time of this process (the CPU time is what to compare on a
shared, busy machine). The default data set has 50 clients (about 65k time entries) so the run stays
under a minute; `--clients 200` is the full demo (about 267k time entries and 61k tickets).

Run: `uv run python benchmarks/import_demo.py [--clients 200] [--runs 3]`
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

from hexad.config import load_settings
from hexad.demo import generate
from hexad.demo.files import COLUMNS
from hexad.domain.database import create_domain_engine
from hexad.domain.frames import load_frames
from hexad.ingest import import_paths

CPU_SECONDS: dict[str, float] = {}


def _median(runs: int, action: Callable[[int], object], name: str = "") -> float:
    """Median wall-clock seconds; the median CPU seconds go to `CPU_SECONDS[name]` (stable on a busy host)."""
    times, cpu = [], []
    for run in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        action(run)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    CPU_SECONDS[name] = statistics.median(cpu)
    return statistics.median(times)


def _baseline_import(files: dict[str, Path], database: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        for entity, path in files.items():
            frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
            frame.to_sql(entity, connection, index=False, if_exists="replace", chunksize=10_000)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        data = generate(7, root / "data", clients=args.clients)
        files = {entity: data.paths[entity] for entity in COLUMNS}
        homes = [root / f"home{run}" for run in range(args.runs)]

        def first(run: int) -> object:
            return import_paths(list(files.values()), settings=load_settings(home=homes[run]))

        again = first

        results = {
            "import": _median(args.runs, first, "import"),
            "import_baseline": _median(
                args.runs, lambda r: _baseline_import(files, root / f"base{r}.db"), "import_baseline"
            ),
            "reimport_unchanged": _median(args.runs, again, "reimport_unchanged"),
        }
        engine = create_domain_engine(f"sqlite:///{homes[0] / 'hexad.db'}")
        load = lambda _: load_frames(["time_entries"], engine=engine)  # noqa: E731
        results["load_time_entries"] = _median(args.runs, load, "load_time_entries")
        results["load_time_entries_baseline"] = _median(
            args.runs, lambda _: pd.read_sql_table("time_entries", engine), "load_time_entries_baseline"
        )
        engine.dispose()
    _report(data.counts, args, results)


def _report(counts: dict[str, int], args: argparse.Namespace, results: dict[str, float]) -> None:
    rows = sum(counts.values())
    table = Table("measure", "hexad s (cpu s)", "baseline s (cpu s)", "rows/s (hexad)",
                  title=f"Import ({rows:,} rows)")  # fmt: skip
    entries = counts["time_entries"]
    lines = [("first import", "import", "import_baseline", " to_sql", rows),
             ("re-import, all unchanged", "reimport_unchanged", None, "", rows),
             (f"load_frames time_entries ({entries:,})", "load_time_entries", "load_time_entries_baseline",
              " read_sql_table", entries)]  # fmt: skip
    for label, name, baseline, how, count in lines:
        base = "-" if baseline is None else f"{_cell(results, baseline)}{how}"
        table.add_row(label, _cell(results, name), base, f"{count / results[name]:,.0f}")
    Console().print(table)
    summary = {"benchmark": "import_demo", "clients": args.clients, "runs": args.runs, "rows": rows,
               "time_entries": entries, "tickets": counts["tickets"], "cpus": os.cpu_count(),
               **{f"{k}_s": round(v, 3) for k, v in results.items()},
               **{f"{k}_cpu_s": round(v, 3) for k, v in CPU_SECONDS.items()}}  # fmt: skip
    print(json.dumps(summary))


def _cell(results: dict[str, float], name: str) -> str:
    return f"{results[name]:.2f} ({CPU_SECONDS[name]:.2f})"


if __name__ == "__main__":
    main()

"""Importer and frames on the demo data set: how long a real MSP's files take to load and to read back.

1. Import: `hexad.ingest.import_paths` on every entity file of a generated data set (validation of
   every row, reference checks, raw zone, upserts) into a fresh SQLite database, against a baseline
   that only reads the same files with pandas and writes them with `DataFrame.to_sql` (no validation,
   no keys, no upsert: the floor a loader could reach by trusting its input).
2. Re-import of the same files (every row unchanged: read, validate, hash, compare, write nothing).
3. `load_frames(["time_entries"])` against `pandas.read_sql_table` through SQLAlchemy.

Medians of RUNS runs. The default data set has 50 clients (about 65k time entries) so the run stays
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


def _median(runs: int, action: Callable[[int], object]) -> float:
    times = []
    for run in range(runs):
        started = time.perf_counter()
        action(run)
        times.append(time.perf_counter() - started)
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
            "import": _median(args.runs, first),
            "import_baseline": _median(args.runs, lambda r: _baseline_import(files, root / f"base{r}.db")),
            "reimport_unchanged": _median(args.runs, again),
        }
        engine = create_domain_engine(f"sqlite:///{homes[0] / 'hexad.db'}")
        load = lambda _: load_frames(["time_entries"], engine=engine)  # noqa: E731
        results["load_time_entries"] = _median(args.runs, load)
        results["load_time_entries_baseline"] = _median(
            args.runs, lambda _: pd.read_sql_table("time_entries", engine)
        )
        engine.dispose()
    _report(data.counts, args, results)


def _report(counts: dict[str, int], args: argparse.Namespace, results: dict[str, float]) -> None:
    rows = sum(counts.values())
    table = Table("measure", "hexad (s)", "baseline (s)", "rows/s (hexad)", title=f"Import ({rows:,} rows)")
    table.add_row("first import", f"{results['import']:.2f}", f"{results['import_baseline']:.2f} (to_sql)",
                  f"{rows / results['import']:,.0f}")  # fmt: skip
    table.add_row("re-import, all unchanged", f"{results['reimport_unchanged']:.2f}", "-",
                  f"{rows / results['reimport_unchanged']:,.0f}")  # fmt: skip
    entries = counts["time_entries"]
    table.add_row(f"load_frames time_entries ({entries:,})", f"{results['load_time_entries']:.2f}",
                  f"{results['load_time_entries_baseline']:.2f} (read_sql_table)",
                  f"{entries / results['load_time_entries']:,.0f}")  # fmt: skip
    Console().print(table)
    summary = {"benchmark": "import_demo", "clients": args.clients, "runs": args.runs, "rows": rows,
               "time_entries": entries, "tickets": counts["tickets"], "cpus": os.cpu_count(),
               **{f"{k}_s": round(v, 3) for k, v in results.items()}}  # fmt: skip
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

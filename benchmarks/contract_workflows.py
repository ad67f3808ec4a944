"""Hexad's contract approval workflow on the agents' real actions: how long a batch of approvals takes.

A small generated MSP (seed 7, 60 clients) is imported into a temporary home once. Each run starts
one approval execution per register contract (the register row plus the document, read for the first
time: text, DOCX, PDF and OCR of scans; validate), drives them until each waits for a manager or
failed a check, then approves every waiting task (finance too, above the threshold) and drives them
to the end (activate in the register, schedule reminders). Medians of RUNS runs, each in a fresh
copy of the home.

Run: `uv run python benchmarks/contract_workflows.py`
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

RUNS = 3


def _prepare(home: Path) -> None:
    from hexad.config import get_settings
    from hexad.demo import generate
    from hexad.demo.files import COLUMNS
    from hexad.domain.database import upgrade
    from hexad.ingest import import_paths

    os.environ["HEXAD_HOME"] = str(home)
    get_settings.cache_clear()
    generated = generate(7, home / "data", clients=60)
    upgrade(get_settings())
    import_paths([generated.paths[entity] for entity in COLUMNS], settings=get_settings())
    shutil.copytree(home / "data" / "contracts", home / "lake" / "raw" / "contracts")


async def _run(home: Path) -> dict[str, Any]:
    from hexad import wiring
    from hexad.agents.workflows import install_workflows
    from hexad.config import get_settings

    os.environ["HEXAD_HOME"] = str(home)
    get_settings.cache_clear()
    published: list[dict[str, Any]] = []
    service = wiring.workflow_service(put_events=published.extend)
    await install_workflows(service)
    with wiring.domain_engine().connect() as conn:
        contracts = [
            str(c) for c in conn.execute(sa.text("SELECT contract_id FROM vendor_contracts")).scalars()
        ]
    started = time.perf_counter()
    for contract in contracts:
        await service.start("contract_approval", {"document": {"contract_id": contract}}, name=contract)
    await service.run_until_idle()
    asked = time.perf_counter() - started
    approvals = 0
    started = time.perf_counter()
    while waiting := await service.waiting_tasks(state_machine="contract_approval"):
        for task in waiting:
            await service.send_task_success(task.token, {"approved": True})
            approvals += 1
        await service.run_until_idle()
    finished = time.perf_counter() - started
    statuses: dict[str, int] = {}
    for record in await service.list_executions("contract_approval", limit=10_000):
        key = record.status if record.error is None else f"{record.status} {record.error}"
        statuses[key] = statuses.get(key, 0) + 1
    return {"executions": len(contracts), "to_first_approval_s": asked, "approvals": approvals,
            "approval_to_end_s": finished, "statuses": statuses}  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="hexad-bench-") as folder:
        template = Path(folder) / "template"
        _prepare(template)
        runs = []
        for index in range(RUNS):
            home = Path(folder) / f"run-{index}"
            shutil.copytree(template, home)
            runs.append(asyncio.run(_run(home)))
    first = statistics.median(r["to_first_approval_s"] for r in runs)
    rest = statistics.median(r["approval_to_end_s"] for r in runs)
    count, approvals = runs[0]["executions"], runs[0]["approvals"]
    table = Table(title=f"Contract approval workflow, {count} contracts (median of {RUNS} runs)")
    for column in ("phase", "executions / answers", "seconds", "per execution (ms)"):
        table.add_column(column)
    first_phase = "start -> waiting for manager (first read of each document, OCR of scans; validate)"
    table.add_row(first_phase, str(count), f"{first:.2f}", f"{1000 * first / count:.1f}")
    table.add_row("approvals -> end (finance, activate, reminders)", str(approvals), f"{rest:.2f}",
                  f"{1000 * rest / count:.1f}")  # fmt: skip
    Console().print(table)
    Console().print(f"outcomes: {runs[0]['statuses']}")
    print(json.dumps({"benchmark": "contract_workflows", "contracts": count, "approvals": approvals,
                      "to_first_approval_s": round(first, 3), "approval_to_end_s": round(rest, 3),
                      "statuses": runs[0]["statuses"], "runs": RUNS}))  # fmt: skip


if __name__ == "__main__":
    main()

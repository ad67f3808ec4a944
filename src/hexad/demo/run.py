"""`hexad demo run` end to end: data, import, agents on the runtime, findings scored, an admin user.

Each step is a call into the same services the CLI, the worker and the API use; the demo adds only
the order and the final scoring against the planted ground truth.
"""

from __future__ import annotations

import asyncio
import importlib
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from hexad.agents.findings import FindingStore
from hexad.agents.service import lake_path
from hexad.auth.keys import user_pool
from hexad.config import Settings
from hexad.demo.files import COLUMNS
from hexad.demo.generator import GenerationResult, describe, generate, is_generated
from hexad.demo.ground_truth import load_ground_truth
from hexad.demo.pipeline import RuntimeReport, prepare_runtime, run_agents_until_idle
from hexad.demo.scoring import KindScore, score_findings
from hexad.demo.workflows import run_contract_approvals
from hexad.domain.database import engine_for

if TYPE_CHECKING:
    from hexad.ingest import ImportReport

__all__ = ["ADMIN_EMAIL", "DemoOutcome", "run_demo"]

ADMIN_EMAIL = "admin@hexad.local"


@dataclass
class DemoOutcome:
    """Everything the demo's summary shows."""

    generation: GenerationResult
    imported: ImportReport
    runtime: RuntimeReport
    scores: list[KindScore]
    findings_by_agent: dict[str, int]
    admin_password: str | None
    seconds: float


def run_demo(
    settings: Settings, *, seed: int, clients: int, fresh: bool, console: Console | None
) -> DemoOutcome:
    """Generate (once per seed), import, run the agents until quiet, score and create the admin."""
    started = time.perf_counter()
    out = settings.home / "demo-data"
    show = console is not None
    if fresh or not is_generated(out, seed, clients):
        generation = generate(seed, out, clients=clients, show_progress=show)
    else:
        generation = describe(out)
    asyncio.run(prepare_runtime(settings))
    _place_contract_documents(out, settings)
    _say(console, "Importing the data set (the importer publishes data.imported events) ...")
    ingest = importlib.import_module("hexad.ingest")  # looked up at run time (tests may stand in for it)
    paths = [generation.paths[entity] for entity in COLUMNS]
    imported = ingest.import_paths(paths, settings=settings, show_progress=show)
    _say(console, "Running the six agents as actors on their mailboxes until the bus is quiet ...")
    runtime = asyncio.run(run_agents_until_idle(settings, on_tick=_ticker(console)))
    _say(console, "Starting the contract approval workflow for contracts pending approval ...")
    _say(console, asyncio.run(run_contract_approvals(settings)))
    findings = FindingStore(engine_for(settings)).list(status="open", limit=100_000)
    keys = [(f.kind, f.subject_type, f.subject_id) for f in findings]
    by_agent: dict[str, int] = {}
    for finding in findings:
        by_agent[finding.agent] = by_agent.get(finding.agent, 0) + 1
    return DemoOutcome(
        generation=generation,
        imported=imported,
        runtime=runtime,
        scores=score_findings(keys, load_ground_truth(out)),
        findings_by_agent=dict(sorted(by_agent.items())),
        admin_password=_admin(settings),
        seconds=round(time.perf_counter() - started, 1),
    )


def _place_contract_documents(out: Path, settings: Settings) -> None:
    """Put the contract documents where the register's `document` column points: the lake's raw zone."""
    target = lake_path(settings) / "raw" / "contracts"
    target.mkdir(parents=True, exist_ok=True)
    for document in sorted((out / "contracts").iterdir()):
        if document.is_file() and not (target / document.name).exists():
            shutil.copy2(document, target / document.name)


def _admin(settings: Settings) -> str | None:
    """Create the demo's admin once; its one-time password, or None if it already existed."""
    pool = user_pool(settings)
    if any(user.email == ADMIN_EMAIL for user in pool.list()):
        return None
    _, password = pool.add(ADMIN_EMAIL, "Demo administrator", ["admin"])
    return password


def _say(console: Console | None, text: str) -> None:
    if console is not None:
        console.print(text)


def _ticker(console: Console | None) -> Any:
    last = [0.0]

    def tick(waiting: dict[str, int]) -> None:
        if console is None or time.perf_counter() - last[0] < 10:
            return
        last[0] = time.perf_counter()
        busy = ", ".join(f"{name} {count}" for name, count in waiting.items() if count) or "none"
        console.print(f"  mailboxes waiting: {busy}")

    return tick

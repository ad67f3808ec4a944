"""`hexad plans show` and `hexad routes show` on a demo folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hexad.cli.app import app


@pytest.mark.slow
def test_plans_and_routes_commands(demo_folder: Path) -> None:
    runner = CliRunner()
    base = ["--data", str(demo_folder), "--as-of", "2026-09-30", "--time-limit", "1", "--json"]
    plan = runner.invoke(app, ["plans", "show", *base])
    assert plan.exit_code == 0, plan.output
    payload = json.loads(plan.output)
    assert payload["status"] in ("OPTIMAL", "FEASIBLE") and payload["assignments"]
    assert all(a["reason"] for a in payload["assignments"]) and all(
        u["reason"] for u in payload["unassigned"]
    )
    tech = payload["assignments"][0]["technician_id"]
    mine = json.loads(runner.invoke(app, ["plans", "show", *base, "--technician", tech]).output)
    assert {a["technician_id"] for a in mine["assignments"]} == {tech}
    routes = runner.invoke(app, ["routes", "show", "--date", "2026-10-01", *base])
    assert routes.exit_code == 0, routes.output
    assert json.loads(routes.output)["day"] == "2026-10-01"
    bad = runner.invoke(app, ["routes", "show", "--date", "tomorrow", *base])
    assert bad.exit_code != 0

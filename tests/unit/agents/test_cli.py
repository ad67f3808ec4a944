from __future__ import annotations

import asyncio
import json
from pathlib import Path

from typer.testing import CliRunner

from hexad.cli import agents_cmd, clients_cmd, findings_cmd
from hexad.cli.clients_cmd import sparkline
from hexad.config import load_settings
from hexad.wiring import event_bus

runner = CliRunner()


def test_agents_list() -> None:
    result = runner.invoke(agents_cmd.app, ["list", "--json"])
    assert result.exit_code == 0, result.output
    names = {row["name"] for row in json.loads(result.output)}
    assert {"cpi", "sli", "dsa"} <= names


def test_run_then_list_and_show_findings(demo_folder: Path) -> None:
    run = runner.invoke(agents_cmd.app, ["run", "sli", "--data", str(demo_folder), "--no-publish", "--json"])
    assert run.exit_code == 0, run.output
    report = json.loads(run.output)
    assert report["findings"] > 0
    listed = runner.invoke(findings_cmd.app, ["list", "--kind", "licence_over_deployed", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert len(rows) == report["by_kind"]["licence_over_deployed"]
    first = rows[0]
    assert {
        "id",
        "agent",
        "kind",
        "subject_type",
        "subject_id",
        "severity",
        "score",
        "summary",
        "evidence",
    } <= set(first)
    shown = runner.invoke(findings_cmd.app, ["show", first["id"]])
    assert shown.exit_code == 0, shown.output
    assert first["subject_id"] in shown.output
    assert "seats_purchased" in shown.output
    acked = runner.invoke(findings_cmd.app, ["set-status", first["id"], "acknowledged"])
    assert acked.exit_code == 0
    pattern = {"detail-type": ["finding.status.changed"]}
    (announced,) = asyncio.run(event_bus(load_settings()).search("default", pattern=pattern))
    assert announced.detail["finding_id"] == first["id"]
    assert announced.detail["new_status"] == "acknowledged" and announced.detail["actor"].startswith("cli:")
    still = json.loads(runner.invoke(findings_cmd.app, ["list", "--status", "acknowledged", "--json"]).output)
    assert [f["id"] for f in still] == [first["id"]]


def test_run_for_one_client_prints_a_summary(demo_folder: Path) -> None:
    result = runner.invoke(agents_cmd.app, ["run", "sli", "--client", "CL-0001", "--data", str(demo_folder),
                                            "--no-publish"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "sli for CL-0001" in result.output


def test_clients_show(demo_folder: Path) -> None:
    result = runner.invoke(clients_cmd.app, ["show", "CL-0001", "--data", str(demo_folder), "--months", "6"])
    assert result.exit_code == 0, result.output
    assert "effective rate/h" in result.output
    rows = json.loads(
        runner.invoke(clients_cmd.app, ["show", "CL-0001", "--data", str(demo_folder), "--json"]).output
    )
    assert len(rows) == 12
    assert rows[-1]["month"] == "2026-09"
    missing = runner.invoke(clients_cmd.app, ["show", "CL-9999", "--data", str(demo_folder)])
    assert missing.exit_code != 0


def test_sparkline_scales_between_min_and_max() -> None:
    assert sparkline([1.0, 2.0, 3.0]) == "▁▅█"
    assert sparkline([5.0, 5.0]) == "▁▁"
    assert sparkline([]) == ""

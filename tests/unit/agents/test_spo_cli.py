"""`hexad leads list` and `hexad forecast pipeline` on a demo folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hexad.cli.app import app


@pytest.mark.slow
def test_leads_and_forecast_commands(demo_folder: Path) -> None:
    runner = CliRunner()
    leads = runner.invoke(
        app, ["leads", "list", "--top", "5", "--data", str(demo_folder), "--as-of", "2026-09-30", "--json"]
    )
    assert leads.exit_code == 0, leads.output
    payload = json.loads(leads.output)
    assert len(payload["leads"]) == 5 and 0.7 <= payload["held_out_roc_auc"] < 0.97
    values = [lead["expected_value"] for lead in payload["leads"]]
    assert values == sorted(values, reverse=True)
    forecast = runner.invoke(
        app, ["forecast", "pipeline", "--data", str(demo_folder), "--as-of", "2026-09-30", "--json"]
    )
    assert forecast.exit_code == 0, forecast.output
    months = json.loads(forecast.output)["months"]
    assert len(months) == 3 and all(m["low"] <= m["expected"] <= m["high"] for m in months)

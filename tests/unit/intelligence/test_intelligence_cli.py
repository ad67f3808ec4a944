"""`hexad ask`, `explain`, `findings explain`, `search` and `llm usage` through the real CLI app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hexad.cli.app import app
from hexad.config import get_settings
from tests.unit.intelligence.ask_home import ask_home

pytestmark = pytest.mark.slow  # the demo data set is generated, imported and analysed once (~25 s)
runner = CliRunner()


@pytest.fixture
def home(_isolated_home: Path) -> Path:
    ask_home(_isolated_home)
    get_settings.cache_clear()
    return _isolated_home


def run(*arguments: str) -> str:
    result = runner.invoke(app, list(arguments))
    assert result.exit_code == 0, result.output
    return result.output


def test_ask_and_search(home: Path) -> None:
    answer = json.loads(run("ask", "which departments are over budget?", "--json"))
    assert answer["mode"] == "offline" and answer["calls"][0]["tool"] == "budget_status"
    shown = run("ask", "who is overworked?", "--rows", "2")
    assert "[1] technician_utilization" in shown and "answered offline" in shown
    hits = json.loads(run("search", "idle seats", "--kind", "finding", "--json"))
    assert hits and all(hit["kind"] == "finding" for hit in hits)


def test_explain_a_finding_a_client_and_a_department(home: Path) -> None:
    finding = json.loads(run("findings", "list", "--limit", "1", "--json"))[0]
    narrative = json.loads(run("findings", "explain", finding["id"], "--json"))
    assert narrative["headline"] == finding["summary"] and narrative["source"] == "offline"
    assert "What to do:" in run("explain", "client", "CL-0001")
    assert json.loads(run("explain", "department", "Engineering", "--json"))["subject_type"] == "department"
    missing = runner.invoke(app, ["explain", "vendor", "VN-999"])
    assert missing.exit_code != 0


def test_llm_usage_is_empty_offline(home: Path) -> None:
    assert json.loads(run("llm", "usage", "--json")) == {"totals": [], "recent": []}

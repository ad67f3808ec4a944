"""`hexad demo generate` and `hexad demo run` through the CLI (the importer replaced by a recording fake)."""

from __future__ import annotations

import json
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hexad.cli.app import app
from hexad.demo.files import COLUMNS
from hexad.errors import ValidationError

runner = CliRunner()


@dataclass
class _Counts:
    inserted: int
    updated: int
    unchanged: int


@dataclass
class _Report:
    counts: dict[str, _Counts]


@pytest.fixture
def imported(monkeypatch: pytest.MonkeyPatch) -> list[list[Path]]:
    """Install a fake `hexad.ingest` whose `import_paths` records what it was given."""
    calls: list[list[Path]] = []

    def import_paths(paths: list[Path], show_progress: bool = False, **_: Any) -> _Report:
        calls.append(list(paths))
        return _Report({p.stem: _Counts(3, 0, 0) for p in paths})

    fake = types.ModuleType("hexad.ingest")
    fake.import_paths = import_paths  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "hexad.ingest", fake)
    return calls


def test_generate_writes_the_data_set_and_prints_a_json_summary(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["demo", "generate", "--seed", "4", "--out", str(tmp_path / "d"), "--clients", "12", "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["rows"]["clients"] == 12
    assert summary["seed"] == 4 and summary["reference_date"] == "2026-09-30"
    assert sum(summary["signals"].values()) > 0
    assert (tmp_path / "d" / "ground_truth.json").is_file()


def test_generate_rejects_too_few_clients(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "generate", "--seed", "4", "--out", str(tmp_path), "--clients", "3"])
    assert isinstance(result.exception, ValidationError)
    assert result.exception.exit_code == 2
    assert "--clients: expected at least 10 clients, got 3" in str(result.exception)


def test_run_generates_once_per_seed_then_imports_every_entity(
    imported: list[list[Path]], _isolated_home: Path
) -> None:
    first = runner.invoke(app, ["demo", "run", "--seed", "4", "--clients", "12", "--json"])
    assert first.exit_code == 0, first.output
    data_dir = _isolated_home / "demo-data"
    assert [p.stem for p in imported[0]] == list(COLUMNS)
    assert all(p.parent == data_dir for p in imported[0])
    stamp = (data_dir / "clients.csv").stat().st_mtime_ns
    second = runner.invoke(app, ["demo", "run", "--seed", "4", "--clients", "12", "--json"])
    assert second.exit_code == 0
    assert (data_dir / "clients.csv").stat().st_mtime_ns == stamp
    summary: dict[str, Any] = json.loads(second.output)
    assert summary["imported"]["clients"] == {"inserted": 3, "updated": 0, "unchanged": 0}
    assert summary["data_dir"] == str(data_dir)


def test_run_regenerates_for_another_seed_or_when_fresh(
    imported: list[list[Path]], _isolated_home: Path
) -> None:
    runner.invoke(app, ["demo", "run", "--seed", "4", "--clients", "12", "--json"])
    clients = _isolated_home / "demo-data" / "clients.csv"
    before = clients.read_bytes()
    assert runner.invoke(app, ["demo", "run", "--seed", "5", "--clients", "12", "--json"]).exit_code == 0
    assert clients.read_bytes() != before
    stamp = clients.stat().st_mtime_ns
    assert (
        runner.invoke(app, ["demo", "run", "--seed", "5", "--clients", "12", "--fresh", "--json"]).exit_code
        == 0
    )
    assert clients.stat().st_mtime_ns != stamp


def test_run_prints_the_summary_tables(imported: list[list[Path]]) -> None:
    result = runner.invoke(app, ["demo", "run", "--seed", "4", "--clients", "12"])
    assert result.exit_code == 0, result.output
    for text in ("Demo data", "Planted signals", "licence_unused_seats", "Next:"):
        assert text in result.output


def test_generate_refuses_a_file_as_the_output_folder(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("not a folder")
    result = runner.invoke(app, ["demo", "generate", "--seed", "1", "--out", str(target), "--clients", "12"])
    assert isinstance(result.exception, ValidationError)
    assert f"--out: expected a folder, but {target} is a file" in str(result.exception)

"""`hexad patterns test`: true/false with exit 0, errors with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hexad.cli.app import app

runner = CliRunner()


def _write(folder: Path, name: str, content: object) -> Path:
    path = folder / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def _run(pattern: Path, event: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["patterns", "test", "--pattern", str(pattern), "--event", str(event)])
    return result.exit_code, result.output


def test_prints_true_when_the_event_matches(tmp_path: Path) -> None:
    pattern = _write(
        tmp_path, "p.json", {"source": ["hexad.cpi"], "detail": {"margin": [{"numeric": ["<", 0.45]}]}}
    )
    event = _write(tmp_path, "e.json", {"source": "hexad.cpi", "detail": {"margin": 0.31}})
    assert _run(pattern, event) == (0, "true\n")


def test_prints_false_when_it_does_not(tmp_path: Path) -> None:
    pattern = _write(tmp_path, "p.json", {"source": ["hexad.cpi"]})
    event = _write(tmp_path, "e.json", {"source": "hexad.spo"})
    assert _run(pattern, event) == (0, "false\n")


def test_an_invalid_pattern_names_the_json_path_and_exits_2(tmp_path: Path) -> None:
    pattern = _write(tmp_path, "p.json", {"detail": {"amount": [{"numeric": [">", "ten"]}]}})
    event = _write(tmp_path, "e.json", {"detail": {"amount": 3}})
    code, output = _run(pattern, event)
    assert code == 2
    assert "detail.amount[0].numeric[1]" in output


def test_invalid_json_in_either_file_exits_2(tmp_path: Path) -> None:
    good = _write(tmp_path, "good.json", {"source": ["x"]})
    broken = _write(tmp_path, "broken.json", '{"source": ')
    assert _run(broken, good)[0] == 2
    code, output = _run(good, broken)
    assert code == 2
    assert "--event" in output


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    good = _write(tmp_path, "good.json", {"source": ["x"]})
    code, output = _run(good, tmp_path / "missing.json")
    assert code == 2
    assert "cannot read" in output


def test_an_event_that_is_not_an_object_exits_2(tmp_path: Path) -> None:
    good = _write(tmp_path, "good.json", {"source": ["x"]})
    event = _write(tmp_path, "e.json", [1, 2])
    assert _run(good, event)[0] == 2

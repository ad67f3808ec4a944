"""`hexad schedules ...` through the CLI, on the test's own HEXAD_HOME runtime file."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from hexad.cli.app import app

runner = CliRunner()


def run(*arguments: str) -> tuple[int, str]:
    result = runner.invoke(app, ["schedules", *arguments])
    return result.exit_code, result.output


def test_add_list_remove() -> None:
    code, output = run(
        "add", "nightly", "cron(0 2 * * ? *)", "--tz", "Europe/London",
        "--target-queue", "reports", "--input", '{"report": "margin"}', "--window-minutes", "30",
    )  # fmt: skip
    assert code == 0, output
    assert "added schedule nightly; next firing" in output
    code, output = run("list", "--json")
    listed = json.loads(output)
    assert [(s["name"], s["target"], s["window_minutes"]) for s in listed] == [
        ("nightly", {"type": "queue", "queue": "reports"}, 30)
    ]
    assert listed[0]["next_firing"].endswith(("T02:00:00+00:00", "T02:00:00+01:00"))
    assert run("list")[0] == 0
    assert run("remove", "nightly") == (0, "removed schedule nightly\n")
    assert json.loads(run("list", "--json")[1]) == []


def test_add_refuses_a_bad_expression_with_the_field_named() -> None:
    result = runner.invoke(app, ["schedules", "add", "bad", "cron(0 9 ? * 8 *)"])
    assert result.exit_code != 0
    assert "day-of-week: expected 1-7 or SUN-SAT, got 8" in str(result.exception)


def test_add_refuses_two_targets() -> None:
    result = runner.invoke(
        app, ["schedules", "add", "x", "rate(1 hour)", "--target-bus", "a", "--target-queue", "b"]
    )
    assert "expected --target-bus or --target-queue, not both" in str(result.exception)


def test_next_of_a_raw_expression() -> None:
    code, output = run("next", "cron(0 9 ? * 6#5 *)", "--tz", "America/New_York", "--count", "3", "--json")
    assert code == 0, output
    firings = json.loads(output)
    assert len(firings) == 3
    assert all(f["scheduled"][11:19] == "09:00:00" for f in firings)


def test_next_of_a_stored_schedule_shows_its_window() -> None:
    run("add", "flex", "rate(1 hour)", "--window-minutes", "45", "--start", "2030-01-01T00:00:00")
    code, output = run("next", "flex", "--count", "4", "--json")
    assert code == 0, output
    firings = json.loads(output)
    assert [f["scheduled"] for f in firings] == [
        "2030-01-01T00:00:00+00:00", "2030-01-01T01:00:00+00:00",
        "2030-01-01T02:00:00+00:00", "2030-01-01T03:00:00+00:00",
    ]  # fmt: skip
    assert all(f["due"] >= f["scheduled"] for f in firings)


def test_unknown_schedule() -> None:
    result = runner.invoke(app, ["schedules", "remove", "nope"])
    assert "schedule 'nope' does not exist" in str(result.exception)


def test_next_of_something_that_is_neither_a_schedule_nor_an_expression() -> None:
    result = runner.invoke(app, ["schedules", "next", "every-day"])
    assert "schedule 'every-day' does not exist, and it is not an expression" in str(result.exception)

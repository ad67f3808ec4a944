"""`hexad notify ...` on the test's own HEXAD_HOME."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from hexad.cli.app import app
from hexad.notifications.errors import InvalidFilterPolicy, InvalidLinkError

runner = CliRunner()


def run(*arguments: str) -> tuple[int, str]:
    result = runner.invoke(app, ["notify", *arguments])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_topics_subscriptions_test_publish_and_preferences() -> None:
    assert run("topics", "--create", "findings")[0] == 0
    code, output = run("subscribe", "findings", "-p", "in_app", "-e", "u-ann", "--owner", "u-ann",
                       "--filter-policy", '{"severity": ["high", "critical"]}')  # fmt: skip
    assert code == 0 and "is confirmed" in output
    code, output = run("subscribe", "findings", "-p", "https", "-e", "http://127.0.0.1:9/hook")
    assert "is pending" in output and "signing secret (shown once" in output
    listed = json.loads(run("topics", "--json")[1])
    assert listed == [{"name": "findings", "display_name": "", "subscriptions": 2, "pending": 1}]
    subscriptions = json.loads(run("subscriptions", "findings", "--json")[1])
    assert {s["endpoint"] for s in subscriptions} == {"u-ann", "http://127.0.0.1:9/..."}
    assert all("secret" not in s for s in subscriptions)

    code, output = run("test", "findings", "-a", "severity=high", "-a", "score=0.9", "--deliver")
    assert "1 matched, 0 filtered out, 1 pending confirmation" in output
    assert "delivered 1" in output
    [item] = json.loads(run("inbox", "u-ann", "--json")[1])
    assert item["title"] == "Hexad test notification" and item["read_at"] is None
    assert "Hexad test notification" in run("inbox", "u-ann", "--unread")[1]
    code, output = run("test", "findings", "-a", "severity=low")
    assert "0 matched, 1 filtered out" in output

    preferences = json.loads(run("preferences", "u-ann", "--defaults-for", "sales", "--mute", "CL-0007")[1])
    assert preferences["channels"]["*"]["agents"] == ["cpi", "spo"] and preferences["muted_subjects"] == [
        "CL-0007"
    ]
    in_app = next(s for s in subscriptions if s["protocol"] == "in_app")
    assert run("unsubscribe", in_app["id"]) == (0, f"subscription {in_app['id']} deleted\n")


def test_bad_input_is_refused_with_what_was_expected() -> None:
    run("topics", "--create", "findings")
    with pytest.raises(InvalidFilterPolicy, match="customer: attribute filter policies cannot nest"):
        run(
            "subscribe",
            "findings",
            "-p",
            "in_app",
            "-e",
            "u",
            "--filter-policy",
            '{"customer": {"a": ["b"]}}',
        )
    with pytest.raises(InvalidLinkError):
        run("confirm", "not-a-token")

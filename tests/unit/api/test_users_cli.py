"""`hexad users` and `hexad audit verify` through the CLI."""

import json
import re

import sqlalchemy as sa
from typer.testing import CliRunner

from hexad.cli.app import app
from hexad.config import load_settings
from hexad.domain.database import engine_for

runner = CliRunner()


def test_add_list_reset_and_disable() -> None:
    added = runner.invoke(
        app, ["users", "add", "ana@example.com", "--name", "Ana", "--roles", "admin,finance"]
    )
    assert added.exit_code == 0, added.output
    assert re.search(r"one-time password: \S{17}", added.output)
    listed = json.loads(runner.invoke(app, ["users", "list", "--json"]).output)
    assert listed[0]["roles"] == ["admin", "finance"] and listed[0]["must_change_password"]
    assert (
        "one-time password for" in runner.invoke(app, ["users", "reset-password", "ana@example.com"]).output
    )
    assert runner.invoke(app, ["users", "disable", "ana@example.com"]).exit_code == 0
    assert json.loads(runner.invoke(app, ["users", "list", "--json"]).output)[0]["disabled"] is True


def test_bad_roles_and_unknown_users_fail_clearly() -> None:
    bad = runner.invoke(app, ["users", "add", "bo@example.com", "--name", "Bo", "--roles", "root"])
    assert bad.exit_code != 0
    missing = runner.invoke(app, ["users", "disable", "nobody@example.com"])
    assert missing.exit_code != 0


def test_audit_verify_detects_tampering() -> None:
    from hexad.auth.stores import SqlAuditLog
    from hexad.observability.audit import AuditEntry

    settings = load_settings()
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
    log = SqlAuditLog(engine_for(settings))
    for n in range(3):
        log.append(
            AuditEntry(0, f"2026-11-26T00:00:0{n}Z", "ana", "POST /api/v1/x", "/api/v1/x", "127.0.0.1")
        )
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0 and "3 entries" in ok.output
    with engine_for(settings).begin() as conn:
        conn.execute(sa.text("UPDATE audit_log SET actor = 'mallory' WHERE sequence = 2"))
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 1

"""`hexad users ...` and `hexad audit verify`: the user pool and the audit log from the shell."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from hexad.auth.keys import user_pool
from hexad.auth.stores import SqlAuditLog
from hexad.auth.users import User, UserPool
from hexad.config import load_settings
from hexad.domain.database import engine_for, upgrade
from hexad.errors import HexadError
from hexad.observability.audit import verify_chain

__all__ = ["app", "audit_app"]

app = typer.Typer(help="Manage the accounts of the built-in user pool.", no_args_is_help=True)
audit_app = typer.Typer(help="Check the audit log.", no_args_is_help=True)
_console = Console()


class AuditChainError(HexadError):
    """The audit log's hash chain does not verify."""


def _pool() -> UserPool:
    settings = load_settings()
    upgrade(settings)
    return user_pool(settings)


def _row(user: User) -> dict[str, object]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "roles": list(user.roles),
        "mfa": user.mfa_secret is not None,
        "must_change_password": user.must_change_password,
        "disabled": user.disabled,
    }


@app.command("add")
def add(
    email: str,
    name: str = typer.Option(..., "--name", help="the person's name"),
    roles: str = typer.Option(
        "viewer", "--roles", help="comma-separated: admin,finance,sales,service_manager,viewer"
    ),
) -> None:
    """Create an account and print its one-time password (it must be changed at first sign-in)."""
    user, password = _pool().add(email, name, [r.strip() for r in roles.split(",") if r.strip()])
    _console.print(f"created {user.email} ({', '.join(user.roles)})")
    _console.print(f"one-time password: [bold]{password}[/]  (shown once; change it at first sign-in)")


@app.command("list")
def list_users(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Every account, by email."""
    users = _pool().list()
    if as_json:
        typer.echo(json.dumps([_row(user) for user in users], indent=2))
        return
    table = Table("email", "name", "roles", "mfa", "status")
    for user in users:
        status = (
            "disabled" if user.disabled else "must change password" if user.must_change_password else "ok"
        )
        mfa = "yes" if user.mfa_secret else "no"
        table.add_row(user.email, user.name, ", ".join(user.roles), mfa, status)
    _console.print(table)


@app.command("disable")
def disable(email: str) -> None:
    """Refuse further sign-ins and end the account's sessions."""
    _console.print(f"disabled {_pool().disable(email).email}")


@app.command("reset-password")
def reset_password(email: str) -> None:
    """Print a new one-time password and end the account's sessions."""
    password = _pool().reset_password(email)
    _console.print(f"one-time password for {email}: [bold]{password}[/]  (shown once)")


@app.command("reset-mfa")
def reset_mfa(email: str) -> None:
    """Remove the account's authenticator; it enrols a new one after signing in."""
    _console.print(f"MFA removed for {_pool().reset_mfa(email).email}")


@audit_app.command("verify")
def verify() -> None:
    """Check every audit entry's hash and link; exit 1 naming the first entry that does not verify."""
    settings = load_settings()
    upgrade(settings)
    entries = list(SqlAuditLog(engine_for(settings)).entries())
    broken = verify_chain(entries)
    if broken is not None:
        raise AuditChainError(f"audit log entry {broken.sequence} {broken.reason}")
    _console.print(f"audit log verified: {len(entries)} entries, chain intact")

"""`hexad notify ...`: topics, subscriptions, confirmation, a test publish and people's preferences.

Every command works on the runtime store beside a running worker, which does the deliveries; `test
--deliver` and `deliver` send what is queued from this process instead (useful without a worker).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from hexad.errors import ValidationError
from hexad.notifications.assembly import Notifications, build_notifications
from hexad.notifications.filters import FilterScope
from hexad.notifications.preferences import Preferences, defaults_for

__all__ = ["app"]

app = typer.Typer(
    help="Notifications: topics, subscriptions, preferences (SNS semantics).", no_args_is_help=True
)
T = TypeVar("T")
_ATTRIBUTE_OPTION = typer.Option(None, "--attribute", "-a", help="NAME=VALUE (numbers, [arrays])")


def _run(work: Callable[[Notifications], Awaitable[T]]) -> T:
    async def main() -> T:
        parts = build_notifications()
        try:
            return await work(parts)
        finally:
            await parts.aclose()

    return asyncio.run(main())


def _json_option(text: str | None, what: str) -> Any:
    """JSON given inline or as @file."""
    if text is None:
        return None
    raw = Path(text[1:]).read_text(encoding="utf-8") if text.startswith("@") else text
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"{what}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None


@app.command("topics")
def topics(
    create: str | None = typer.Option(None, "--create", help="create this topic (idempotent)"),
    delete: str | None = typer.Option(None, "--delete", help="delete this topic and its subscriptions"),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
) -> None:
    """List topics with their subscriptions (and create or delete one)."""

    async def work(parts: Notifications) -> list[dict[str, Any]]:
        if create:
            await parts.service.create_topic(create)
        if delete:
            await parts.service.store.delete_topic(delete)
        rows = []
        for topic in await parts.service.store.topics():
            subscriptions = await parts.service.store.subscriptions(topic.name, cached=False)
            pending = sum(s.status == "pending" for s in subscriptions)
            rows.append({"name": topic.name, "display_name": topic.display_name,
                         "subscriptions": len(subscriptions), "pending": pending})  # fmt: skip
        return rows

    rows = _run(work)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title="Topics")
    for column in ("name", "description", "subscriptions", "pending confirmation"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["name"], row["display_name"], str(row["subscriptions"]), str(row["pending"]))
    Console().print(table)


@app.command("subscriptions")
def subscriptions(
    topic: str | None = typer.Argument(None, help="only this topic's"),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
) -> None:
    """List subscriptions (chat and webhook URLs are masked; secrets are never shown)."""
    rows = _run(lambda parts: parts.service.store.subscriptions(topic, cached=False))
    data = [subscription.public() for subscription in rows]
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    table = Table(title="Subscriptions")
    for column in ("id", "protocol", "endpoint", "owner", "status", "filter policy"):
        table.add_column(column, overflow="fold")
    for row in data:
        policy = "-" if row["filter_policy"] is None else json.dumps(row["filter_policy"])
        table.add_row(row["id"], row["protocol"], row["endpoint"], row["owner"] or "-", row["status"], policy)
    Console().print(table)


@app.command("subscribe")
def subscribe(
    topic: str = typer.Argument(..., help="the topic"),
    protocol: str = typer.Option(
        ..., "--protocol", "-p", help="email | slack | teams | https | queue | in_app"
    ),
    endpoint: str = typer.Option(..., "--endpoint", "-e", help="address, webhook URL, queue name or user id"),
    owner: str | None = typer.Option(None, "--owner", help="user whose preferences gate the deliveries"),
    filter_policy: str | None = typer.Option(
        None, "--filter-policy", help="SNS filter policy, JSON or @file"
    ),
    scope: str = typer.Option("MessageAttributes", "--scope", help="MessageAttributes | MessageBody"),
    delivery_policy: str | None = typer.Option(
        None, "--delivery-policy", help='JSON, e.g. {"num_retries": 5, "min_delay": 2, "backoff": "linear"}'
    ),
) -> None:
    """Subscribe an endpoint; email and https endpoints first get a confirmation request."""
    policy = _json_option(filter_policy, "--filter-policy")
    retry = _json_option(delivery_policy, "--delivery-policy")
    chosen: FilterScope = "MessageBody" if scope == "MessageBody" else "MessageAttributes"
    if scope not in ("MessageAttributes", "MessageBody"):
        raise ValidationError(f"--scope: expected MessageAttributes or MessageBody, got {scope!r}")
    subscription = _run(
        lambda parts: parts.service.subscribe(
            topic,
            protocol,
            endpoint,
            owner=owner,
            filter_policy=policy,
            filter_scope=chosen,
            delivery_policy=retry,
        )
    )
    typer.echo(f"subscription {subscription.id} is {subscription.status}")
    if subscription.secret:
        typer.echo(f"signing secret (shown once; verify X-Hexad-Signature with it): {subscription.secret}")
    if subscription.status == "pending":
        typer.echo("a confirmation request is queued; confirm with `hexad notify confirm TOKEN`")


@app.command("unsubscribe")
def unsubscribe(subscription_id: str = typer.Argument(..., help="the subscription's id")) -> None:
    """Delete a subscription; queued deliveries to it are dropped."""
    _run(lambda parts: parts.service.unsubscribe(subscription_id))
    typer.echo(f"subscription {subscription_id} deleted")


@app.command("confirm")
def confirm(token: str = typer.Argument(..., help="the token of the confirmation link or request")) -> None:
    """Confirm a pending subscription with its token."""
    subscription = _run(lambda parts: parts.service.confirm(token))
    typer.echo(f"subscription {subscription.id} is confirmed")


def _attributes(pairs: list[str]) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise ValidationError(f"--attribute: expected NAME=VALUE, got {pair!r}")
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = value
        attributes[name] = (
            parsed if isinstance(parsed, int | float | list) and not isinstance(parsed, bool) else value
        )
    return attributes


@app.command("test")
def test(
    topic: str = typer.Argument(..., help="the topic"),
    subject: str = typer.Option("Hexad test notification", "--subject"),
    message: str = typer.Option("This is a test of Hexad notifications.", "--message"),
    attribute: list[str] | None = _ATTRIBUTE_OPTION,
    deliver: bool = typer.Option(False, "--deliver", help="also send the deliveries from this process"),
) -> None:
    """Publish a test message to a topic and say how many subscriptions it reached."""

    async def work(parts: Notifications) -> tuple[Any, dict[str, int]]:
        result = await parts.service.publish(
            topic, subject, {"title": subject, "summary": message}, _attributes(attribute or [])
        )
        if deliver:
            await parts.deliveries.drain()
        return result, dict(parts.deliveries.counts)

    result, counts = _run(work)
    typer.echo(
        f"message {result.message_id}: {result.matched} matched, {result.filtered} filtered out, "
        f"{result.pending} pending confirmation"
    )
    if deliver:
        typer.echo(
            ", ".join(f"{name} {count}" for name, count in sorted(counts.items())) or "nothing to deliver"
        )


@app.command("deliver")
def deliver() -> None:
    """Publish waiting agent events and send every queued delivery from this process, then stop."""

    async def work(parts: Notifications) -> dict[str, int]:
        for bridge in parts.bridges:
            await bridge.prepare()
            await bridge.drain()
        await parts.deliveries.flush_held()
        await parts.deliveries.drain()
        return dict(parts.deliveries.counts)

    counts = _run(work)
    typer.echo(", ".join(f"{name} {count}" for name, count in sorted(counts.items())) or "nothing to deliver")


@app.command("inbox")
def inbox(
    user: str = typer.Argument(..., help="the user id"),
    unread: bool = typer.Option(False, "--unread", help="only unread notifications"),
    limit: int = typer.Option(20, "--limit", min=1, max=500),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
) -> None:
    """A user's in-app notifications (the dashboard's bell), newest first."""
    items = _run(lambda parts: parts.service.store.inbox(user, unread_only=unread, limit=limit))
    if as_json:
        typer.echo(json.dumps([item.to_dict() for item in items], indent=2))
        return
    table = Table(title=f"Notifications of {user}")
    for column in ("when", "severity", "title", "read"):
        table.add_column(column, overflow="fold")
    for item in items:
        when = datetime.fromtimestamp(item.created_at, UTC).isoformat(timespec="seconds")
        table.add_row(when, item.severity, item.title, "yes" if item.read_at else "no")
    Console().print(table)


@app.command("preferences")
def preferences(
    user: str = typer.Argument(..., help="the user id"),
    set_: str | None = typer.Option(None, "--set", help="preferences as JSON or @file (replaces them)"),
    roles: str | None = typer.Option(
        None, "--defaults-for", help="reset to these roles' defaults, e.g. finance"
    ),
    mute: str | None = typer.Option(None, "--mute", help="mute this subject (client, contract, ...)"),
) -> None:
    """Show a user's preferences, or set them, reset them to role defaults, or mute a subject."""

    async def work(parts: Notifications) -> dict[str, Any]:
        store = parts.service.store
        if set_ is not None:
            data = _json_option(set_, "--set")
            await store.put_preferences(user, Preferences.from_dict({**data, "user": user}).to_dict())
        elif roles is not None:
            await store.put_preferences(user, defaults_for(user, roles.split(",")).to_dict())
        if mute is not None:
            current = await store.get_preferences(user)
            prefs = Preferences.from_dict(current) if current else Preferences(user)
            await store.put_preferences(user, prefs.muted(mute).to_dict())
        stored = await store.get_preferences(user)
        return stored if stored is not None else {"user": user, "stored": False}

    typer.echo(json.dumps(_run(work), indent=2))

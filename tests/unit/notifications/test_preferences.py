"""Preferences: channels by agent/kind/severity, quiet hours in the user's zone, digests, mutes, roles."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from hexad.errors import ValidationError
from hexad.notifications.assembly import Notifications
from hexad.notifications.errors import InvalidLinkError
from hexad.notifications.model import Message
from hexad.notifications.preferences import ChannelRule, Preferences, decide, defaults_for
from hexad.runtime.clock import ManualClock
from tests.unit.notifications.conftest import WebhookPeer

NEW_YORK = "America/New_York"


def message(
    severity: str = "high", agent: str = "cpi", subject: str = "CL-0007", kind: str = "margin_erosion"
) -> Message:
    attributes = {"severity": severity, "agent": agent, "subject_id": subject, "kind": kind}
    return Message("m", "findings", "s", {"title": f"{kind} {subject}"}, attributes, 0.0)


def at(text: str) -> float:
    return datetime.fromisoformat(text).astimezone(UTC).timestamp()


def test_channel_rules_filter_by_agent_kind_and_severity() -> None:
    prefs = Preferences(
        "ann",
        channels={
            "email": ChannelRule(agents=("cpi",), min_severity="high"),
            "*": ChannelRule(enabled=False),
        },
    )
    now = at("2026-01-05T12:00:00+00:00")
    assert decide(prefs, message(), "email", now).action == "send"
    assert decide(prefs, message(severity="medium"), "email", now).reason == "severity medium below high"
    assert decide(prefs, message(agent="dsa"), "email", now).action == "skip"
    assert decide(prefs, message(), "slack", now).reason == "channel turned off"
    kinds = Preferences("ann", channels={"*": ChannelRule(kinds=("churn_risk",))})
    assert decide(kinds, message(), "email", now).action == "skip"


def test_quiet_hours_follow_the_users_time_zone_and_let_critical_through() -> None:
    prefs = Preferences("ann", timezone=NEW_YORK, quiet_hours=("22:00", "07:00"))
    night = at("2026-01-06T03:00:00+00:00")  # 22:00 in New York
    decision = decide(prefs, message(), "email", night)
    assert decision.action == "hold" and decision.until == at("2026-01-06T07:00:00-05:00")
    assert decide(prefs, message(), "email", at("2026-01-06T02:59:00+00:00")).action == "send"  # 21:59 there
    assert decide(prefs, message(severity="critical"), "email", night).action == "send"
    strict = Preferences(
        "ann", timezone=NEW_YORK, quiet_hours=("22:00", "07:00"), quiet_hours_allow_critical=False
    )
    assert decide(strict, message(severity="critical"), "email", night).action == "hold"
    assert decide(prefs, message(), "in_app", night).action == "send"  # the bell is silent


def test_weekly_digests_wait_for_the_chosen_weekday_and_hour() -> None:
    prefs = Preferences("ann", timezone="Europe/Berlin", digest="weekly", digest_hour=8, digest_weekday=0)
    decision = decide(prefs, message(), "email", at("2026-01-01T12:00:00+00:00"))  # a Thursday
    assert decision.digest and decision.until == at("2026-01-05T08:00:00+01:00")  # the next Monday


@pytest.mark.parametrize(
    ("values", "message_"),
    [
        ({"timezone": "Mars/Olympus"}, "IANA time zone"),
        ({"quiet_hours": ("25:00", "07:00")}, "quiet_hours.start"),
        ({"digest": "hourly"}, "digest: expected off, daily or weekly"),
        ({"channels": {"sms": ChannelRule()}}, "unknown channel"),
    ],
)
def test_bad_preferences_say_what_was_expected(values: dict[str, Any], message_: str) -> None:
    with pytest.raises(ValidationError, match=message_):
        Preferences("ann", **values)


def test_role_defaults() -> None:
    finance = defaults_for("f", ["finance"])
    assert (
        finance.channels["*"].agents == ("cpi", "dsa", "sli", "vcm")
        and finance.channels["*"].min_severity == "medium"
    )
    both = defaults_for("x", ["finance", "sales"])
    assert both.channels["*"].agents == ("cpi", "dsa", "sli", "spo", "vcm")
    assert defaults_for("a", ["admin", "viewer"]).channels["*"].agents == ()  # admin sees every agent
    assert defaults_for("v", ["viewer"]).channels["*"].min_severity == "high"
    assert Preferences.from_dict(finance.to_dict()) == finance


async def webhook_for(parts: Notifications, peer: WebhookPeer, owner: str) -> None:
    subscription = await parts.service.subscribe("findings", "https", f"{peer.url}/hook", owner=owner)
    await parts.service.confirm(parts.service.confirm_token(subscription))
    await parts.deliveries.drain()  # the confirmation request
    peer.requests.clear()


async def test_quiet_hours_hold_deliveries_until_morning(
    parts: Notifications, webhook_peer: WebhookPeer, clock: ManualClock
) -> None:
    service = parts.service
    await service.create_topic("findings")
    await webhook_for(parts, webhook_peer, "ann")
    await service.store.put_preferences(
        "ann", Preferences("ann", timezone=NEW_YORK, quiet_hours=("22:00", "07:00")).to_dict()
    )
    clock.set(at("2026-01-06T04:00:00+00:00"))  # 23:00 in New York
    await service.publish("findings", "s", {"title": "night"}, message().attributes)
    await parts.deliveries.drain()
    assert webhook_peer.requests == [] and parts.deliveries.counts["held"] == 1
    clock.set(at("2026-01-06T06:59:00-05:00"))
    assert await parts.deliveries.flush_held() == 0
    clock.set(at("2026-01-06T07:00:00-05:00"))
    assert await parts.deliveries.flush_held() == 1
    await parts.deliveries.drain()
    [request] = webhook_peer.requests
    assert json.loads(request.body)["Message"]["title"] == "night"


async def test_a_daily_digest_sends_one_message_with_every_held_item(
    parts: Notifications, webhook_peer: WebhookPeer, clock: ManualClock
) -> None:
    service = parts.service
    await service.create_topic("findings")
    await webhook_for(parts, webhook_peer, "ann")
    await service.store.put_preferences("ann", Preferences("ann", digest="daily", digest_hour=8).to_dict())
    clock.set(at("2026-01-06T09:00:00+00:00"))
    for subject in ("CL-0001", "CL-0002", "CL-0003"):
        await service.publish(
            "findings", "s", {"title": f"Margin erosion: {subject}"}, message(subject=subject).attributes
        )
        clock.advance(60)
    await parts.deliveries.drain()
    assert webhook_peer.requests == []
    clock.set(at("2026-01-07T08:00:00+00:00"))
    assert await parts.deliveries.flush_held() == 3
    await parts.deliveries.drain()
    [request] = webhook_peer.requests
    digest = json.loads(request.body)
    assert digest["Subject"] == "Hexad digest: 3 notifications"
    assert [item["title"] for item in digest["Message"]["items"]] == [
        "Margin erosion: CL-0001", "Margin erosion: CL-0002", "Margin erosion: CL-0003",
    ]  # fmt: skip
    assert await service.store.held() == []


async def test_a_mute_link_stops_a_subject_for_its_user(
    parts: Notifications, webhook_peer: WebhookPeer, clock: ManualClock
) -> None:
    service = parts.service
    await service.create_topic("findings")
    await service.subscribe("findings", "in_app", "ann", owner="ann")
    await service.store.put_preferences("ann", defaults_for("ann", ["admin"]).to_dict())
    url = service.mute_url("ann", "CL-0007")
    token = url.split("token=", 1)[1]
    assert service.read_mute_token(token) == ("ann", "CL-0007")
    stored = Preferences.from_dict(await service.store.get_preferences("ann") or {})
    await service.store.put_preferences("ann", stored.muted("CL-0007").to_dict())
    await service.publish("findings", "s", {"title": "t"}, message(subject="CL-0007").attributes)
    await service.publish("findings", "s", {"title": "t"}, message(subject="CL-0008").attributes)
    await parts.deliveries.drain()
    assert len(await service.store.inbox("ann")) == 1 and parts.deliveries.counts["skipped"] == 1
    with pytest.raises(InvalidLinkError, match="is for 'confirm-subscription'"):
        service.read_mute_token(
            service.confirm_token(await service.subscribe("findings", "email", "a@b.example"))
        )


async def test_a_held_message_is_released_by_one_worker_and_a_lapsed_claim_is_taken_over(
    parts: Notifications, webhook_peer: WebhookPeer, clock: ManualClock
) -> None:
    service = parts.service
    await service.create_topic("findings")
    await webhook_for(parts, webhook_peer, "ann")
    await service.store.put_preferences("ann", Preferences("ann", digest="daily", digest_hour=8).to_dict())
    await service.publish("findings", "s", {"title": "held"}, message().attributes)
    await parts.deliveries.drain()
    clock.advance(86400)
    [seen_by_another_worker] = await service.store.held()
    assert await service.store.claim(seen_by_another_worker, clock.time() + 60)  # it crashes after this
    assert not await service.store.claim(seen_by_another_worker, clock.time() + 60)  # a stale view loses
    assert await parts.deliveries.flush_held() == 0  # claimed elsewhere
    clock.advance(61)
    assert await parts.deliveries.flush_held() == 1  # the claim lapsed
    await parts.deliveries.drain()
    assert len(webhook_peer.requests) == 1 and await service.store.held() == []

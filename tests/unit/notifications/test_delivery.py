"""Fan-out, signed webhooks, confirmation, retries with backoff and the dead-letter queue."""

from __future__ import annotations

import json
import logging

import pytest

from hexad.notifications.assembly import Notifications
from hexad.notifications.errors import InvalidLinkError
from hexad.notifications.retry import DeliveryPolicy
from hexad.notifications.service import DEAD_LETTER_QUEUE
from hexad.notifications.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, LinkSigner, verify_webhook
from hexad.runtime.clock import ManualClock
from tests.unit.notifications.conftest import WebhookPeer

FINDING = {
    "title": "Margin erosion: CL-0007",
    "summary": "Margin fell from 41% to 18%",
    "link": "https://x/f/1",
}


async def confirmed_webhook(parts: Notifications, peer: WebhookPeer, **options: object) -> str:
    """An https subscription confirmed with the token its endpoint received; returns its id."""
    service = parts.service
    subscription = await service.subscribe("findings", "https", f"{peer.url}/hook", **options)  # type: ignore[arg-type]
    await parts.deliveries.drain()
    confirmation = json.loads(peer.requests.pop().body)
    assert confirmation["Type"] == "SubscriptionConfirmation"
    await service.confirm(confirmation["Token"])
    return subscription.id


async def test_fan_out_respects_each_subscriptions_filter_policy(parts: Notifications) -> None:
    service = parts.service
    await service.create_topic("findings")
    for user, policy in (
        ("ann", {"severity": ["critical", "high"]}),
        ("bob", {"agent": ["dsa"]}),
        ("cy", None),
    ):
        await service.subscribe("findings", "in_app", user, filter_policy=policy)
    result = await service.publish("findings", "s", FINDING, {"severity": "high", "agent": "cpi"})
    assert (result.matched, result.filtered) == (2, 1)
    assert await parts.deliveries.drain() == 2
    assert [n.title for n in await service.store.inbox("ann")] == ["Margin erosion: CL-0007"]
    assert await service.store.inbox("bob") == []
    assert len(await service.store.inbox("cy")) == 1


async def test_webhook_deliveries_are_signed_and_verifiable(
    parts: Notifications, webhook_peer: WebhookPeer, clock: ManualClock
) -> None:
    service = parts.service
    await service.create_topic("findings")
    subscription_id = await confirmed_webhook(parts, webhook_peer)
    secret = (await service.store.get_subscription(subscription_id)).secret
    await service.publish("findings", "Margin erosion", FINDING, {"severity": "high"})
    await parts.deliveries.drain()
    [request] = webhook_peer.requests
    body = json.loads(request.body)
    assert body["Type"] == "Notification" and body["Message"]["summary"] == "Margin fell from 41% to 18%"
    assert body["MessageAttributes"] == {"severity": "high"}
    signature, timestamp = request.headers[SIGNATURE_HEADER], request.headers[TIMESTAMP_HEADER]
    assert verify_webhook(secret, signature, timestamp, request.body, now=clock.time())
    assert not verify_webhook(secret, signature, timestamp, request.body + b" ", now=clock.time())
    assert not verify_webhook("another secret", signature, timestamp, request.body, now=clock.time())
    assert not verify_webhook(secret, signature, timestamp, request.body, now=clock.time() + 301)
    assert not verify_webhook(secret, "sïgnature", timestamp, request.body, now=clock.time())


async def test_nothing_but_the_confirmation_reaches_a_pending_subscription(
    parts: Notifications, webhook_peer: WebhookPeer
) -> None:
    service = parts.service
    await service.create_topic("findings")
    subscription = await service.subscribe("findings", "https", f"{webhook_peer.url}/hook")
    assert subscription.status == "pending"
    result = await service.publish("findings", "s", FINDING)
    assert (result.matched, result.pending) == (0, 1)
    await parts.deliveries.drain()
    [confirmation] = webhook_peer.requests
    token = json.loads(confirmation.body)["Token"]
    with pytest.raises(InvalidLinkError, match="not valid"):
        await service.confirm(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert (await service.confirm(token)).status == "confirmed"
    assert (await service.publish("findings", "s", FINDING)).matched == 1


async def test_confirmation_links_expire(parts: Notifications, clock: ManualClock) -> None:
    service = parts.service
    await service.create_topic("findings")
    subscription = await service.subscribe("findings", "email", "ann@example.com")
    token = service.confirm_token(subscription)
    clock.advance(3 * 86400 + 1)
    with pytest.raises(InvalidLinkError, match="expired"):
        await service.confirm(token)


async def test_a_peer_that_is_down_is_retried_with_backoff_then_dead_lettered(
    parts: Notifications, webhook_peer: WebhookPeer, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    service = parts.service
    await service.create_topic("findings")
    policy = DeliveryPolicy(num_retries=2, min_delay=10, max_delay=40, backoff="linear")
    slack = await service.subscribe(
        "findings", "slack", "http://127.0.0.1:9/services/T000/B000/SECRETPART", delivery_policy=policy
    )
    caplog.set_level(logging.DEBUG)
    await service.publish("findings", "s", FINDING)
    assert await parts.deliveries.drain() == 1  # first attempt fails: the port is closed
    assert await parts.deliveries.drain() == 0  # nothing before the first retry's delay
    clock.advance(10)
    assert await parts.deliveries.drain() == 1  # retry 1 fails
    clock.advance(39)
    assert await parts.deliveries.drain() == 0
    clock.advance(1)
    assert await parts.deliveries.drain() == 1  # retry 2 fails: dead-lettered
    [dead] = await service.queues.peek(DEAD_LETTER_QUEUE)
    assert dead.attributes["subscription"] == slack.id and dead.attributes["attempts"] == "3"
    assert "unreachable" in dead.attributes["error"]
    assert parts.deliveries.counts["dead_lettered"] == 1 and parts.deliveries.counts["retried"] == 2
    assert "SECRETPART" not in caplog.text and "SECRETPART" not in json.dumps(dict(dead.attributes))


async def test_a_4xx_answer_is_dead_lettered_without_retries(
    parts: Notifications, webhook_peer: WebhookPeer
) -> None:
    service = parts.service
    await service.create_topic("findings")
    await confirmed_webhook(parts, webhook_peer)
    webhook_peer.status = 410
    await service.publish("findings", "s", FINDING)
    await parts.deliveries.drain()
    [dead] = await service.queues.peek(DEAD_LETTER_QUEUE)
    assert "HTTP 410" in dead.attributes["error"] and dead.attributes["attempts"] == "1"


async def test_a_peer_that_comes_back_gets_the_retried_delivery(
    parts: Notifications, webhook_peer: WebhookPeer, clock: ManualClock
) -> None:
    service = parts.service
    await service.create_topic("findings")
    await confirmed_webhook(parts, webhook_peer)
    webhook_peer.status = 503
    await service.publish("findings", "s", FINDING)
    await parts.deliveries.drain()
    webhook_peer.status = 200
    clock.advance(1)
    await parts.deliveries.drain()
    assert (
        len(webhook_peer.requests) == 2 and parts.deliveries.counts["delivered"] == 2
    )  # confirmation + retry
    assert await service.queues.peek(DEAD_LETTER_QUEUE) == []


async def test_queue_subscriptions_receive_the_message(parts: Notifications) -> None:
    service = parts.service
    await service.create_topic("findings")
    await service.queues.ensure_queue("ticketing")
    await service.subscribe("findings", "queue", "ticketing")
    await service.publish("findings", "s", FINDING, {"severity": "high"})
    await parts.deliveries.drain()
    [message] = await service.queues.peek("ticketing")
    assert json.loads(message.body)["Message"] == FINDING and message.attributes["severity"] == "high"


async def test_unsubscribed_endpoints_get_nothing_more(parts: Notifications) -> None:
    service = parts.service
    await service.create_topic("findings")
    subscription = await service.subscribe("findings", "in_app", "ann")
    await service.publish("findings", "s", FINDING)
    await service.unsubscribe(subscription.id)
    await parts.deliveries.drain()
    assert await service.store.inbox("ann") == [] and parts.deliveries.counts["unsubscribed"] == 1


def test_backoff_functions_go_from_the_minimum_to_the_maximum_delay() -> None:
    for backoff in ("linear", "arithmetic", "geometric", "exponential"):
        policy = DeliveryPolicy(num_retries=5, min_delay=1, max_delay=60, backoff=backoff)
        delays = [policy.delay(retry) for retry in range(1, 6)]
        assert delays[0] == pytest.approx(1) and delays[-1] == pytest.approx(60)
        assert delays == sorted(delays), backoff
    linear = DeliveryPolicy(num_retries=3, min_delay=10, max_delay=30, backoff="linear")
    assert [linear.delay(r) for r in (1, 2, 3)] == [10, 20, 30]


@pytest.mark.parametrize("token", ["payload.mäc", "päyload.mac", "only-a-payload", "."])
def test_a_forged_link_token_is_refused_whatever_its_characters(token: str) -> None:
    with pytest.raises(InvalidLinkError):
        LinkSigner("s" * 40).read("confirm", token, now=0.0)

"""One delivery attempt: backoff timing, retry limits, event age and the dead-letter queue, with fakes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from hexad.errors import TargetDeliveryError
from hexad.ports.bus import Delivery, RetryPolicy, Target
from hexad.runtime.bus.delivery import RetryTiming, attempt_delivery
from hexad.runtime.events import Event


class FakeQueues:
    """Records sends; can be told to refuse them."""

    def __init__(self, refuse: bool = False) -> None:
        self.sent: list[tuple[str, str, Mapping[str, str]]] = []
        self.refuse = refuse

    async def ensure_queue(
        self, name: str, *, fifo: bool = False, dead_letter_queue: str | None = None, **settings: Any
    ) -> Any:
        return None

    async def send(
        self, queue: str, body: str, *, attributes: Mapping[str, str] | None = None, **_: Any
    ) -> str:
        if self.refuse:
            raise ConnectionError("queue store unavailable")
        self.sent.append((queue, body, dict(attributes or {})))
        return "m1"


def delivery(attempts: int = 0, received_at: float = 1000.0, **target: Any) -> Delivery:
    event = Event(source="s", detail_type="t", detail={"k": 1})
    return Delivery(
        "default",
        "r",
        Target("t1", "callable", "fn", **target),
        event,
        received_at,
        received_at,
        attempts,
        id=7,
    )


def failing(exc: Exception) -> Any:
    async def handler(delivery: Delivery, payload: str) -> None:
        raise exc

    return handler


async def succeeding(delivery: Delivery, payload: str) -> None:
    return None


def test_backoff_doubles_up_to_the_cap() -> None:
    timing = RetryTiming(base_seconds=1.0, cap_seconds=300.0)
    assert [timing.delay(n) for n in (1, 2, 3, 4, 9, 10, 50)] == [1, 2, 4, 8, 256, 300, 300]


async def test_success_is_settled_as_delivered() -> None:
    attempt = await attempt_delivery(delivery(), {"callable": succeeding}, None, 1000.0, RetryTiming())
    assert attempt.counter == "delivered" and attempt.settlement.outcome == "delivered"
    assert attempt.settlement.delivery_id == 7


async def test_a_failure_is_retried_after_the_backoff() -> None:
    attempt = await attempt_delivery(
        delivery(attempts=2), {"callable": failing(OSError("down"))}, None, 1010.0, RetryTiming()
    )
    assert attempt.counter == "retried"
    assert attempt.settlement.due_at == 1010.0 + 4.0
    assert attempt.settlement.error == "OSError: down"


async def test_the_last_retry_goes_to_the_dead_letter_queue() -> None:
    queues = FakeQueues()
    item = delivery(attempts=3, retry_policy=RetryPolicy(maximum_retry_attempts=3), dead_letter_queue="dlq")
    attempt = await attempt_delivery(
        item, {"callable": failing(OSError("down"))}, queues, 1010.0, RetryTiming()
    )
    assert attempt.counter == "dead_lettered"
    [(queue, body, attributes)] = queues.sent
    assert queue == "dlq" and '"k":1' in body
    assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"
    assert attributes["RETRY_ATTEMPTS"] == "3"
    assert attributes["ERROR_CODE"] == "OSError"


async def test_a_retry_that_would_pass_the_maximum_age_gives_up_now() -> None:
    item = delivery(attempts=5, received_at=0.0, retry_policy=RetryPolicy(maximum_event_age_seconds=100))
    attempt = await attempt_delivery(item, {"callable": failing(OSError("down"))}, None, 90.0, RetryTiming())
    assert attempt.counter == "failed"
    assert attempt.settlement.error and attempt.settlement.error.startswith("MaximumEventAgeInSeconds")


async def test_an_event_already_too_old_is_not_attempted() -> None:
    called: list[str] = []

    async def handler(delivery: Delivery, payload: str) -> None:
        called.append(payload)

    item = delivery(
        received_at=0.0, retry_policy=RetryPolicy(maximum_event_age_seconds=60), dead_letter_queue="dlq"
    )
    queues = FakeQueues()
    attempt = await attempt_delivery(item, {"callable": handler}, queues, 61.0, RetryTiming())
    assert called == [] and attempt.counter == "dead_lettered"
    assert queues.sent[0][2]["EXHAUSTED_RETRY_CONDITION"] == "MaximumEventAgeInSeconds"


async def test_a_non_retryable_error_skips_the_retries() -> None:
    error = TargetDeliveryError("HTTP 400", retryable=False, code="HTTP400")
    attempt = await attempt_delivery(delivery(), {"callable": failing(error)}, None, 1000.0, RetryTiming())
    assert attempt.counter == "failed"


async def test_when_the_dead_letter_queue_refuses_the_delivery_is_kept_as_failed() -> None:
    item = delivery(retry_policy=RetryPolicy(maximum_retry_attempts=0), dead_letter_queue="dlq")
    attempt = await attempt_delivery(
        item, {"callable": failing(OSError("down"))}, FakeQueues(refuse=True), 1000.0, RetryTiming()
    )
    assert attempt.counter == "failed"
    assert attempt.settlement.error and "dead-letter queue 'dlq' refused it" in attempt.settlement.error


@pytest.mark.parametrize("kind", ["workflow", "mailbox"])
async def test_a_kind_without_handler_is_retried(kind: str) -> None:
    item = delivery()
    item = Delivery(item.bus, item.rule, Target("t", kind, "x"), item.event, item.received_at, item.due_at)  # type: ignore[arg-type]
    attempt = await attempt_delivery(item, {}, None, 1000.0, RetryTiming())
    assert attempt.counter == "retried"
    assert attempt.settlement.error and "no handler" in attempt.settlement.error

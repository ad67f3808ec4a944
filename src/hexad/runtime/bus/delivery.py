"""One delivery attempt and what follows it: done, retry with backoff, dead-letter queue, or failed.

The retry policy is EventBridge's: a target is retried with exponential backoff until it has had
`maximum_retry_attempts` retries or the event is older than `maximum_event_age_seconds`; then the
event goes to the target's dead-letter queue with the error in the message attributes
EventBridge uses (`ERROR_CODE`, `ERROR_MESSAGE`, `EXHAUSTED_RETRY_CONDITION`, `RETRY_ATTEMPTS`,
`RULE_ARN`, `TARGET_ARN`). Without a dead-letter queue, or when the dead-letter queue cannot take
it either, the delivery stays in the outbox marked failed and is counted: nothing is dropped
silently. Every exception a target raises is caught here, so one bad target never stops the loop.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from hexad.errors import TargetDeliveryError
from hexad.ports.bus import Delivery, Settlement
from hexad.runtime.bus.targets import QueueSender, TargetHandler
from hexad.runtime.bus.transform import rule_arn, target_input

__all__ = ["Attempt", "RetryTiming", "attempt_delivery"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryTiming:
    """Exponential backoff: `base * 2**(attempt - 1)` seconds, at most `cap`."""

    base_seconds: float = 1.0
    cap_seconds: float = 300.0

    def delay(self, attempts: int) -> float:
        """The wait before the next attempt after `attempts` failed ones."""
        return float(min(self.cap_seconds, self.base_seconds * 2.0 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class Attempt:
    """The settlement of one claimed delivery and the counter it moves."""

    settlement: Settlement
    counter: str


async def attempt_delivery(
    delivery: Delivery,
    handlers: Mapping[str, TargetHandler],
    queues: QueueSender | None,
    now: float,
    timing: RetryTiming,
) -> Attempt:
    """Try the target once (unless the event is already too old) and decide what happens next."""
    policy = delivery.target.retry_policy
    if now - delivery.received_at >= policy.maximum_event_age_seconds:
        error = TargetDeliveryError(
            "the event is older than the target's maximum event age", code="EventTooOld"
        )
        return await _give_up(delivery, error, "MaximumEventAgeInSeconds", queues)
    try:
        await _deliver(delivery, handlers)
    except Exception as exc:  # isolate targets: any failure is retried or dead-lettered, never raised
        return await _after_failure(delivery, exc, queues, now, timing)
    return Attempt(Settlement(delivery.id, "delivered"), "delivered")


async def _deliver(delivery: Delivery, handlers: Mapping[str, TargetHandler]) -> None:
    handler = handlers.get(delivery.target.kind)
    if handler is None:
        raise TargetDeliveryError(
            f"no handler for {delivery.target.kind!r} targets is registered in this process",
            code="NoTargetHandler",
        )
    target = delivery.target
    try:
        if target.input is None and target.input_path is None and target.input_transformer is None:
            payload = delivery.event.to_json()
        else:
            payload = target_input(
                target,
                delivery.event.to_dict(),
                bus=delivery.bus,
                rule=delivery.rule,
                received_at=delivery.received_at,
            )
    except Exception as exc:
        raise TargetDeliveryError(f"cannot build the target's input: {exc}", retryable=False) from exc
    await handler(delivery, payload)


async def _after_failure(
    delivery: Delivery, exc: Exception, queues: QueueSender | None, now: float, timing: RetryTiming
) -> Attempt:
    policy = delivery.target.retry_policy
    retryable = not isinstance(exc, TargetDeliveryError) or exc.retryable
    if not retryable:
        return await _give_up(delivery, exc, "NonRetryableError", queues)
    if delivery.attempts >= policy.maximum_retry_attempts:
        return await _give_up(delivery, exc, "MaximumRetryAttempts", queues)
    due = now + timing.delay(delivery.attempts + 1)
    if due - delivery.received_at >= policy.maximum_event_age_seconds:
        return await _give_up(delivery, exc, "MaximumEventAgeInSeconds", queues)
    _log.info("bus %s rule %s target %s: attempt %d failed (%s); retrying", *_names(delivery), exc)
    return Attempt(Settlement(delivery.id, "retry", due_at=due, error=_describe(exc)), "retried")


def _names(delivery: Delivery) -> tuple[str, str, str, int]:
    return delivery.bus, delivery.rule, delivery.target.id, delivery.attempts + 1


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _code(exc: BaseException) -> str:
    return exc.code if isinstance(exc, TargetDeliveryError) else type(exc).__name__


async def _give_up(
    delivery: Delivery, exc: BaseException, condition: str, queues: QueueSender | None
) -> Attempt:
    target = delivery.target
    error = _describe(exc)
    if target.dead_letter_queue and queues is not None:
        try:
            await queues.ensure_queue(target.dead_letter_queue)
            await queues.send(
                target.dead_letter_queue,
                delivery.event.to_json(),
                attributes=_dead_letter_attributes(delivery, exc, condition),
            )
        except Exception as dlq_exc:  # the DLQ is down too: keep the delivery as failed in the outbox
            error = (
                f"{error}; dead-letter queue {target.dead_letter_queue!r} refused it: {_describe(dlq_exc)}"
            )
        else:
            _log.warning(
                "bus %s rule %s target %s: gave up after %d attempts (%s); dead-lettered",
                *_names(delivery),
                error,
            )
            return Attempt(Settlement(delivery.id, "dead_lettered", error=error), "dead_lettered")
    _log.error("bus %s rule %s target %s: gave up after %d attempts: %s", *_names(delivery), error)
    return Attempt(Settlement(delivery.id, "failed", error=f"{condition}: {error}"), "failed")


def _dead_letter_attributes(delivery: Delivery, exc: BaseException, condition: str) -> dict[str, str]:
    return {
        "ERROR_CODE": _code(exc),
        "ERROR_MESSAGE": str(exc)[:1000],
        "EXHAUSTED_RETRY_CONDITION": condition,
        "RETRY_ATTEMPTS": str(delivery.attempts),
        "RULE_ARN": rule_arn(delivery.bus, delivery.rule),
        "TARGET_ARN": f"{delivery.target.kind}:{delivery.target.destination}",
        "TARGET_ID": delivery.target.id,
        "EVENT_ID": delivery.event.id,
    }

"""One trace span per durable message an actor handles, joined to the event's W3C trace context.

Events carry `traceparent` (and optionally `tracestate`) at the top level of the envelope; a queue
message may also carry them as attributes. The span is a child of that context, so one trace follows
an event from its publisher to every actor that handled it. With no OpenTelemetry SDK configured the
API's no-op tracer makes this nearly free.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from hexad.ports.queue import Message

__all__ = ["message_span", "trace_carrier"]

_tracer = trace.get_tracer("hexad.runtime.actors")
_propagator = TraceContextTextMapPropagator()


def trace_carrier(message: Message) -> dict[str, str]:
    """The W3C trace headers of `message`: its attributes first, else the envelope's top level."""
    carrier = {k: v for k, v in message.attributes.items() if k in ("traceparent", "tracestate")}
    if "traceparent" in carrier or not message.body.startswith("{"):
        return carrier
    try:
        envelope: Any = json.loads(message.body)
    except ValueError:
        return carrier
    if isinstance(envelope, Mapping):
        for name in ("traceparent", "tracestate"):
            value = envelope.get(name)
            if isinstance(value, str):
                carrier[name] = value
    return carrier


@contextmanager
def message_span(
    actor_path: str, queue: str, message: Message, tracer: Tracer | None = None
) -> Iterator[Span]:
    """A consumer span around handling `message`; an exception marks it as an error and propagates."""
    parent = _propagator.extract(trace_carrier(message))
    attributes: dict[str, str | int] = {
        "messaging.system": "hexad",
        "messaging.destination.name": queue,
        "messaging.message.id": message.message_id,
        "messaging.delivery_count": message.receive_count,
        "hexad.actor.path": actor_path,
    }
    with (tracer or _tracer).start_as_current_span(
        f"{queue} process",
        context=parent,
        kind=SpanKind.CONSUMER,
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        try:
            yield span
        except Exception as error:
            span.record_exception(error)
            span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
            raise

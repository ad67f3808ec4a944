"""HTTP metrics and server spans per request, labelled by route template (never the raw path).

Labelling by template (`/api/v1/clients/{client_id}`) keeps the metric's cardinality fixed however
many ids clients ask for; a request no route matched counts as `<unmatched>`. Pure ASGI, so the
cost per request is one timer, one span and two metric updates.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from opentelemetry.propagate import extract
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, TracerProvider, use_span
from prometheus_client import Counter, Histogram

__all__ = ["REQUESTS", "REQUEST_SECONDS", "ObserveRequests"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

REQUESTS = Counter(
    "hexad_http_requests", "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)  # fmt: skip
REQUEST_SECONDS = Histogram(
    "hexad_http_request_duration_seconds", "Time to answer an HTTP request, by method and route template",
    ["method", "route"], buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)  # fmt: skip
_UNMATCHED = "<unmatched>"


def _template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else _UNMATCHED


def _carrier(scope: Scope) -> dict[str, str]:
    return {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in scope.get("headers", [])
        if name in (b"traceparent", b"tracestate")
    }


def _finish(span: Span, method: str, route: str, path: str, status: int) -> None:
    if span.is_recording():
        span.update_name(f"{method} {route}")
        span.set_attributes({"http.request.method": method, "http.route": route, "url.path": path,
                             "http.response.status_code": status})  # fmt: skip
        if status >= 500:
            span.set_status(Status(StatusCode.ERROR))
    span.end()


class ObserveRequests:
    """Counts and times every HTTP request and wraps it in a server span joined to `traceparent`."""

    def __init__(self, app: ASGIApp, provider: TracerProvider) -> None:
        self._app = app
        self._tracer = provider.get_tracer("hexad.api")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        method, status = scope["method"], 500
        started = time.perf_counter()

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        span = self._tracer.start_span(method, kind=SpanKind.SERVER, context=extract(_carrier(scope)))
        context = span.get_span_context()
        if context.is_valid:  # for the error handler, which runs after this span has ended
            scope.setdefault("state", {})["trace_id"] = format(context.trace_id, "032x")
        try:
            with use_span(span, end_on_exit=False, record_exception=True, set_status_on_exception=True):
                await self._app(scope, receive, recording_send)
        finally:
            route = _template(scope)
            _finish(span, method, route, str(scope.get("path", "")), status)
            REQUESTS.labels(method, route, str(status)).inc()
            REQUEST_SECONDS.labels(method, route).observe(time.perf_counter() - started)

"""Request metrics by route template, server spans (in memory and over OTLP), readiness, CORS, 500s."""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
import sqlalchemy as sa
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from hexad.api.app import create_app
from hexad.api.settings import ApiSettings
from hexad.config import load_settings
from hexad.observability.tracing import tracer_provider
from hexad.runtime.clock import ManualClock

PARENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{PARENT_TRACE}-00f067aa0ba902b7-01"


def _app(provider: TracerProvider | None = None, origins: str = "") -> FastAPI:
    settings = ApiSettings(cors_origins=origins)
    app = create_app(load_settings(), clock=ManualClock(), api_settings=settings, tracer_provider=provider)
    extra = APIRouter()  # ahead of the dashboard's catch-all GET route

    @extra.get("/api/v1/boom")
    async def boom() -> None:
        raise RuntimeError("secret detail that must not leak")

    app.router.routes[:0] = extra.routes
    return app


def _admin(app: FastAPI) -> dict[str, str]:
    return {"Authorization": f"Bearer {app.state.tokens.issue('u-1', ['admin'])}"}


def _sample(metrics: str, prefix: str) -> float:
    lines = [line for line in metrics.splitlines() if line.startswith(prefix)]
    return float(lines[0].rsplit(" ", 1)[1]) if lines else 0.0


def test_metrics_count_and_time_requests_by_route_template() -> None:
    app = _app()
    client = TestClient(app)
    labels = 'method="GET",route="/api/v1/findings/{finding_id}",status="404"'
    before = _sample(client.get("/metrics").text, f"hexad_http_requests_total{{{labels}}}")
    for finding in ("f-1", "f-2", "f-3"):
        assert client.get(f"/api/v1/findings/{finding}", headers=_admin(app)).status_code == 404
    metrics = client.get("/metrics").text
    assert _sample(metrics, f"hexad_http_requests_total{{{labels}}}") == before + 3
    assert "f-1" not in metrics
    timed = 'hexad_http_request_duration_seconds_count{method="GET",route="/api/v1/findings/{finding_id}"}'
    assert _sample(metrics, timed) >= 3
    assert client.get("/api/v1/nothing-here").status_code == 404
    assert 'route="<unmatched>"' in client.get("/metrics").text


def test_each_request_is_a_server_span_joined_to_the_callers_trace() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = _app(provider)
    client = TestClient(app, raise_server_exceptions=False)
    client.get("/api/v1/findings", headers={**_admin(app), "traceparent": TRACEPARENT})
    (span,) = [s for s in exporter.get_finished_spans() if s.name == "GET /api/v1/findings"]
    assert format(span.context.trace_id, "032x") == PARENT_TRACE
    assert span.attributes is not None and span.attributes["http.response.status_code"] == 200
    crashed = client.get("/api/v1/boom", headers=_admin(app))
    assert crashed.status_code == 500 and "secret" not in crashed.text
    (failed,) = [s for s in exporter.get_finished_spans() if s.name == "GET /api/v1/boom"]
    assert crashed.json()["trace_id"] == format(failed.context.trace_id, "032x")


class _Collector(BaseHTTPRequestHandler):
    received: ClassVar[list[ExportTraceServiceRequest]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        self.received.append(request)
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def collector(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[ExportTraceServiceRequest]]:
    _Collector.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
    yield _Collector.received
    server.shutdown()
    server.server_close()


def test_spans_are_exported_by_otlp_when_an_endpoint_is_set(
    collector: list[ExportTraceServiceRequest],
) -> None:
    provider = tracer_provider("hexad-api-test")
    app = _app(provider)
    TestClient(app).get("/api/v1/findings", headers={**_admin(app), "traceparent": TRACEPARENT})
    assert provider.force_flush(10_000)
    provider.shutdown()
    spans = [(resource, span) for request in collector for resource in request.resource_spans
             for scope in resource.scope_spans for span in scope.spans]  # fmt: skip
    names = {span.name for _, span in spans}
    assert "GET /api/v1/findings" in names
    resource = spans[0][0].resource
    service = [a.value.string_value for a in resource.attributes if a.key == "service.name"]
    assert service == ["hexad-api-test"]
    assert {span.trace_id.hex() for _, span in spans} == {PARENT_TRACE}


def test_without_an_endpoint_nothing_is_recorded_but_trace_ids_exist(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    provider = tracer_provider("hexad-api-test")
    span = provider.get_tracer("t").start_span("x")
    assert not span.is_recording() and span.get_span_context().is_valid


def test_readiness_checks_the_database() -> None:
    app = _app()
    client = TestClient(app)
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    app.state.engine = sa.create_engine("sqlite:////nonexistent-dir/none.db")
    down = client.get("/readyz")
    assert down.status_code == 503 and "does not answer" in down.json()["detail"]


def test_cors_allows_only_the_configured_origins() -> None:
    client = TestClient(_app(origins="https://ops.msp.example, https://noc.msp.example"))
    preflight = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}
    allowed = client.options("/api/v1/findings", headers={"Origin": "https://noc.msp.example", **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://noc.msp.example"
    refused = client.options("/api/v1/findings", headers={"Origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in refused.headers
    assert "access-control-allow-origin" not in TestClient(_app()).get("/healthz").headers

"""OpenTelemetry traces: exported by OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.

Without an endpoint Hexad still installs a tracer provider that samples nothing: spans then cost
almost nothing, yet every request gets a valid trace id for its logs and error documents. The
exporter reads the standard `OTEL_EXPORTER_OTLP_*` variables (endpoint, headers, timeout), so an
operator configures it the way every OpenTelemetry SDK is configured.
"""

from __future__ import annotations

import os
import threading

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased

from hexad import __version__

__all__ = ["configure_tracing", "exporting", "tracer_provider"]

_ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
_lock = threading.Lock()
_configured: TracerProvider | None = None


def exporting() -> bool:
    """Whether an OTLP endpoint is configured."""
    return any(os.environ.get(name, "").strip() for name in _ENDPOINT_VARIABLES)


def tracer_provider(service: str) -> TracerProvider:
    """A new provider for `service`: exporting by OTLP when configured, else sampling nothing."""
    resource = Resource.create({"service.name": service, "service.version": __version__})
    if not exporting():
        return TracerProvider(resource=resource, sampler=ParentBased(ALWAYS_OFF))
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def configure_tracing(service: str = "hexad") -> TracerProvider:
    """The process-wide provider, installed once (OpenTelemetry allows one global provider)."""
    global _configured
    with _lock:
        if _configured is None:
            _configured = tracer_provider(service)
            trace.set_tracer_provider(_configured)
        return _configured

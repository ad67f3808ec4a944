"""Structured logs: one JSON object per line with the trace id, when `HEXAD_LOG_FORMAT=json`.

A log line that carries the current OpenTelemetry trace and span ids can be joined to the request's
trace and to the `trace_id` a 500 problem document shows. Fields a caller passes with `extra=` are
kept; nothing else about the request (bodies, headers, tokens) is ever added here.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from typing import Any, Literal

from opentelemetry import trace

__all__ = ["JsonFormatter", "LogFormat", "configure_logging", "current_trace_id", "log_format"]

LogFormat = Literal["text", "json"]
_TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def current_trace_id() -> str | None:
    """The current span's trace id as 32 hex digits, or None outside a trace."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON: time, level, logger, message, trace ids, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            entry["trace_id"] = format(context.trace_id, "032x")
            entry["span_id"] = format(context.span_id, "016x")
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def log_format() -> LogFormat:
    """`HEXAD_LOG_FORMAT` (text | json); anything else is a clear error at start-up."""
    value = os.environ.get("HEXAD_LOG_FORMAT", "text").strip().lower() or "text"
    if value not in ("text", "json"):
        raise ValueError(f"HEXAD_LOG_FORMAT: expected text or json, got {value!r}")
    return "json" if value == "json" else "text"


def configure_logging(level: str = "INFO", fmt: LogFormat | None = None) -> None:
    """Send the root logger (and the server's own loggers) through one handler in the chosen format."""
    chosen = fmt or log_format()
    formatter = JsonFormatter() if chosen == "json" else logging.Formatter(_TEXT)
    root = logging.getLogger()
    root.setLevel(level)
    handler = next((h for h in root.handlers if getattr(h, "_hexad", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler._hexad = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    handler.setFormatter(formatter)
    for name in _SERVER_LOGGERS:
        for server_handler in logging.getLogger(name).handlers:
            server_handler.setFormatter(formatter)

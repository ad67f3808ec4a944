"""JSON logs carry the trace id and extras; the format comes from HEXAD_LOG_FORMAT."""

import json
import logging

import pytest
from opentelemetry.sdk.trace import TracerProvider

from hexad.observability.logs import JsonFormatter, configure_logging, current_trace_id, log_format


def _record(message: str, **extra: object) -> logging.LogRecord:
    record = logging.getLogger("hexad.test").makeRecord("hexad.test", logging.WARNING, __file__, 1, message,
                                                        (), None, extra=extra)  # fmt: skip
    return record


def test_a_record_is_one_json_line_with_the_trace_id() -> None:
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("request") as span:
        line = JsonFormatter().format(_record("queue %s is deep", task_id="t-1"))
        trace_id = current_trace_id()
    entry = json.loads(line)
    assert entry["message"] == "queue %s is deep" and entry["level"] == "WARNING"
    assert entry["trace_id"] == format(span.get_span_context().trace_id, "032x") == trace_id
    assert entry["task_id"] == "t-1" and "\n" not in line
    assert "trace_id" not in json.loads(JsonFormatter().format(_record("outside")))
    assert current_trace_id() is None


def test_exceptions_are_kept_in_the_entry() -> None:
    try:
        raise ValueError("bad row")
    except ValueError:
        record = logging.getLogger("x").makeRecord("x", logging.ERROR, __file__, 1, "failed", (), None)
        import sys

        record.exc_info = sys.exc_info()
    assert "ValueError: bad row" in json.loads(JsonFormatter().format(record))["exception"]


def test_the_format_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEXAD_LOG_FORMAT", "JSON")
    assert log_format() == "json"
    monkeypatch.setenv("HEXAD_LOG_FORMAT", "yaml")
    with pytest.raises(ValueError, match="HEXAD_LOG_FORMAT"):
        log_format()
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    try:
        configure_logging("INFO", "json")
        configure_logging("INFO", "json")
        ours = [h for h in root.handlers if getattr(h, "_hexad", False)]
        assert len(ours) == 1 and isinstance(ours[0].formatter, JsonFormatter)
    finally:
        root.handlers[:] = before
        root.setLevel(level)

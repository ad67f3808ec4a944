"""The event envelope and PutEvents entry validation."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from opentelemetry.sdk.trace import TracerProvider

from hexad.runtime.events import MAX_ENTRY_BYTES, EntryError, Event, entry_bus, format_time, read_entry

NOW = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)


def test_the_envelope_has_eventbridge_keys_and_the_hexad_trace_field() -> None:
    event = Event(source="hexad.cpi", detail_type="client.churn.risk", detail={"client": "acme"}, time=NOW)
    envelope = event.to_dict()
    keys = "version id detail-type source account time region resources detail traceparent"
    assert list(envelope) == keys.split()
    assert envelope["time"] == "2026-03-02T09:30:15Z"
    assert "traceparent" not in envelope["detail"]
    assert Event.from_json(event.to_json()) == replace(event, time=NOW.replace(microsecond=0))


def test_a_replayed_event_carries_its_replay_name() -> None:
    event = Event(source="s", detail_type="t", detail={}).replayed("replay-1")
    assert event.to_dict()["replay-name"] == "replay-1"
    assert Event.from_dict(event.to_dict()).replay_name == "replay-1"


def test_read_entry_fills_id_time_and_trace() -> None:
    event = read_entry(
        {"Source": "hexad.sli", "DetailType": "license.savings.found", "Detail": '{"a": 1}'}, NOW
    )
    assert isinstance(event, Event)
    assert event.time == NOW.replace(microsecond=0)
    assert len(event.id) == 36
    assert event.detail == {"a": 1}
    assert event.traceparent.startswith("00-") and event.traceparent.endswith("-01")


def test_the_traceparent_comes_from_the_current_span() -> None:
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("publish") as span:
        event = read_entry({"Source": "s", "DetailType": "t", "Detail": {}}, NOW)
        context = span.get_span_context()
    assert isinstance(event, Event)
    assert (
        event.traceparent
        == f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"
    )


def test_an_xray_trace_header_becomes_a_traceparent() -> None:
    header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    event = read_entry({"Source": "s", "DetailType": "t", "Detail": {}, "TraceHeader": header}, NOW)
    assert isinstance(event, Event)
    assert event.traceparent == "00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01"


def test_a_detail_that_is_not_json_is_refused_not_converted() -> None:
    outcome = read_entry({"Source": "s", "DetailType": "t", "Detail": {"amount": Decimal("12.50")}}, NOW)
    assert isinstance(outcome, EntryError)
    assert outcome.code == "MalformedDetail" and "Decimal" in outcome.message
    nan = read_entry({"Source": "s", "DetailType": "t", "Detail": {"x": float("nan")}}, NOW)
    assert isinstance(nan, EntryError) and nan.code == "MalformedDetail"


def test_detail_may_be_a_dict_or_json_text() -> None:
    assert isinstance(read_entry({"source": "s", "detail-type": "t", "detail": {"x": [1]}}, NOW), Event)
    outcome = read_entry({"source": "s", "detail-type": "t", "detail": "null"}, NOW)
    assert isinstance(outcome, EntryError) and outcome.code == "MalformedDetail"


def test_the_size_limit_counts_source_detail_type_detail_and_resources() -> None:
    base = {"Source": "s", "DetailType": "t", "Resources": ["r" * 10]}
    overhead = 14 + 1 + 1 + 10 + len('{"b":""}')
    fits = read_entry({**base, "Detail": json.dumps({"b": "x" * (MAX_ENTRY_BYTES - overhead)})}, NOW)
    assert isinstance(fits, Event)
    too_big = read_entry({**base, "Detail": json.dumps({"b": "x" * (MAX_ENTRY_BYTES - overhead + 1)})}, NOW)
    assert isinstance(too_big, EntryError)
    assert too_big.code == "InvalidArgument" and str(MAX_ENTRY_BYTES + 1) in too_big.message


def test_multibyte_characters_count_as_their_utf8_bytes() -> None:
    detail = json.dumps({"b": "é" * (MAX_ENTRY_BYTES // 2)}, ensure_ascii=False)
    outcome = read_entry({"Source": "s", "DetailType": "t", "Detail": detail}, NOW)
    assert isinstance(outcome, EntryError)


def test_entry_bus_reads_event_bus_name() -> None:
    assert entry_bus({"EventBusName": "ops"}, "default") == "ops"
    assert entry_bus({}, "default") == "default"
    assert entry_bus(Event(source="s", detail_type="t", detail={}), "default") == "default"


def test_format_time_converts_to_utc() -> None:
    moment = datetime.fromisoformat("2026-03-02T10:00:00+01:00")
    assert format_time(moment) == "2026-03-02T09:00:00Z"

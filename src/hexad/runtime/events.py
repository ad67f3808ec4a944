"""The event envelope every Hexad component publishes and receives: EventBridge's own.

`Event` holds `version, id, detail-type, source, account, time, region, resources, detail` exactly
as EventBridge delivers them, so rules written for EventBridge match unchanged, plus two Hexad-owned
fields kept out of `detail`: `traceparent` (W3C trace context, taken from the entry, else from the
current OpenTelemetry span, else a new trace) and `replay-name` (set only on replayed events).

`read_entry` validates one PutEvents entry the way PutEvents does and returns either an `Event` or
an `EntryError` with PutEvents' error code and a message naming the field, so a batch with one bad
entry still stores the others.
"""

from __future__ import annotations

import json
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from opentelemetry import trace

__all__ = [
    "MAX_ENTRY_BYTES",
    "EntryError",
    "Event",
    "entry_bus",
    "format_time",
    "new_traceparent",
    "parse_time",
    "read_entry",
]

MAX_ENTRY_BYTES = 256 * 1024
_TRACEPARENT = re.compile(r"^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$")
_XRAY = re.compile(
    r"^Root=1-(?P<epoch>[0-9a-f]{8})-(?P<unique>[0-9a-f]{24})"
    r"(?:;Parent=(?P<parent>[0-9a-f]{16}))?(?:;Sampled=(?P<sampled>[01?]))?"
)
_TIME_BYTES = 14  # PutEvents counts the Time field as 14 bytes when sizing an entry


def format_time(moment: datetime) -> str:
    """EventBridge's time format: UTC, whole seconds, a trailing `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """Read an ISO 8601 time (a `Z` suffix allowed); naive times are UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def new_traceparent() -> str:
    """The current OpenTelemetry span's context as a W3C traceparent, or a fresh sampled trace."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        return f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


@dataclass(frozen=True)
class Event:
    """One event. `to_dict` gives the envelope exactly as rules and targets see it.

    Events are values: `detail` must not be changed once the event is built (`to_json` is cached).
    """

    source: str
    detail_type: str
    detail: Mapping[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    resources: tuple[str, ...] = ()
    account: str = "000000000000"
    region: str = "local"
    version: str = "0"
    traceparent: str = field(default_factory=new_traceparent)
    replay_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The envelope (`detail-type`, `replay-name` spelled as EventBridge spells them)."""
        data: dict[str, Any] = {
            "version": self.version,
            "id": self.id,
            "detail-type": self.detail_type,
            "source": self.source,
            "account": self.account,
            "time": format_time(self.time),
            "region": self.region,
            "resources": list(self.resources),
            "detail": dict(self.detail),
            "traceparent": self.traceparent,
        }
        if self.replay_name is not None:
            data["replay-name"] = self.replay_name
        return data

    def to_json(self) -> str:
        """The envelope as compact JSON, the form stores and queue targets receive (computed once)."""
        return self._json

    @cached_property
    def _json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Event:
        """Read an envelope written by `to_dict`."""
        return cls(
            source=data["source"],
            detail_type=data["detail-type"],
            detail=data.get("detail") or {},
            id=data["id"],
            time=parse_time(data["time"]),
            resources=tuple(data.get("resources") or ()),
            account=data.get("account", "000000000000"),
            region=data.get("region", "local"),
            version=data.get("version", "0"),
            traceparent=data.get("traceparent") or new_traceparent(),
            replay_name=data.get("replay-name"),
        )

    @classmethod
    def from_json(cls, text: str) -> Event:
        """Read an envelope written by `to_json`."""
        return cls.from_dict(json.loads(text))

    def replayed(self, replay_name: str) -> Event:
        """This event marked as re-delivered by the replay `replay_name`."""
        return replace(self, replay_name=replay_name)


@dataclass(frozen=True)
class EntryError:
    """Why PutEvents refused one entry: `InvalidArgument` or `MalformedDetail`, as EventBridge says."""

    code: str
    message: str


_ENTRY_KEYS = {
    "source": ("Source", "source"),
    "detail_type": ("DetailType", "detail-type"),
    "detail": ("Detail", "detail"),
    "resources": ("Resources", "resources"),
    "time": ("Time", "time"),
    "bus": ("EventBusName", "event-bus-name"),
    "trace": ("TraceHeader", "traceparent"),
    "id": ("Id", "id"),
}


def _get(entry: Mapping[str, Any], key: str) -> Any:
    for name in _ENTRY_KEYS[key]:
        if name in entry:
            return entry[name]
    return None


def _invalid(name: str, reason: str) -> EntryError:
    return EntryError("InvalidArgument", f"Parameter {name} is not valid. Reason: {reason}")


def _text_field(entry: Mapping[str, Any], key: str, name: str) -> str | EntryError:
    value = _get(entry, key)
    if value is None or value == "":
        return _invalid(name, f"{name} is a required argument.")
    if not isinstance(value, str):
        return _invalid(name, f"expected a string, got {type(value).__name__}.")
    return value


def _detail(entry: Mapping[str, Any]) -> dict[str, Any] | EntryError:
    value = _get(entry, "detail")
    if value is None or value == "":
        return _invalid("Detail", "Detail is a required argument.")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            return EntryError("MalformedDetail", f"Detail is malformed: not JSON ({exc}).")
    if not isinstance(value, dict):
        return EntryError(
            "MalformedDetail", f"Detail is malformed: expected a JSON object, got {value!r:.80}."
        )
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        return EntryError(
            "MalformedDetail",
            f"Detail is malformed: {exc}; give Decimal, datetime and such as JSON strings or numbers.",
        )
    return value


def _resources(entry: Mapping[str, Any]) -> tuple[str, ...] | EntryError:
    value = _get(entry, "resources")
    if value is None:
        return ()
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        return _invalid("Resources", "expected a list of strings.")
    return tuple(value)


def _time(entry: Mapping[str, Any], now: datetime) -> datetime | EntryError:
    value = _get(entry, "time")
    if value is None:
        return now.replace(microsecond=0)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        return parse_time(str(value))
    except ValueError:
        return _invalid("Time", f"expected an ISO 8601 time, got {value!r}.")


def _from_xray(header: str) -> str | None:
    """An X-Ray trace header (`Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=1`) as a traceparent."""
    found = _XRAY.match(header)
    if found is None:
        return None
    parent = found.group("parent") or secrets.token_hex(8)
    flags = "00" if found.group("sampled") == "0" else "01"
    return f"00-{found.group('epoch')}{found.group('unique')}-{parent}-{flags}"


def _traceparent(entry: Mapping[str, Any]) -> str | EntryError:
    value = _get(entry, "trace")
    if value is None:
        return new_traceparent()
    if isinstance(value, str) and value.startswith("Root="):
        value = _from_xray(value) or value
    if not isinstance(value, str) or not _TRACEPARENT.match(value):
        return _invalid(
            "TraceHeader",
            f"expected a W3C traceparent 00-<32 hex>-<16 hex>-<2 hex> or an X-Ray Root=1-... header, "
            f"got {value!r}.",
        )
    return value


def _size(source: str, detail_type: str, detail: Mapping[str, Any], resources: tuple[str, ...]) -> int:
    encoded = json.dumps(detail, separators=(",", ":"), ensure_ascii=False).encode()
    parts = (source, detail_type, *resources)
    return _TIME_BYTES + len(encoded) + sum(len(part.encode()) for part in parts)


def entry_bus(entry: Mapping[str, Any] | Event, default: str) -> str:
    """The bus an entry names (`EventBusName`), else `default`."""
    if isinstance(entry, Event) or not isinstance(entry, Mapping):
        return default
    value = _get(entry, "bus")
    return value if isinstance(value, str) and value else default


def read_entry(entry: Mapping[str, Any] | Event, now: datetime) -> Event | EntryError:
    """Validate one PutEvents entry (PutEvents or envelope keys) and build its `Event`.

    `now` fills in `time` when the entry has none; `id` and `traceparent` are created when absent.
    """
    if isinstance(entry, Event):
        entry = entry.to_dict()
    if not isinstance(entry, Mapping):
        return _invalid("Entries", f"expected an object per entry, got {type(entry).__name__}.")
    parts = (
        _text_field(entry, "source", "Source"),
        _text_field(entry, "detail_type", "DetailType"),
        _detail(entry),
        _resources(entry),
        _time(entry, now),
        _traceparent(entry),
    )
    for part in parts:
        if isinstance(part, EntryError):
            return part
    source, detail_type, detail, resources, moment, traceparent = parts
    assert isinstance(source, str) and isinstance(detail_type, str) and isinstance(detail, dict)
    assert isinstance(resources, tuple) and isinstance(moment, datetime) and isinstance(traceparent, str)
    size = _size(source, detail_type, detail, resources)
    if size > MAX_ENTRY_BYTES:
        return _invalid(
            "Entry", f"the entry is {size} bytes; the maximum is {MAX_ENTRY_BYTES} bytes (256 KB)."
        )
    event_id = _get(entry, "id")
    return Event(
        source=source,
        detail_type=detail_type,
        detail=detail,
        id=event_id if isinstance(event_id, str) and event_id else str(uuid.uuid4()),
        time=moment,
        resources=resources,
        traceparent=traceparent,
        replay_name=entry.get("replay-name") if isinstance(entry.get("replay-name"), str) else None,
    )

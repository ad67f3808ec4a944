"""State store checks shared by the SQL backends, made before anything is written."""

from __future__ import annotations

import json
from collections.abc import Sequence

from hexad.errors import ValidationError
from hexad.ports.state import StateOperation, StatePut

__all__ = ["check_distinct_keys", "encode_value"]


def check_distinct_keys(operations: Sequence[StateOperation]) -> list[str]:
    """The keys of a transaction; `ValidationError` if one appears twice."""
    keys = [operation.key for operation in operations]
    if len(set(keys)) != len(keys):
        raise ValidationError(f"a state transaction may touch each key once; got keys {keys}")
    return keys


def encode_value(operation: StateOperation) -> str | None:
    """A put's value as compact JSON text (None for checks and deletes); a bad value or TTL names its key."""
    if not isinstance(operation, StatePut):
        return None
    if operation.ttl is not None and operation.ttl <= 0:
        raise ValidationError(f"state key {operation.key!r}: ttl must be a positive number of seconds")
    try:
        return json.dumps(operation.value, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"state key {operation.key!r}: value is not JSON ({exc})") from exc

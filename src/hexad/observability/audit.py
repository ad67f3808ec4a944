"""The audit log's hash chain: every entry commits to the one before it, so edits are detectable.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's canonical JSON (sorted
keys, no whitespace). Changing, deleting or reordering any stored entry breaks every later hash,
which `verify_chain` reports with the first sequence number that does not check out. This detects
tampering by anyone who cannot also rewrite the chain's head kept elsewhere (e.g. exported hashes);
it is not a signature.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["GENESIS", "AuditEntry", "ChainBreak", "chain_hash", "seal", "verify_chain"]

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    """Who did what to which thing, when and from where; `hash` seals it to the chain."""

    sequence: int
    at: str
    actor: str
    action: str
    target: str
    source: str
    detail: Mapping[str, Any] = field(default_factory=dict)
    previous_hash: str = GENESIS
    hash: str = ""

    def content(self) -> dict[str, Any]:
        """The fields the hash covers (everything but the hash itself)."""
        return {
            "sequence": self.sequence,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "target": self.target,
            "source": self.source,
            "detail": dict(self.detail),
            "previous_hash": self.previous_hash,
        }


@dataclass(frozen=True)
class ChainBreak:
    """The first entry whose hash or link does not check out, and why."""

    sequence: int
    reason: str


def chain_hash(previous_hash: str, content: Mapping[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((previous_hash + canonical).encode()).hexdigest()


def seal(entry: AuditEntry, previous: AuditEntry | None) -> AuditEntry:
    """`entry` linked after `previous` (or first in the chain), with its sequence and hash set."""
    previous_hash = previous.hash if previous else GENESIS
    sequence = previous.sequence + 1 if previous else 1
    linked = AuditEntry(
        sequence, entry.at, entry.actor, entry.action, entry.target, entry.source, entry.detail, previous_hash
    )
    return AuditEntry(**{**linked.__dict__, "hash": chain_hash(previous_hash, linked.content())})


def verify_chain(entries: Iterable[AuditEntry]) -> ChainBreak | None:
    """None when every entry links to the one before and its hash matches its content."""
    expected_previous, expected_sequence = GENESIS, 1
    for entry in entries:
        if entry.sequence != expected_sequence:
            return ChainBreak(entry.sequence, f"expected sequence {expected_sequence} (an entry is missing)")
        if entry.previous_hash != expected_previous:
            return ChainBreak(entry.sequence, "does not link to the entry before it")
        if chain_hash(entry.previous_hash, entry.content()) != entry.hash:
            return ChainBreak(entry.sequence, "its content does not match its hash (it was changed)")
        expected_previous, expected_sequence = entry.hash, expected_sequence + 1
    return None

"""`ToolContext`: the data every tool reads, loaded once per context and shared between tools.

Heavy analyses (profitability of every client, the licence reconciliation, the pipeline scores) are
memoised per context under a lock, so tools running in parallel threads compute each once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from hexad.agents.base import FrameSource
from hexad.agents.findings import FindingStore
from hexad.config import Settings

__all__ = ["ToolContext"]

T = TypeVar("T")


@dataclass
class ToolContext:
    """Frames, "today", settings and stores for one question (or one cache period of the API)."""

    frames: FrameSource
    reference_date: date
    settings: Settings
    findings: FindingStore
    _memo: dict[str, Any] = field(default_factory=dict)
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """`build()` once per key for this context, even when called from several threads."""
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._memo:
                self._memo[key] = build()
            return self._memo[key]  # type: ignore[no-any-return]

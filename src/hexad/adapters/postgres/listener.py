"""A `LISTEN` connection in a thread: PostgreSQL notifications reach a callback in this process.

Queue sends `pg_notify` their queue's name, so a long poll in another process wakes within a
round trip instead of at its next poll. Notifications are a hint, not a delivery: one missed while
the connection was down (a PostgreSQL restart) only means the poll finds the message a little later.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg

__all__ = ["ChannelListener"]

_RETRY_SECONDS = 1.0
_CHECK_CLOSED_SECONDS = 0.25  # how often an idle listener looks whether it was closed
_log = logging.getLogger(__name__)


class ChannelListener:
    """Calls every watcher with each notification's payload on `channel`, until `close()`."""

    def __init__(self, url: str, channel: str) -> None:
        self.url = url
        self.channel = channel
        self._watchers: set[Callable[[str], None]] = set()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"hexad-listen-{channel}", daemon=True)
        self._thread.start()

    def watch(self, callback: Callable[[str], None]) -> None:
        with self._lock:
            self._watchers.add(callback)

    def wait_listening(self, timeout: float) -> bool:
        """Whether the `LISTEN` is in place (notifications from now on arrive)."""
        return self._listening.wait(timeout)

    def close(self) -> None:
        self._closed.set()
        self._thread.join(timeout=2 * _RETRY_SECONDS)

    def _run(self) -> None:
        down_since_logged = False
        while not self._closed.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {self.channel}")
                    self._listening.set()
                    down_since_logged = False
                    while not self._closed.is_set():
                        for notify in conn.notifies(timeout=_CHECK_CLOSED_SECONDS):
                            self._deliver(notify.payload)
            except psycopg.Error as exc:
                self._listening.clear()
                if not down_since_logged and not self._closed.is_set():
                    _log.warning(
                        "LISTEN %s: connection lost (%s); long polls fall back to polling", self.channel, exc
                    )
                    down_since_logged = True
                self._closed.wait(_RETRY_SECONDS)

    def _deliver(self, payload: str) -> None:
        with self._lock:
            watchers = list(self._watchers)
        for watcher in watchers:
            try:
                watcher(payload)
            except Exception:  # one broken watcher must not silence the others
                _log.exception("LISTEN %s: a watcher failed", self.channel)

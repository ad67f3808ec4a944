"""Notification parts on a fresh HEXAD_HOME with a manual clock, and real peers on localhost."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from hexad.config import load_settings
from hexad.notifications.assembly import Notifications, build_notifications
from hexad.notifications.settings import NotificationSettings
from hexad.runtime.clock import ManualClock

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z, a Thursday


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookPeer:
    """An HTTP server that records every POST and answers `status`."""

    url: str
    requests: list[Received] = field(default_factory=list)
    status: int = 200


@pytest.fixture
def webhook_peer() -> Iterator[WebhookPeer]:
    peer = WebhookPeer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            peer.requests.append(Received(self.path, dict(self.headers.items()), self.rfile.read(length)))
            self.send_response(peer.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    peer.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield peer
    server.shutdown()
    server.server_close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def options() -> NotificationSettings:
    return NotificationSettings(
        smtp_host="127.0.0.1", smtp_port=1, smtp_security="none", dashboard_url="https://hexad.example"
    )


@pytest.fixture
async def parts(clock: ManualClock, options: NotificationSettings) -> AsyncIterator[Notifications]:
    built = build_notifications(load_settings(), clock=clock, options=options)
    yield built
    await built.aclose()

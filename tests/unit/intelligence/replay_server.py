"""A local HTTP server that replays recorded provider responses and keeps the requests it got.

The provider SDKs are pointed at it by base URL (Anthropic, OpenAI) or endpoint URL (Bedrock), so the
tests exercise the real SDKs' request building and response parsing without the internet.
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

RECORDED = Path(__file__).resolve().parents[2] / "data" / "llm"


@dataclass
class Reply:
    """One recorded answer: a file under tests/data/llm, its status, headers and an optional delay."""

    file: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def body(self) -> bytes:
        raw = (RECORDED / self.file).read_bytes()
        if self.file.endswith(".eventstream.jsonl"):
            events = [json.loads(line) for line in raw.decode().splitlines() if line.strip()]
            return b"".join(event_stream_message(e["type"], e["payload"]) for e in events)
        return raw

    def content_type(self) -> str:
        if self.file.endswith(".eventstream.jsonl"):
            return "application/vnd.amazon.eventstream"
        return "text/event-stream" if self.file.endswith(".sse") else "application/json"


def event_stream_message(event_type: str, payload: dict[str, Any]) -> bytes:
    """One AWS event-stream message (prelude, string headers, JSON payload, CRC32s), as Bedrock sends."""
    headers = b""
    for name, value in ((":event-type", event_type), (":content-type", "application/json"),
                        (":message-type", "event")):  # fmt: skip
        headers += (
            bytes([len(name)]) + name.encode() + b"\x07" + len(value).to_bytes(2, "big") + value.encode()
        )
    body = json.dumps(payload).encode()
    prelude = (12 + len(headers) + len(body) + 4).to_bytes(4, "big") + len(headers).to_bytes(4, "big")
    prelude += zlib.crc32(prelude).to_bytes(4, "big")
    message = prelude + headers + body
    return message + zlib.crc32(message).to_bytes(4, "big")


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class ReplayServer:
    """Answers requests in order from `replies`; records each request in `seen`."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._http.server_port}"

    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self.replies.extend(replies)

    def _next(self, seen: Seen) -> Reply:
        with self._lock:
            self.seen.append(seen)
            if not self.replies:
                return Reply("anthropic_invalid_request.json", status=500)
            return self.replies.pop(0)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                seen = Seen(
                    "POST", self.path, {k.lower(): v for k, v in self.headers.items()}, json.loads(raw)
                )
                reply = server._next(seen)
                time.sleep(reply.delay)
                body = reply.body()
                self.send_response(reply.status)
                self.send_header("content-type", reply.content_type())
                self.send_header("content-length", str(len(body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                with suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler

    @contextmanager
    def running(self) -> Iterator[ReplayServer]:
        thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._http.shutdown()
            self._http.server_close()

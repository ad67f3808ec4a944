"""A small `/metrics` HTTP endpoint on the worker's own event loop (`hexad worker --metrics-port`).

The worker has no web framework; Prometheus only needs `GET /metrics` answered with the text format,
and the body must be built on the worker's loop (queue depth is read through the async queue service),
so this is a bare `asyncio` server rather than `prometheus_client`'s threaded one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST

__all__ = ["metrics_service", "serve_metrics"]

_log = logging.getLogger(__name__)
Render = Callable[[], Awaitable[bytes]]


def _response(status: str, body: bytes, content_type: str = "text/plain; charset=utf-8") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


async def _answer(request_line: bytes, render: Render) -> bytes:
    parts = request_line.decode("latin-1").split()
    if len(parts) < 2 or parts[0] not in ("GET", "HEAD"):
        return _response("405 Method Not Allowed", b"only GET /metrics\n")
    if parts[1].split("?", 1)[0] != "/metrics":
        return _response("404 Not Found", b"only GET /metrics\n")
    try:
        body = await render()
    except Exception as exc:  # a scrape must never stop the worker: answer 500 and log why
        _log.warning("metrics scrape failed: %s", exc)
        return _response("500 Internal Server Error", f"{type(exc).__name__}: {exc}\n".encode())
    return _response("200 OK", b"" if parts[0] == "HEAD" else body, CONTENT_TYPE_LATEST)


async def serve_metrics(host: str, port: int, render: Render) -> asyncio.Server:
    """Start answering `GET /metrics` with `render()` on `host:port` (port 0 picks a free one)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await asyncio.wait_for(reader.readline(), timeout=10)
            while (await asyncio.wait_for(reader.readline(), timeout=10)) not in (b"\r\n", b"\n", b""):
                pass  # headers are not needed
            writer.write(await _answer(request_line, render))
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    return await asyncio.start_server(handle, host, port)


def metrics_service(host: str, port: int, render: Render) -> Callable[[asyncio.Event], Awaitable[None]]:
    """A worker service that serves `/metrics` until the worker stops."""

    async def service(stop: asyncio.Event) -> None:
        server = await serve_metrics(host, port, render)
        _log.info("metrics on http://%s:%d/metrics", host, port)
        try:
            await stop.wait()
        finally:
            server.close()
            await server.wait_closed()

    return service

"""The local control socket: a running actor system answers "what does your tree look like?".

Each process with an actor system (a `hexad worker`, `hexad demo`) listens on a unix socket
`actors-<pid>.sock` in the control directory (`HEXAD_HOME/run`, or a short folder under the temp
directory when that path is too long for a unix socket). `hexad actors tree` asks every socket there
and removes sockets whose process has died. The protocol is one request line (`tree`) and one JSON
line in answer, so `socat` can ask too.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from hexad.runtime.actors.metrics import snapshot as metrics_snapshot
from hexad.runtime.actors.system import ActorSystem
from hexad.runtime.queues import QueueService

__all__ = ["ControlServer", "control_directory", "query_systems"]

_MAX_SOCKET_PATH = 100
_READ_LIMIT = 64 * 1024 * 1024


def control_directory(home: Path) -> Path:
    """Where control sockets for `home` live (short enough for the ~104-byte unix socket limit)."""
    preferred = home.resolve() / "run"
    if len(str(preferred / f"actors-{2**22}.sock")) <= _MAX_SOCKET_PATH:
        return preferred
    digest = hashlib.sha256(str(home.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"hexad-{digest}"


class ControlServer:
    """Serves `system`'s live tree, with durable mailbox depths from `queues`, on a unix socket."""

    def __init__(self, system: ActorSystem, directory: Path, queues: QueueService | None = None) -> None:
        self.system = system
        self.queues = queues
        self.path = directory / f"actors-{os.getpid()}.sock"
        self.started_at = time.time()
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> Path:
        """Listen; returns the socket's path."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.unlink(missing_ok=True)
        self._server = await asyncio.start_unix_server(self._answer, path=str(self.path))
        return self.path

    async def close(self) -> None:
        """Stop listening and remove the socket."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        self.path.unlink(missing_ok=True)

    async def snapshot(self) -> dict[str, Any]:
        """The system as plain data: tree (with queue depths), dead letters, metrics per kind."""
        tree = self.system.tree()
        await self._add_depths(tree)
        return {
            "system": self.system.name,
            "pid": os.getpid(),
            "started_at": self.started_at,
            "dead_letters": self.system.dead_letters,
            "actors": tree,
            "metrics": metrics_snapshot(),
        }

    async def _add_depths(self, nodes: list[dict[str, Any]]) -> None:
        for node in nodes:
            queue = node.get("queue")
            if queue and self.queues is not None:
                try:
                    counts = await self.queues.attributes(queue)
                    node["queue_depth"] = {
                        "visible": counts.visible,
                        "in_flight": counts.in_flight,
                        "delayed": counts.delayed,
                    }
                except Exception as error:
                    node["queue_depth"] = {"error": str(error)}
            await self._add_depths(node["children"])

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = (await reader.readline()).decode().strip()
            if request == "tree":
                answer: dict[str, Any] = await self.snapshot()
            else:
                answer = {"error": f"unknown request {request!r}: expected 'tree'"}
            writer.write(json.dumps(answer, default=str).encode() + b"\n")
            await writer.drain()
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


async def query_systems(directory: Path, timeout: float = 5.0) -> list[dict[str, Any]]:
    """Ask every live actor system in `directory` for its tree; stale sockets are removed.

    A system that does not answer within `timeout` (or answers garbage) appears as `{"socket", "error"}`.
    """
    answers = []
    for path in sorted(directory.glob("actors-*.sock")) if directory.is_dir() else []:
        try:
            answers.append(await asyncio.wait_for(_ask(path), timeout))
        except (ConnectionError, FileNotFoundError):
            path.unlink(missing_ok=True)
        except (TimeoutError, ValueError) as error:
            answers.append({"socket": str(path), "error": f"no answer ({type(error).__name__}: {error})"})
    return answers


async def _ask(path: Path) -> dict[str, Any]:
    reader, writer = await asyncio.open_unix_connection(str(path), limit=_READ_LIMIT)
    try:
        writer.write(b"tree\n")
        await writer.drain()
        line = await reader.readline()
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
    answer: dict[str, Any] = json.loads(line)
    return answer

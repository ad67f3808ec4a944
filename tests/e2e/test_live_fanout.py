"""The live WebSocket across real `hexad serve` processes, and a real client that stops reading.

Two API processes share one HEXAD_HOME (the embedded profile) or one PostgreSQL database (the
distributed profile); an event put through process A, and a finding resolved through A, reach a
WebSocket client connected to process B, because every process follows the bus archive.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from hexad.agents.base import FindingDraft
from hexad.agents.findings import open_finding_store
from hexad.auth.tokens import TokenIssuer
from hexad.config import Settings
from hexad.domain.database import engine_for
from hexad.runtime.clock import SystemClock
from tests.support.postgres import fresh_database_url
from tests.support.services import free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = secrets.token_urlsafe(48)
_TOKENS = TokenIssuer(SECRET, SystemClock())


def _bearer(role: str, subject: str) -> str:
    return _TOKENS.issue(subject, [role])


def _seed_finding(settings: Settings) -> str:
    draft = FindingDraft(
        kind="margin_erosion", subject_type="client", subject_id="CL-0001", severity="high", score=0.9,
        summary="margin fell", evidence={"margin": [0.4, 0.2]}, recommended_action="reprice",
    )  # fmt: skip
    store = open_finding_store(settings)
    store.save("cpi", [draft], full_run=True)
    return store.list()[0].id


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")[-3000:]
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} never became healthy:\n{log.read_text(errors='replace')[-3000:]}")


@contextmanager
def _servers(env: dict[str, str], count: int, logs: Path) -> Iterator[list[str]]:
    """`count` API processes, started one after the other (so only the first migrates)."""
    started: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        for n in range(count):
            port, log = free_port(), logs / f"serve-{n}.log"
            command = [sys.executable, "-m", "hexad", "serve", "--port", str(port)]
            with log.open("ab") as out:
                started.append(
                    subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
                )
            urls.append(f"http://127.0.0.1:{port}")
            _wait_healthy(urls[-1], started[-1], log)
        yield urls
    finally:
        for process in started:
            process.send_signal(signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def _live(url: str, token: str, **options: Any) -> Iterator[ClientConnection]:
    """A live connection following every event the token may see."""
    address = url.replace("http://", "ws://") + "/api/v1/live"
    with connect(address, proxy=None, compression=None, **options) as ws:
        ws.send(json.dumps({"token": token}))
        assert json.loads(ws.recv(timeout=10)) == {"type": "subscribed"}
        yield ws


def _next_event(ws: ClientConnection) -> dict[str, Any]:
    message = json.loads(ws.recv(timeout=30))
    assert message["type"] == "event"
    event: dict[str, Any] = message["event"]
    return event


def _check_fan_out(a: str, b: str, finding_id: str) -> None:
    """A viewer on B sees an agent event put through A, then a finding resolved through A."""
    admin = {"Authorization": f"Bearer {_bearer('admin', 'u-adm')}"}
    manager = {"Authorization": f"Bearer {_bearer('service_manager', 'u-sam')}"}
    with _live(b, _bearer("viewer", "u-vic")) as viewer:
        entry = {"Source": "hexad.cpi", "DetailType": "client.profitability.changed", "Detail": {"c": 1}}
        put = httpx.post(f"{a}/api/v1/events", json={"entries": [entry]}, headers=admin, timeout=30)
        assert put.status_code == 200 and put.json()["failed_entry_count"] == 0, put.text
        assert _next_event(viewer)["detail"] == {"c": 1}
        resolved = httpx.post(f"{a}/api/v1/findings/{finding_id}/resolve", headers=manager, timeout=30)
        assert resolved.status_code == 200, resolved.text
        changed = _next_event(viewer)
    assert changed["detail-type"] == "finding.status.changed"
    assert changed["detail"] == {
        "finding_id": finding_id, "agent": "cpi", "kind": "margin_erosion", "severity": "high",
        "old_status": "open", "new_status": "resolved", "actor": "u-sam",
    }  # fmt: skip


def _embedded_env(home: Path) -> dict[str, str]:
    env = {**os.environ, "HEXAD_HOME": str(home), "HEXAD_JWT_SECRET": SECRET, "HEXAD_LOG_LEVEL": "WARNING"}
    for name in ("HEXAD_PROFILE", "HEXAD_DATABASE_URL", "HEXAD_NATS_URL"):
        env.pop(name, None)
    return env


@pytest.mark.slow
def test_an_event_put_through_one_api_process_reaches_a_client_of_another(
    _isolated_home: Path, tmp_path: Path
) -> None:
    finding_id = _seed_finding(Settings(home=_isolated_home))
    with _servers(_embedded_env(_isolated_home), 2, tmp_path) as (a, b):
        _check_fan_out(a, b, finding_id)


@pytest.fixture
def database_url() -> Iterator[str]:
    with fresh_database_url("hexad_live") as url:
        yield url


@pytest.mark.slow
@pytest.mark.postgres
def test_the_fan_out_works_on_the_distributed_profile(tmp_path: Path, database_url: str) -> None:
    settings = Settings(profile="distributed", database_url=database_url, home=tmp_path)
    finding_id = _seed_finding(settings)
    engine_for(settings).dispose()  # this process's connections closed before the database is dropped
    env = _embedded_env(tmp_path) | {"HEXAD_PROFILE": "distributed", "HEXAD_DATABASE_URL": database_url}
    with _servers(env, 2, tmp_path) as (a, b):
        _check_fan_out(a, b, finding_id)
    engine_for(settings).dispose()


def _small_receive_buffer(url: str) -> socket.socket:
    """A connected socket whose receive buffer stays small, so a client that stops reading soon
    stops the server's sends (as a slow network would)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
    host, port = url.removeprefix("http://").split(":")
    sock.connect((host, int(port)))
    return sock


def _wait_for_reader(done: Callable[[], bool], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        time.sleep(0.05)


def _read_until_marker(ws: ClientConnection, seen: list[str]) -> None:
    while not seen or seen[-1] != "marker":
        seen.append(_next_event(ws)["detail-type"])


@pytest.mark.slow
def test_a_client_that_stops_reading_is_closed_with_1013_and_the_others_keep_receiving(
    _isolated_home: Path, tmp_path: Path
) -> None:
    env = _embedded_env(_isolated_home) | {"HEXAD_LIVE_QUEUE_SIZE": "32"}
    admin = {"Authorization": f"Bearer {_bearer('admin', 'u-adm')}"}
    big = 100  # events of ~200 KB: far more than the stalled client's queue and socket buffers hold
    with _servers(env, 1, tmp_path) as (url,), ExitStack() as stack:
        token = _bearer("admin", "u-adm")
        stalled = stack.enter_context(_live(url, token, sock=_small_receive_buffer(url), max_queue=1))
        healthy = stack.enter_context(_live(url, token))
        seen: list[str] = []
        reader = threading.Thread(target=_read_until_marker, args=(healthy, seen), daemon=True)
        reader.start()
        for batch in range(1, big // 10 + 1):
            entries = [
                {"Source": "hexad.load", "DetailType": "big", "Detail": {"blob": secrets.token_hex(100_000)}}
            ]
            put = httpx.post(
                f"{url}/api/v1/events", json={"entries": entries * 10}, headers=admin, timeout=60
            )
            assert put.status_code == 200 and put.json()["failed_entry_count"] == 0, put.text[:300]
            # paced by the healthy reader (at most a batch behind, well within its queue of 32), so
            # only the stalled client falls behind, however slow the machine is
            _wait_for_reader(lambda done=batch * 10: len(seen) >= done or not reader.is_alive())
        marker = {"Source": "hexad.load", "DetailType": "marker", "Detail": {}}
        httpx.post(f"{url}/api/v1/events", json={"entries": [marker]}, headers=admin, timeout=30)
        reader.join(timeout=120)
        received = 0
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                stalled.recv(timeout=30)
                received += 1
    assert seen == ["big"] * big + ["marker"]
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013
    assert received < big

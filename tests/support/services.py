"""Local services for integration and conformance tests.

A test that needs PostgreSQL or NATS calls `require_service`: if the port is closed it tries the
machine's start command once; if the service is still down the test is skipped with the reason on a
developer's laptop, and fails under CI (`CI=true`), where a missing service must never pass silently.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid

import pytest

_START_COMMANDS = {
    "postgres": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "nats": (
        "start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- "
        "-a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server"
    ),
    "redis": 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
}
PORTS = {"postgres": 5432, "nats": 4222, "redis": 6379}


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts TCP connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def start_service(name: str, wait_seconds: float = 20.0) -> bool:
    """Try to start a stopped service with the machine's start command; True once its port opens."""
    command = _START_COMMANDS[name]
    if os.geteuid() == 0 and shutil.which("bash"):
        subprocess.run(["bash", "-c", command], capture_output=True, timeout=60, check=False)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if port_open(PORTS[name]):
            return True
        time.sleep(0.25)
    return False


def require_service(name: str) -> None:
    """Make sure `name` is up: start it if needed; skip (laptop) or fail (CI) when it cannot be had."""
    if port_open(PORTS[name]) or start_service(name):
        return
    reason = f"{name} is not running on 127.0.0.1:{PORTS[name]} and could not be started"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI needs {name}: {reason}")
    pytest.skip(reason)


def unique_name(prefix: str) -> str:
    """A database/stream/bucket name no other run uses."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now (for a test server started next)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])

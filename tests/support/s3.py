"""An S3-compatible server for object store tests: moto's server mode in a subprocess.

One server per test process, on a free port of 127.0.0.1, started on first use and stopped at exit;
each test makes its own bucket (`unique_name`), so parallel and repeated runs never collide. moto keeps
everything in memory, so nothing is left behind.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import threading
import time

import boto3  # type: ignore[import-untyped]
import pytest

from tests.support.services import free_port, port_open, unique_name

__all__ = ["S3Server", "s3_server"]

ACCESS_KEY = "hexad-test"
SECRET_KEY = "hexad-test-secret"
REGION = "us-east-1"
_lock = threading.Lock()
_servers: list[S3Server] = []


class S3Server:
    """A running moto server: its endpoint and a client on it."""

    def __init__(self, process: subprocess.Popen[bytes], endpoint_url: str) -> None:
        self.process = process
        self.endpoint_url = endpoint_url

    def client(self) -> object:
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def new_bucket(self) -> str:
        """A fresh, empty bucket for one test."""
        name = unique_name("hexad").replace("_", "-")
        self.client().create_bucket(Bucket=name)  # type: ignore[attr-defined]
        return name

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _start(wait_seconds: float = 30.0) -> S3Server:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "AWS_DEFAULT_REGION": REGION},
    )
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise RuntimeError(f"moto server exited with {process.returncode}: {error[-2000:]}")
        if port_open(port):
            return S3Server(process, f"http://127.0.0.1:{port}")
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"moto server did not open port {port} within {wait_seconds} s")


def s3_server() -> S3Server:
    """This test process's S3 server, started on first call; fails the test if it cannot start."""
    with _lock:
        if not _servers:
            try:
                server = _start()
            except (RuntimeError, OSError) as exc:
                pytest.fail(f"cannot start moto's S3 server: {exc}")
            atexit.register(server.stop)
            _servers.append(server)
        return _servers[0]

"""The task flow end to end: API -> queue -> a real `hexad worker` process -> artifact -> status."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hexad.api.app import create_app
from hexad.config import load_settings
from tests.unit.api.demo_home import install_demo_database

ROOT = Path(__file__).resolve().parents[2]


def _worker(home: Path, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "hexad", "worker", "--agents", "cpi",
               "--no-bus", "--no-scheduler", "--no-workflows", "--grace", "5"]  # fmt: skip
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=ROOT, env={**os.environ, "HEXAD_HOME": str(home)},
                                stdout=out, stderr=subprocess.STDOUT)  # fmt: skip


@pytest.mark.slow
def test_a_worker_process_runs_a_submitted_agent_task(_isolated_home: Path, tmp_path: Path) -> None:
    install_demo_database(_isolated_home)
    app = create_app(load_settings())
    client = TestClient(app)
    admin = {"Authorization": f"Bearer {app.state.tokens.issue('u-admin', ['admin'])}"}
    submitted = client.post("/api/v1/tasks", headers=admin, json={"agent": "cpi", "action": "run"})
    assert submitted.status_code == 202, submitted.text
    task_id = submitted.json()["id"]
    worker = _worker(_isolated_home, tmp_path / "worker.log")
    try:
        deadline = time.monotonic() + 240
        task = submitted.json()
        while task["status"] not in ("succeeded", "failed") and time.monotonic() < deadline:
            time.sleep(0.5)
            task = client.get(f"/api/v1/tasks/{task_id}", headers=admin).json()
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=60)
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert task["status"] == "succeeded", (task, log[-3000:])
    assert code == 0, log[-3000:]
    report = json.loads(client.get(task["artifacts"][0]["url"], headers=admin).content)
    assert report["agent"] == "cpi" and report["findings"]
    assert sum(report["by_kind"].values()) == len(report["findings"])
    stored = client.get("/api/v1/findings", params={"agent": "cpi", "limit": 200}, headers=admin).json()
    assert len(stored["items"]) == len(report["findings"])

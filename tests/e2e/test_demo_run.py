"""`hexad demo run` as a user runs it: data, import, agents on the runtime, scored findings, admin."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_demo_run_end_to_end_on_a_small_company(tmp_path: Path) -> None:
    env = {**os.environ, "HEXAD_HOME": str(tmp_path / "home")}
    command = [sys.executable, "-m", "hexad", "demo", "run", "--seed", "3", "--clients", "20", "--json"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    runtime = report["runtime"]
    assert not runtime["timed_out"]
    assert set(runtime["handled"]) == {"cpi", "dsa", "ram", "sli", "spo", "vcm"}
    assert all(count >= 1 for count in runtime["handled"].values()), runtime
    assert sum(runtime["dead_letters"].values()) == 0
    assert runtime["events"] > 19  # the importer's data.imported events plus the agents' own
    assert sum(report["findings_by_agent"].values()) > 0
    assert report["admin_password_created"] is True
    found_kinds = {kind for kind, score in report["quality"].items() if score["correct"] > 0}
    assert {"licence_over_deployed", "duplicate_payment"} <= found_kinds

    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert again.returncode == 0, again.stderr[-3000:]
    rerun = json.loads(again.stdout)
    assert sum(c["inserted"] for c in rerun["imported"].values()) == 0
    assert rerun["admin_password_created"] is False
    assert rerun["findings_by_agent"] == report["findings_by_agent"]

"""API throughput: requests/s and p50/p99 latency of two hot reads, 2 uvicorn workers, demo data.

`GET /api/v1/findings?limit=50` and `GET /api/v1/clients/{id}` as an admin, against `hexad serve
--workers 2` on the demo data set (200 clients, imported, with CPI, SLI and DSA findings), driven by
a load generator in another process: `wrk` when it is installed (Debian: `apt-get install wrk`),
else this file's own asyncio + httpx generator (`--generator python`). Each endpoint is loaded
`--runs` rounds of `--seconds`, each round every endpoint back to back; the table shows the median
run, the 1-minute load average before each run, and the median ratio of the endpoint's req/s to
`/healthz` in the same round (the machine is shared, so the ratio is steadier than req/s).
Target: >= 1,500 req/s, p99 < 50 ms.
The per-caller rate limit is raised for the run (HEXAD_CALLER_RATE), since one token drives it all.
The prepared home is kept in the temp folder (`hexad-bench/`) and reused by later runs.

Run: `uv run python benchmarks/api_load.py [--seconds 10] [--runs 3] [--connections 32]`
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

SEED = 42
CLIENTS = 200
TARGET_RPS, TARGET_P99_MS = 1500.0, 50.0
ROOT = Path(__file__).resolve().parents[1]
HEALTHZ = "GET /healthz (no work: this machine's ceiling)"


def prepared_home(clients: int) -> Path:
    """A HEXAD_HOME with the demo data imported and three agents' findings saved (made once)."""
    base = Path(tempfile.gettempdir()) / "hexad-bench" / f"api-{SEED}-{clients}"
    home, done = base / "home", base / "ready"
    if done.exists():
        return home
    from hexad.agents.service import run_agent
    from hexad.config import load_settings
    from hexad.demo.generator import generate, is_generated
    from hexad.ingest import import_paths

    files = Path(tempfile.gettempdir()) / "hexad-bench" / f"demo-{SEED}-{clients}"
    if not is_generated(files, SEED, clients):
        generate(SEED, files, clients=clients)
    shutil.rmtree(home, ignore_errors=True)
    settings = load_settings(home=home)
    import_paths([files], settings=settings, publish=lambda entries: None)
    for agent in ("cpi", "sli", "dsa"):
        run_agent(agent, settings=settings)
    done.touch()
    return home


def admin_token(home: Path) -> str:
    from hexad.auth.keys import signing_secret
    from hexad.auth.tokens import TokenIssuer
    from hexad.config import load_settings
    from hexad.runtime.clock import SystemClock

    return TokenIssuer(signing_secret(load_settings(home=home)), SystemClock()).issue("bench", ["admin"])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(home: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HEXAD_HOME": str(home),
        "HEXAD_CALLER_RATE": "1000000",
        "HEXAD_CALLER_BURST": "1000000",
        "HEXAD_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "hexad", "serve", "--port", str(port), "--workers", str(workers)]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 600  # importing the app takes a while on a loaded machine
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError("the API server did not become ready within 600 s")


def _milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url: str, token: str, seconds: int, connections: int) -> dict[str, float]:
    command = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-H",
        f"Authorization: Bearer {token}",
        url,
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.MULTILINE))
    if len(percentiles) < 2:
        raise RuntimeError(f"wrk gave no latency distribution:\n{out}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": _milliseconds(percentiles["50"]),
        "p99_ms": _milliseconds(percentiles["99"]),
        "errors": float(errors.group(1)) if errors else 0.0,
    }


async def _generate(url: str, token: str, seconds: float, connections: int) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    headers = {"Authorization": f"Bearer {token}"}
    # A worker's first client read builds its profitability cache, which takes seconds on a busy machine.
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=120) as client:

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await client.get(url)
                latencies.append(time.perf_counter() - started)
                errors += response.status_code >= 300

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "rps": len(ordered) / elapsed,
        "p50_ms": ordered[len(ordered) // 2] * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99)] * 1000,
        "errors": float(errors),
    }


def run_python(url: str, token: str, seconds: int, connections: int) -> dict[str, float]:
    """Load from a separate process (this file with --generate), apart from the server processes."""
    command = [
        sys.executable,
        __file__,
        "--generate",
        url,
        "--token",
        token,
        "--seconds",
        str(seconds),
        "--connections",
        str(connections),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"the load generator failed:\n{done.stderr[-2000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure(args: argparse.Namespace) -> dict[str, Any]:
    home = prepared_home(args.clients)
    token, port = admin_token(home), _free_port()
    server = start_server(home, port, args.workers)
    load = run_wrk if args.generator == "wrk" else run_python
    try:
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {token}"}
        setup = httpx.Client(headers=headers, timeout=300)  # the first call builds the profitability cache
        client_id = setup.get(f"{base}/api/v1/clients?limit=1").json()["items"][0]["client_id"]
        findings = setup.get(f"{base}/api/v1/findings?limit=50").json()["items"]
        endpoints = {
            "GET /api/v1/findings?limit=50": f"{base}/api/v1/findings?limit=50",
            "GET /api/v1/clients/{id}": f"{base}/api/v1/clients/{client_id}",
            HEALTHZ: f"{base}/healthz",
        }
        for url in endpoints.values():  # warm the caches of both workers
            load(url, token, 2, args.connections)
        rounds = [_round(endpoints, load, token, args) for _ in range(args.runs)]
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"findings_per_page": len(findings), "results": _summarise(endpoints, rounds)}


def _round(endpoints: dict[str, str], load: Any, token: str, args: argparse.Namespace) -> dict[str, Any]:
    """Each endpoint once, back to back, so their ratios to /healthz share the machine's load."""
    found = {}
    for name, url in endpoints.items():
        load_average = os.getloadavg()[0]
        found[name] = {**load(url, token, args.seconds, args.connections), "load_average": load_average}
    return found


def _summarise(endpoints: dict[str, str], rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Per endpoint: its median run, every run's req/s and load average, and the median ratio to /healthz."""
    results = {}
    for name in endpoints:
        runs = [found[name] for found in rounds]
        median_run = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]
        ratios = sorted(found[name]["rps"] / found[HEALTHZ]["rps"] for found in rounds)
        results[name] = {
            **median_run,
            "runs_rps": [round(r["rps"], 1) for r in runs],
            "runs_load_average": [round(r["load_average"], 1) for r in runs],
            "ratio_to_healthz": round(ratios[len(ratios) // 2], 3),
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument(
        "--generator", choices=("wrk", "python"), default="wrk" if shutil.which("wrk") else "python"
    )
    parser.add_argument("--generate", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        print(json.dumps(asyncio.run(_generate(args.generate, args.token, args.seconds, args.connections))))
        return
    found = measure(args)
    title = f"generator: {args.generator}, {args.workers} workers, {args.connections} connections"
    table = Table(
        "endpoint", "req/s (median)", "p50 ms", "p99 ms", "non-2xx", "runs req/s", "load avg",
        "/healthz ratio", "target", title=title,
    )  # fmt: skip
    for name, result in found["results"].items():
        met = result["rps"] >= TARGET_RPS and result["p99_ms"] < TARGET_P99_MS
        target = "-" if name.startswith("GET /healthz") else "met" if met else "missed"
        table.add_row(
            name,
            f"{result['rps']:,.0f}",
            f"{result['p50_ms']:.1f}",
            f"{result['p99_ms']:.1f}",
            str(int(result["errors"])),
            ", ".join(f"{r:,.0f}" for r in result["runs_rps"]),
            ", ".join(f"{r:.1f}" for r in result["runs_load_average"]),
            f"{result['ratio_to_healthz']:.2f}",
            target,
        )
    Console().print(table)
    summary = {
        "benchmark": "api_load",
        "workers": args.workers,
        "generator": args.generator,
        "connections": args.connections,
        "seconds": args.seconds,
        "runs": args.runs,
        **found,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

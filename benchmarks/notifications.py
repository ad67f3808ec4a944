"""Notifications: from an agent's event to delivered, signed webhooks, with 1,000 subscriptions.

Each run starts on a fresh HEXAD_HOME: one open finding per client in the findings store, the
`findings` topic with SUBSCRIPTIONS confirmed https subscriptions to a local HTTP/1.1 server (which
checks every signature), their filter policies mixed: severity lists, agent lists, numeric score
ranges, subject prefixes, anything-but kinds, `$or`s and no policy. Then FINDINGS agent events are
put on the event bus at once and the worker's loops run as `hexad worker` runs them: the bus
delivers the events to `notify-findings`, the bridge looks up each finding and publishes it
(filter policies, fan-out into `notify-deliveries`), the delivery worker signs and POSTs. The clock
stops when the server has received every delivery the policies select (counted beforehand).

Reported: deliveries/s (webhooks received per second) and findings/s (findings fully delivered
per second), median of RUNS runs, and the median latency from a finding's put to its last webhook.

Run: `uv run python benchmarks/notifications.py [--subscriptions 1000] [--findings 10] [--runs 3]`
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

POLICIES: list[dict[str, Any] | None] = [
    {"severity": ["critical", "high"]},
    {"agent": ["cpi", "dsa"]},
    {"score": [{"numeric": [">=", 0.8]}]},
    {"subject_id": [{"prefix": "CL-00"}]},
    {"kind": [{"anything-but": ["churn_risk"]}], "severity": ["high"]},
    {"$or": [{"severity": ["critical"]}, {"agent": ["sli"]}]},
    {"severity": ["low"]},
    None,
]
AGENTS = ("cpi", "dsa", "sli", "vcm")
SEVERITIES = ("low", "medium", "high", "critical")


class Peer:
    """A minimal keep-alive HTTP/1.1 server that verifies each webhook's signature."""

    def __init__(self, secrets: dict[str, str]) -> None:
        self.secrets, self.received, self.bad = secrets, 0, 0
        self.last_at: dict[str, float] = {}
        self.done = asyncio.Event()
        self.expected = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        from hexad.notifications.signing import verify_webhook

        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                headers = dict(
                    line.split(": ", 1) for line in head.decode("latin-1").split("\r\n")[1:] if ": " in line
                )
                lowered = {k.lower(): v for k, v in headers.items()}
                body = await reader.readexactly(int(lowered.get("content-length", "0")))
                document = json.loads(body)
                secret = self.secrets[document["SubscriptionId"]]
                ok = verify_webhook(
                    secret, lowered["x-hexad-signature"], lowered["x-hexad-timestamp"], body, now=time.time()
                )
                self.bad += not ok
                self.received += 1
                self.last_at[document["MessageAttributes"].get("subject_id", "")] = time.perf_counter()
                if self.received >= self.expected:
                    self.done.set()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            writer.close()


async def one_run(subscriptions: int, findings: int, receivers: int) -> dict[str, float]:
    from hexad import wiring
    from hexad.agents.base import FindingDraft
    from hexad.agents.findings import open_finding_store
    from hexad.config import get_settings
    from hexad.notifications.assembly import build_notifications
    from hexad.notifications.filters import compile_filter_policy

    settings = get_settings()
    store = open_finding_store(settings)
    for index in range(findings):
        agent = AGENTS[index % len(AGENTS)]
        draft = FindingDraft(
            kind="margin_erosion" if index % 3 else "churn_risk", subject_type="client",
            subject_id=f"CL-{index:04d}", severity=SEVERITIES[index % 4],  # type: ignore[arg-type]
            score=round(0.5 + (index % 5) / 10, 2), summary=f"finding {index}",
            evidence={"index": index}, recommended_action="look",
        )  # fmt: skip
        store.save(agent, [draft], full_run=False)
    bus = wiring.event_bus(settings)
    parts = build_notifications(settings, put_events=bus.put_events, findings=store)
    parts.deliveries.receivers = receivers
    service = parts.service
    await parts.bridge.install(bus)
    secrets: dict[str, str] = {}
    peer = Peer(secrets)
    server = await asyncio.start_server(peer.handle, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"
    compiled = []
    for index in range(subscriptions):
        policy = POLICIES[index % len(POLICIES)]
        subscription = await service.subscribe("findings", "https", url, filter_policy=policy)
        await service.confirm(service.confirm_token(subscription))
        secrets[subscription.id] = subscription.secret
        compiled.append(None if policy is None else compile_filter_policy(policy))
    await service.queues.purge("notify-deliveries")  # the confirmation requests
    events = []
    for index in range(findings):
        agent = AGENTS[index % len(AGENTS)]
        detail = {"client_id": f"CL-{index:04d}"}
        events.append(
            {"Source": f"hexad.{agent}", "DetailType": "client.profitability.changed", "Detail": detail}
        )
    for event in events:
        _, _, attributes = parts.bridge.describe(
            {"source": event["Source"], "detail-type": event["DetailType"], "detail": event["Detail"]}
        )
        peer.expected += sum(1 for p in compiled if p is None or p.matches(attributes, None))
    stop = asyncio.Event()
    loops = [
        asyncio.create_task(loop)
        for loop in (bus.run(stop), parts.bridge.run(stop), parts.deliveries.run(stop))
    ]
    started = time.perf_counter()
    for start in range(0, len(events), 10):
        await bus.put_events(events[start : start + 10])
    await asyncio.wait_for(peer.done.wait(), timeout=600)
    elapsed = time.perf_counter() - started
    stop.set()
    await asyncio.gather(*loops)
    server.close()
    await parts.aclose()
    assert peer.bad == 0, f"{peer.bad} webhooks failed signature verification"
    latencies = sorted(at - started for at in peer.last_at.values())
    return {
        "deliveries": peer.received,
        "seconds": elapsed,
        "deliveries_per_s": peer.received / elapsed,
        "findings_per_s": findings / elapsed,
        "last_webhook_p50_s": statistics.median(latencies),
    }


def _run_isolated(subscriptions: int, findings: int, receivers: int) -> dict[str, float]:
    from hexad.config import get_settings

    with tempfile.TemporaryDirectory(prefix="hexad-bench-notify-") as home:
        os.environ["HEXAD_HOME"] = str(Path(home))
        get_settings.cache_clear()
        return asyncio.run(one_run(subscriptions, findings, receivers))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=1000)
    parser.add_argument("--findings", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--receivers", type=int, default=2, help="delivery receive loops")
    args = parser.parse_args()
    runs = [_run_isolated(args.subscriptions, args.findings, args.receivers) for _ in range(args.runs)]
    median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    title = (
        f"Notifications: {args.subscriptions} subscriptions, {args.findings} findings, median of {args.runs}"
    )
    table = Table(title=title)
    for column in ("deliveries", "seconds", "deliveries/s", "findings/s", "finding -> last webhook p50"):
        table.add_column(column, justify="right")
    table.add_row(
        f"{median['deliveries']:.0f}", f"{median['seconds']:.2f}", f"{median['deliveries_per_s']:.0f}",
        f"{median['findings_per_s']:.2f}", f"{median['last_webhook_p50_s']:.2f} s",
    )  # fmt: skip
    Console().print(table)
    line = {"benchmark": "notifications", "subscriptions": args.subscriptions, "findings": args.findings,
            "receivers": args.receivers}  # fmt: skip
    print(json.dumps({**line, "runs": args.runs, **{k: round(v, 3) for k, v in median.items()}}))


if __name__ == "__main__":
    main()

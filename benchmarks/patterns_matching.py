"""Event pattern matching: one `RuleIndex` against a naive loop of single-pattern matches.

Rules are drawn like Hexad's own: every rule names a `source` and a `detail-type`; most are per
client (`detail.client_id`, 500 clients), half of those with one content filter; 5% (at least
one, at most 50: MSP-wide filters are few and hand-written, per-client rules grow with clients)
are MSP-wide content filters. The filters cover numeric ranges, anything-but, exists, prefix,
equals-ignore-case, suffix with equals-ignore-case, cidr, wildcard and `$or`. Events are agent
events with nine detail fields (one a nested object).
For 10, 1,000 and 10,000 rules: events matched per CPU-second of this process (so other work on a
shared machine does not count; median of several runs)
by the index and by the naive loop, and the time to build the index. Targets: >= 100,000 events/s
against 1,000 rules, and less than 3x the per-event cost from 10 to 10,000 rules.

Run: `uv run python benchmarks/patterns_matching.py` (`--quick` for a shorter run).
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.table import Table

from hexad.runtime.patterns import Pattern, RuleIndex, compile_pattern

AGENTS = {
    "hexad.cpi": ["client.profitability.changed", "client.churn.risk"],
    "hexad.spo": ["sales.opportunity.identified", "sales.proposal.generated"],
    "hexad.ram": ["resource.utilization.alert", "resource.plan.proposed"],
    "hexad.sli": ["license.compliance.violation", "license.savings.found"],
    "hexad.dsa": ["spend.anomaly.detected", "spend.budget.at_risk"],
    "hexad.vcm": ["contract.renewal.due", "contract.approval.requested"],
    "hexad.ingest": ["data.imported"],
    "hexad.workflow": ["workflow.execution.succeeded", "workflow.execution.failed"],
}
SEVERITIES = ["low", "medium", "high", "critical"]
REGIONS = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-southeast-2"]
CLIENTS = [f"client-{number:04d}" for number in range(500)]
VENDORS = [f"vendor-{number:03d}" for number in range(120)]
EXTENSIONS = ["pdf", "PDF", "docx"]
MAX_WIDE_RULES = 50


def _envelope(rng: random.Random) -> tuple[str, str]:
    source = rng.choice(list(AGENTS))
    return source, rng.choice(AGENTS[source])


def make_rules(count: int, rng: random.Random) -> dict[str, dict[str, Any]]:
    """`count` rules: 5% MSP-wide (at most 50, at least 1), the rest per client."""
    wide = min(MAX_WIDE_RULES, max(1, count // 20))
    return {f"rule-{number}": make_rule(rng, msp_wide=number < wide) for number in range(count)}


def make_rule(rng: random.Random, *, msp_wide: bool) -> dict[str, Any]:
    """One rule as a Hexad operator would write it: for one client, or MSP-wide with a filter."""
    source, detail_type = _envelope(rng)
    rule: dict[str, Any] = {"source": [source], "detail-type": [detail_type]}
    if msp_wide:
        rule.update(_content_filter(rng, detail_type))
        return rule
    rule["detail"] = {"client_id": [rng.choice(CLIENTS)]}
    if rng.random() < 0.5:
        extra = _content_filter(rng, detail_type)
        rule["detail-type"] = extra.pop("detail-type", rule["detail-type"])
        rule["detail"].update(extra.get("detail", {}))
        if "$or" in extra:
            rule["$or"] = extra["$or"]
    return rule


def _content_filter(rng: random.Random, detail_type: str) -> dict[str, Any]:
    """One of the content filters: numeric, anything-but, exists, prefix, ignore-case, cidr, wildcard, $or."""
    kind = rng.randrange(9)
    if kind == 0:
        low = round(rng.uniform(0, 0.5), 2)
        return {"detail": {"margin": [{"numeric": [">=", low, "<", round(low + 0.2, 2)]}]}}
    if kind == 1:
        return {"detail": {"severity": [{"anything-but": ["low", "medium"]}], "ticket": [{"exists": False}]}}
    if kind == 2:
        return {
            "detail-type": [{"prefix": detail_type.split(".")[0] + "."}],
            "detail": {"region": [{"equals-ignore-case": rng.choice(REGIONS).upper()}]},
        }
    if kind == 3:
        return {"detail": {"document": [{"suffix": {"equals-ignore-case": rng.choice([".PDF", ".docx"])}}]}}
    if kind == 4:
        return {"detail": {"source_ip": [{"cidr": f"10.{rng.randint(0, 9)}.0.0/16"}]}}
    if kind == 5:
        return {"detail": {"document": [{"wildcard": f"contracts/{rng.choice(VENDORS)}/*.pdf"}]}}
    if kind == 6:
        return {"detail": {"vendor_id": [rng.choice(VENDORS)], "severity": rng.sample(SEVERITIES, 2)}}
    if kind == 7:
        return {"detail": {"score": [{"numeric": [">", round(rng.uniform(0.5, 0.99), 2)]}]}}
    return {
        "$or": [
            {"detail": {"severity": ["critical"]}},
            {"detail": {"margin": [{"numeric": ["<", round(rng.uniform(0, 0.3), 2)]}]}},
        ]
    }


def make_event(rng: random.Random) -> dict[str, Any]:
    """One agent event in the EventBridge envelope."""
    source, detail_type = _envelope(rng)
    vendor = rng.choice(VENDORS)
    return {
        "version": "0",
        "id": f"{rng.getrandbits(64):016x}",
        "detail-type": detail_type,
        "source": source,
        "account": "000000000000",
        "time": "2026-11-26T01:00:00Z",
        "region": rng.choice(REGIONS),
        "resources": [],
        "detail": {
            "client_id": rng.choice(CLIENTS),
            "vendor_id": vendor,
            "severity": rng.choice(SEVERITIES),
            "margin": round(rng.uniform(-0.2, 0.9), 3),
            "score": round(rng.random(), 3),
            "region": rng.choice(REGIONS),
            "document": f"contracts/{vendor}/renewal-{rng.randint(1, 9)}.{rng.choice(EXTENSIONS)}",
            "source_ip": f"10.{rng.randint(0, 12)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            "evidence": {
                "rows": [rng.randint(1, 10_000) for _ in range(5)],
                "summary": "margin below target",
            },
        },
    }


def median_rate(
    action: Callable[[list[dict[str, Any]]], object], batches: list[list[dict[str, Any]]]
) -> float:
    """Median events per CPU-second of `action` over each batch (after one untimed warm-up batch)."""
    action(batches[0])
    rates = []
    for batch in batches[1:]:
        started = time.process_time()
        action(batch)
        rates.append(len(batch) / (time.process_time() - started))
    return statistics.median(rates)


def measure(rule_count: int, batches: list[list[dict[str, Any]]], naive_events: int) -> dict[str, float]:
    """Index and naive-loop rates for `rule_count` rules, checking that both find the same rules."""
    rules = make_rules(rule_count, random.Random(rule_count))
    started = time.process_time()
    index = RuleIndex()
    for name, rule in rules.items():
        index.add(name, rule)
    index.match(batches[0][0])
    build_ms = (time.process_time() - started) * 1000
    compiled: list[tuple[str, Pattern]] = [(name, compile_pattern(rule)) for name, rule in rules.items()]

    def naive(event: dict[str, Any]) -> set[str]:
        return {name for name, pattern in compiled if pattern.matches(event)}

    matched = [index.match(event) for event in batches[1]]
    sample = batches[1][:naive_events]
    if matched[:naive_events] != [naive(event) for event in sample]:
        raise AssertionError(f"the index and the naive loop disagree with {rule_count} rules")
    match = index.match
    indexed = median_rate(lambda batch: [match(event) for event in batch], batches)
    naive_batches = [sample[:1]] + [batch[:naive_events] for batch in batches[1:4]]
    baseline = median_rate(lambda batch: [naive(event) for event in batch], naive_batches)
    return {
        "rules": rule_count,
        "index_events_per_second": round(indexed),
        "naive_events_per_second": round(baseline),
        "index_build_ms": round(build_ms, 1),
        "mean_matches_per_event": round(sum(map(len, matched)) / len(matched), 2),
    }


def main() -> None:
    quick = "--quick" in sys.argv
    runs = 3 if quick else 5
    size = 2_000 if quick else 10_000
    rng = random.Random(7)
    batches = [[make_event(rng) for _ in range(size)] for _ in range(runs + 1)]
    plans = [(10, 2_000), (1_000, 300), (10_000, 60)]
    results = [measure(count, batches, naive) for count, naive in plans]
    title = f"Pattern matching, {size:,} events per run, events per CPU-second (median of {runs} runs)"
    table = Table(title=title)
    columns = ("rules", "index events/s", "naive loop events/s", "speed-up", "build CPU ms", "matches/event")
    for column in columns:
        table.add_column(column, justify="right")
    for row in results:
        speed_up = row["index_events_per_second"] / row["naive_events_per_second"]
        table.add_row(
            f"{row['rules']:,}",
            f"{row['index_events_per_second']:,}",
            f"{row['naive_events_per_second']:,}",
            f"{speed_up:,.1f}x",
            f"{row['index_build_ms']:,}",
            f"{row['mean_matches_per_event']}",
        )
    console = Console()
    console.print(table)
    growth = results[0]["index_events_per_second"] / results[-1]["index_events_per_second"]
    console.print(f"Per-event cost from 10 to 10,000 rules: {growth:.2f}x (target < 3x)")
    summary = {"benchmark": "patterns_matching", "cost_growth_10_to_10000": round(growth, 2), "runs": results}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

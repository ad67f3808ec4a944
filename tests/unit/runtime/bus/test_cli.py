"""`hexad events`, `hexad rules` and `hexad replay` against the embedded runtime file."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

from typer.testing import CliRunner

from hexad.cli.app import app
from hexad.wiring import event_bus

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def put_event(source: str = "hexad.cpi", detail: str = '{"client": "acme"}') -> str:
    code, output = run(
        "events", "put", "--source", source, "--detail-type", "client.churn.risk", "--detail", detail
    )
    assert code == 0, output
    return output.strip()


def test_a_rule_put_from_the_cli_routes_events_to_a_queue() -> None:
    assert run("queues", "create", "audit")[0] == 0
    code, output = run(
        "rules", "put", "to-audit", "--pattern", '{"source": ["hexad.cpi"]}', "--queue", "audit"
    )
    assert code == 0, output
    event_id = put_event()
    code, output = run("replay", "--from", "2000-01-01", "--to", "2100-01-01", "--deliver", "--json")
    assert code == 0, output
    assert json.loads(output)["delivered_now"] == 2  # the event itself, then its replay
    code, output = run("queues", "peek", "audit", "--json")
    assert code == 0 and event_id in output


def test_rules_list_enable_disable_delete(tmp_path: Path) -> None:
    pattern = tmp_path / "pattern.json"
    pattern.write_text(json.dumps({"detail-type": [{"prefix": "client."}]}))
    targets = json.dumps([{"kind": "mailbox", "destination": "ram", "group_key": "$.detail.client"}])
    assert run("rules", "put", "r1", "--pattern", str(pattern), "--targets", targets)[0] == 0
    assert run("rules", "disable", "r1")[0] == 0
    code, output = run("rules", "list", "--json")
    [rule] = json.loads(output)
    assert rule["state"] == "DISABLED"
    assert rule["event_pattern"] == {"detail-type": [{"prefix": "client."}]}
    assert rule["targets"][0]["destination"] == "ram" and rule["targets"][0]["id"] == "t1"
    assert run("rules", "enable", "r1")[0] == 0
    code, output = run("rules", "list")
    assert code == 0 and "r1" in output and "ENABLED" in output
    assert run("rules", "delete", "r1")[0] == 0
    assert json.loads(run("rules", "list", "--json")[1]) == []


def test_a_bad_pattern_or_missing_rule_is_a_clear_error() -> None:
    code, output = run("rules", "put", "r", "--pattern", '{"source": []}', "--queue", "q")
    assert code != 0 and "event_pattern" in str(output) + str(
        runner.invoke(app, ["rules", "put", "r", "--pattern", '{"source": []}']).exception
    )
    result = runner.invoke(app, ["rules", "delete", "nope"])
    assert result.exit_code != 0 and "nope" in str(result.exception)


def test_events_put_reports_a_per_entry_error() -> None:
    code, output = run("events", "put", "--source", "s", "--detail-type", "t", "--detail", "[1]", "--json")
    assert code == 1
    assert json.loads(output)["Entries"][0]["ErrorCode"] == "MalformedDetail"


def test_events_search_stats_and_tail() -> None:
    first = put_event()
    second = put_event(source="hexad.sli")
    code, output = run("events", "search", "--pattern", '{"source": ["hexad.sli"]}', "--json")
    assert [event["id"] for event in json.loads(output)] == [second]
    code, output = run("events", "stats", "--json")
    assert json.loads(output)["counters"] == {"events": 2, "unmatched": 2}
    code, output = run("events", "tail", "--last", "2", "--count", "2")
    assert code == 0
    assert [json.loads(line)["id"] for line in output.splitlines()] == [first, second]
    code, output = run(
        "events", "tail", "--last", "2", "--count", "1", "--pattern", '{"source": ["hexad.sli"]}'
    )
    assert [json.loads(line)["id"] for line in output.splitlines()] == [second]


def test_buses_can_be_created_listed_and_deleted() -> None:
    assert run("events", "create-bus", "ops", "--retention-days", "30")[0] == 0
    code, output = run("events", "put", "--bus", "ops", "--source", "s", "--detail-type", "t")
    assert code == 0, output
    code, output = run("events", "buses", "--json")
    rows = {row["name"]: row for row in json.loads(output)}
    assert rows["ops"]["archive_retention_days"] == 30 and rows["ops"]["events"] == 1
    assert rows["default"]["events"] == 0
    assert run("events", "delete-bus", "ops")[0] == 0
    assert [row["name"] for row in json.loads(run("events", "buses", "--json")[1])] == ["default"]


def test_events_tail_follows_events_put_after_it_started() -> None:
    already = put_event()  # there before tail starts: not shown without --last
    outcome: dict[str, str] = {}

    def follow() -> None:
        outcome["output"] = runner.invoke(
            app, ["events", "tail", "--count", "1", "--interval", "0.05"]
        ).output

    thread = threading.Thread(target=follow)
    thread.start()
    put_ids: list[str] = []
    deadline = time.monotonic() + 30
    while thread.is_alive() and time.monotonic() < deadline:  # keep putting until tail has seen one
        entry = {"Source": "hexad.vcm", "DetailType": "contract.renewal.due", "Detail": {}}
        result = asyncio.run(event_bus().put_events([entry]))
        put_ids.append(str(result.entries[0].event_id))
        thread.join(timeout=0.2)
    assert not thread.is_alive()
    shown = json.loads(outcome["output"])["id"]
    assert shown in put_ids and shown != already

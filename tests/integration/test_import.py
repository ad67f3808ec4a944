"""The importer end to end: every format, idempotent re-imports, all-or-nothing on a bad row, raw zone."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from typer.testing import CliRunner

from hexad.cli.app import app
from hexad.config import get_settings
from hexad.domain.database import create_domain_engine
from hexad.domain.frames import load_frames
from hexad.errors import ImportValidationError, QueueError
from hexad.ingest import import_paths
from hexad.lake.objects import open_object_store
from tests.support.services import require_service, unique_name
from tests.unit.ingest.conftest import ROWS, write_rows

SERVER = os.environ.get("HEXAD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")


def _data_set(folder: Path) -> list[Path]:
    """The tiny MSP, one entity per format: CSV, xlsx, JSON lines and Parquet."""
    suffixes = {"clients": ".xlsx", "technicians": ".jsonl", "time_entries": ".parquet", "tickets": ".jsonl"}
    return [write_rows(folder, e, rows, suffixes.get(e, ".csv")) for e, rows in ROWS.items()]


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar_one())


def _hexad(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HEXAD_HOME": str(get_settings().home), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "hexad", *args], capture_output=True, text=True, env=env,
                          timeout=120, check=False)  # fmt: skip


def test_every_format_imports_and_a_second_import_inserts_nothing(tmp_path: Path) -> None:
    files = _data_set(tmp_path / "in")
    first = import_paths(files)
    assert {e: c.inserted for e, c in first.counts.items()} == {e: len(r) for e, r in ROWS.items()}
    assert first.total_rows == sum(len(r) for r in ROWS.values())
    again = import_paths(files)
    assert sum(c.inserted + c.updated for c in again.counts.values()) == 0
    assert {e: c.unchanged for e, c in again.counts.items()} == {e: len(r) for e, r in ROWS.items()}


def test_entities_are_written_in_reference_order_whatever_order_files_come_in(tmp_path: Path) -> None:
    files = _data_set(tmp_path / "in")
    report = import_paths(list(reversed(files)))
    order = list(report.counts)
    assert order.index("clients") < order.index("agreements") < order.index("tickets")
    assert order.index("tickets") < order.index("time_entries")


def test_a_changed_row_is_updated_and_the_rest_unchanged(tmp_path: Path) -> None:
    import_paths(_data_set(tmp_path / "in"))
    changed = [dict(ROWS["clients"][0], tier="platinum"), ROWS["clients"][1]]
    report = import_paths([write_rows(tmp_path / "next", "clients", changed)])
    counts = report.counts["clients"]
    assert (counts.inserted, counts.updated, counts.unchanged) == (0, 1, 1)
    clients = load_frames(["clients"])["clients"]
    assert clients.set_index("client_id").loc["CL-1", "tier"] == "platinum"


@pytest.mark.slow
def test_a_bad_row_exits_1_naming_row_and_column_and_changes_nothing(tmp_path: Path) -> None:
    import_paths(_data_set(tmp_path / "in"))
    engine = create_domain_engine(get_settings().effective_database_url)
    before = {t: _count(engine, t) for t in ("clients", "sites", "time_entries")}
    sites = [{"site_id": "ST-1", "client_id": "CL-1", "name": "Head office", "latitude": "44.9"}]
    bad_entries = [dict(ROWS["time_entries"][0], time_entry_id="TE-9"),
                   dict(ROWS["time_entries"][1], time_entry_id="TE-10", hours="lots")]  # fmt: skip
    files = [
        write_rows(tmp_path / "bad", "sites", sites),
        write_rows(tmp_path / "bad", "time_entries", bad_entries),
    ]
    done = _hexad("import", *map(str, files))
    assert done.returncode == 1
    message = " ".join(done.stderr.split())
    assert "time_entries.csv row 2 (line 3), column hours: got 'lots'" in message
    assert "nothing was imported" in message
    assert {t: _count(engine, t) for t in before} == before
    engine.dispose()


def test_problems_are_listed_up_to_50_then_counted(tmp_path: Path) -> None:
    rows = [{"vendor_id": f"VN-{i}", "name": "V", "country": "usa"} for i in range(70)]
    with pytest.raises(ImportValidationError) as caught:
        import_paths([write_rows(tmp_path, "vendors", rows)])
    assert len(caught.value.issues) == 70
    assert str(caught.value).count("column country") == 50
    assert "... and 20 more" in str(caught.value)


def test_unknown_references_and_duplicate_keys_are_row_errors(tmp_path: Path) -> None:
    import_paths(_data_set(tmp_path / "in"))
    sites = [{"site_id": "ST-1", "client_id": "CL-404", "name": "Lost"},
             {"site_id": "ST-1", "client_id": "CL-1", "name": "Twice"}]  # fmt: skip
    with pytest.raises(ImportValidationError) as caught:
        import_paths([write_rows(tmp_path / "bad", "sites", sites)])
    text = str(caught.value)
    assert "row 2 (line 3), column site_id: got 'ST-1'; expected a unique site_id" in text
    with pytest.raises(ImportValidationError) as caught_refs:
        import_paths([write_rows(tmp_path / "b2", "sites", sites[:1])])
    assert "column client_id: got 'CL-404'; expected an existing clients.client_id" in str(caught_refs.value)


def test_the_entity_option_overrides_the_file_name(tmp_path: Path) -> None:
    path = write_rows(tmp_path, "export-2024", ROWS["vendors"])
    with pytest.raises(ImportValidationError, match="names no entity"):
        import_paths([path])
    assert import_paths([path], entity="vendors").counts["vendors"].inserted == 1


def test_raw_files_are_kept_in_the_lake_by_entity_and_day(tmp_path: Path) -> None:
    report = import_paths(_data_set(tmp_path / "in"))
    store = open_object_store(get_settings().effective_object_store_url)
    keys = store.list("raw/")
    assert len(keys) == len(ROWS) == len(report.raw_objects)
    entry = next(k for k in keys if k.startswith("raw/time_entries/"))
    assert entry.endswith("/time_entries.parquet") and len(entry.split("/")[2]) == 10
    path = Path(next(u for u in report.raw_objects if u.endswith(entry)).removeprefix("file://"))
    assert pq.read_table(path).num_rows == len(ROWS["time_entries"])


def test_data_imported_events_are_published_after_the_commit(tmp_path: Path) -> None:
    published: list[dict[str, Any]] = []

    async def publish(entries: list[dict[str, Any]]) -> None:
        assert _count(create_domain_engine(get_settings().effective_database_url), "clients") == 2
        published.extend(entries)

    import_paths(_data_set(tmp_path / "in"), publish=publish)
    assert {e["Detail"]["entity"] for e in published} == set(ROWS)
    clients = next(e for e in published if e["Detail"]["entity"] == "clients")
    assert clients["Source"] == "hexad.ingest" and clients["DetailType"] == "data.imported"
    assert clients["Detail"]["inserted"] == 2 and clients["Detail"]["files"][0].endswith("clients.xlsx")


def test_cli_json_output_reports_counts_or_problems(tmp_path: Path) -> None:
    done = CliRunner().invoke(app, ["import", "--json", *map(str, _data_set(tmp_path / "in"))])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["entities"]["time_entries"]["inserted"] == 2
    bad = write_rows(tmp_path / "bad", "budgets", [dict(ROWS["budgets"][0], amount="ten")])
    refused = CliRunner().invoke(app, ["import", "--json", str(bad)])
    assert isinstance(refused.exception, ImportValidationError)
    problems = json.loads(refused.stdout)
    assert problems["issue_count"] == 1
    assert problems["issues"][0] | {"file": ""} == {
        "file": "",
        "row": 1,
        "line": 2,
        "column": "amount",
        "value": "ten",
        "expected": problems["issues"][0]["expected"],
    }


@pytest.fixture
def postgres_url() -> Iterator[str]:
    require_service("postgres")
    name = unique_name("hexad_import")
    admin = sa.create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{SERVER}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_import_upserts_on_postgresql_too(tmp_path: Path, postgres_url: str) -> None:
    engine = create_domain_engine(postgres_url)
    try:
        files = _data_set(tmp_path / "in")
        assert import_paths(files, engine=engine).counts["time_entries"].inserted == 2
        again = import_paths(files, engine=engine)
        assert sum(c.inserted + c.updated for c in again.counts.values()) == 0
        frames = load_frames(["time_entries", "clients"], engine=engine)
        assert frames["time_entries"]["hours"].tolist() == [1.25, 0.5]
        with engine.connect() as connection:
            value = connection.execute(sa.text("SELECT contract_value FROM clients WHERE client_id = 'CL-1'"))
            assert value.scalar_one() == Decimal("5880.00")
    finally:
        engine.dispose()


@pytest.mark.slow
def test_demo_run_imports_the_generated_data_set_and_a_rerun_changes_nothing() -> None:
    first = CliRunner().invoke(app, ["demo", "run", "--seed", "3", "--clients", "12", "--json"])
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert {e: c["inserted"] for e, c in summary["imported"].items()} == summary["rows"]
    assert summary["imported_rows"] == sum(summary["rows"].values())
    again = json.loads(
        CliRunner().invoke(app, ["demo", "run", "--seed", "3", "--clients", "12", "--json"]).stdout
    )
    assert {e: c["unchanged"] for e, c in again["imported"].items()} == summary["rows"]
    frames = load_frames(["time_entries", "invoices"])
    assert len(frames["time_entries"]) == summary["rows"]["time_entries"]


def test_without_a_publish_callable_the_events_go_to_the_event_bus(tmp_path: Path) -> None:
    from hexad.wiring import event_bus

    report = import_paths(_data_set(tmp_path / "in"))
    assert report.event_error is None
    found = asyncio.run(event_bus().search("default", pattern={"detail-type": ["data.imported"]}))
    assert sorted(e.detail["entity"] for e in found) == sorted(ROWS)
    assert all(e.source == "hexad.ingest" for e in found)


def test_a_failing_bus_is_reported_and_the_import_stays_committed(tmp_path: Path) -> None:
    def refuse(entries: list[dict[str, Any]]) -> None:
        raise QueueError("bus is down")

    report = import_paths(_data_set(tmp_path / "in"), publish=refuse)
    assert report.event_error == "data.imported events not published: bus is down"
    assert len(load_frames(["clients"])["clients"]) == 2


def test_imported_values_read_back_through_the_models_exactly(tmp_path: Path) -> None:
    from datetime import UTC, date, datetime

    from sqlalchemy.orm import Session

    from hexad.domain.models import Client, Ticket, TimeEntry

    import_paths(_data_set(tmp_path / "in"))
    engine = create_domain_engine(get_settings().effective_database_url)
    with Session(engine) as session:
        client = session.get(Client, "CL-1")
        ticket = session.get(Ticket, "TK-1")
        entry = session.get(TimeEntry, "TE-2")
        assert client is not None and ticket is not None and entry is not None
        assert (client.contract_value, client.start_date, client.seats) == (
            Decimal("5880.00"),
            date(2019, 8, 4),
            52,
        )
        assert ticket.opened_at.replace(tzinfo=UTC) == datetime(2023, 10, 2, 7, 10, tzinfo=UTC)
        assert (ticket.onsite, ticket.closed_at) == (False, None)
        assert (entry.hours, entry.billable, entry.ticket_id) == (Decimal("0.50"), False, None)
    engine.dispose()


def test_a_unique_value_used_by_another_row_is_refused_and_nothing_is_imported(tmp_path: Path) -> None:
    invoice = {"invoice_id": "IN-1", "client_id": "CL-1", "invoice_number": "INV-1",
               "issue_date": "2024-01-31", "total": "100.00", "status": "paid"}  # fmt: skip
    import_paths([*_data_set(tmp_path / "in"), write_rows(tmp_path / "in", "invoices", [invoice])])
    clash = [dict(invoice, invoice_id="IN-2")]
    vendors = [{"vendor_id": "VN-2", "name": "New vendor"}]
    files = [
        write_rows(tmp_path / "next", "vendors", vendors),
        write_rows(tmp_path / "next", "invoices", clash),
    ]
    with pytest.raises(ImportValidationError) as caught:
        import_paths(files)
    assert (
        "invoices.csv row 1 (line 2), column invoice_number: got 'INV-1'; "
        "expected a invoice_number that no other invoices row has (invoice_id IN-1 has it)"
    ) in str(caught.value)
    swapped = [
        dict(invoice, invoice_number="INV-2"),
        dict(invoice, invoice_id="IN-2", invoice_number="INV-1"),
    ]
    report = import_paths([write_rows(tmp_path / "swap", "invoices", swapped)])
    assert (report.counts["invoices"].inserted, report.counts["invoices"].updated) == (1, 1)
    assert load_frames(["vendors"])["vendors"]["vendor_id"].tolist() == ["VN-1"]
    store = open_object_store(get_settings().effective_object_store_url)
    kept = next(key for key in store.list("raw/vendors/"))
    assert pq.read_table(io.BytesIO(store.get(kept))).column("vendor_id").to_pylist() == ["VN-1"]

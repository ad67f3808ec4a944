"""A tiny, consistent MSP in the import format, written as whichever file types a test asks for."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

ROWS: dict[str, list[dict[str, Any]]] = {
    "vendors": [{"vendor_id": "VN-1", "name": "Acme Cloud", "category": "cloud", "country": "US"}],
    "clients": [
        {"client_id": "CL-1", "name": "Case-White", "tier": "silver", "status": "active",
         "contract_value": "5880.00", "start_date": "2019-08-04", "seats": "52"},
        {"client_id": "CL-2", "name": "Hardy PLC", "tier": "gold", "status": "active",
         "contract_value": "23160.00", "start_date": "2015-08-18", "seats": "38"},
    ],
    "technicians": [{"technician_id": "TC-1", "name": "Todd Gonzalez", "hourly_cost": "39.79",
                     "bill_rate": "105.00", "weekly_capacity_hours": "40.00"}],
    "agreements": [{"agreement_id": "AG-1", "client_id": "CL-1", "name": "Managed services",
                    "type": "managed_services", "monthly_recurring_revenue": "490.00",
                    "start_date": "2019-08-04", "status": "active"}],
    "tickets": [{"ticket_id": "TK-1", "client_id": "CL-1", "agreement_id": "AG-1", "summary": "MFA reset",
                 "priority": "low", "onsite": "false", "opened_at": "2023-10-02T07:10:00Z",
                 "status": "closed"}],
    "time_entries": [
        {"time_entry_id": "TE-1", "technician_id": "TC-1", "client_id": "CL-1", "ticket_id": "TK-1",
         "agreement_id": "AG-1", "work_date": "2023-10-02", "hours": "1.25", "billable": "true"},
        {"time_entry_id": "TE-2", "technician_id": "TC-1", "client_id": "CL-2", "work_date": "2023-10-03",
         "hours": "0.50", "billable": "false", "notes": "Onsite visit"},
    ],
    "budgets": [{"department": "IT Operations", "period": "2023-10", "category": "software",
                 "amount": "12151.77"}],
}  # fmt: skip

Writer = Callable[..., Path]


def write_rows(folder: Path, entity: str, rows: list[dict[str, Any]], suffix: str = ".csv") -> Path:
    """Write `rows` as `<folder>/<entity><suffix>` (columns: the union of the rows' keys)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{entity}{suffix}"
    frame = pd.DataFrame(rows).astype(object).where(lambda f: f.notna(), None)
    if suffix == ".csv":
        frame.to_csv(path, index=False, lineterminator="\n")
    elif suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif suffix == ".xlsx":
        frame.to_excel(path, index=False)
    elif suffix == ".jsonl":
        path.write_text(
            "".join(json.dumps({k: v for k, v in r.items() if v is not None}) + "\n" for r in rows)
        )
    else:
        raise ValueError(suffix)
    return path


@pytest.fixture
def writer(tmp_path: Path) -> Writer:
    """`writer(entity, rows=None, suffix=".csv", folder=None)` -> the written file."""

    def write(entity: str, rows: list[dict[str, Any]] | None = None, suffix: str = ".csv",
              folder: Path | None = None) -> Path:  # fmt: skip
        return write_rows(folder or tmp_path / "in", entity, ROWS[entity] if rows is None else rows, suffix)

    return write

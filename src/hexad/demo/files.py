"""Writes the generated tables in the import format (see the contract in `hexad.domain.schemas`).

Formatting rules of the format: money and decimals with 2 places, coordinates with 5, dates
`YYYY-MM-DD`, datetimes ISO 8601 with `Z`, booleans `true`/`false`, lists `;`-joined (already joined
by the areas), empty cells for missing values. `time_entries` is written as Parquet (strings for
dates, a real boolean and float hours), everything else as CSV with `\\n` line ends. Column order
follows the contract; pandas writes deterministically, so the same frames give the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["COLUMNS", "DATETIME_COLUMNS", "PARQUET_ENTITIES", "write_tables"]

COLUMNS: dict[str, list[str]] = {
    "vendors": ["vendor_id", "name", "category", "country", "website"],
    "clients": [
        "client_id",
        "name",
        "tier",
        "status",
        "industry",
        "contract_value",
        "start_date",
        "end_date",
        "seats",
        "endpoints",
        "city",
        "country",
    ],
    "sites": ["site_id", "client_id", "name", "address", "latitude", "longitude"],
    "technicians": [
        "technician_id",
        "name",
        "email",
        "role",
        "skills",
        "hourly_cost",
        "bill_rate",
        "weekly_capacity_hours",
        "home_latitude",
        "home_longitude",
        "start_date",
        "end_date",
    ],
    "agreements": [
        "agreement_id",
        "client_id",
        "name",
        "type",
        "monthly_recurring_revenue",
        "start_date",
        "end_date",
        "included_hours",
        "status",
    ],
    "agreement_additions": [
        "addition_id",
        "agreement_id",
        "product",
        "quantity",
        "unit_cost",
        "unit_price",
        "start_date",
        "end_date",
    ],
    "projects": [
        "project_id",
        "client_id",
        "agreement_id",
        "name",
        "budget",
        "estimated_hours",
        "status",
        "start_date",
        "end_date",
    ],
    "tickets": [
        "ticket_id",
        "client_id",
        "site_id",
        "agreement_id",
        "project_id",
        "summary",
        "priority",
        "required_skills",
        "onsite",
        "estimated_hours",
        "opened_at",
        "sla_due_at",
        "closed_at",
        "status",
        "satisfaction",
    ],
    "time_entries": [
        "time_entry_id",
        "technician_id",
        "client_id",
        "ticket_id",
        "project_id",
        "agreement_id",
        "work_date",
        "hours",
        "billable",
        "notes",
    ],
    "invoices": [
        "invoice_id",
        "client_id",
        "invoice_number",
        "issue_date",
        "due_date",
        "paid_date",
        "total",
        "status",
    ],
    "invoice_lines": [
        "line_id",
        "invoice_id",
        "agreement_id",
        "kind",
        "description",
        "quantity",
        "unit_price",
        "amount",
    ],
    "licence_subscriptions": [
        "subscription_id",
        "client_id",
        "vendor",
        "sku",
        "product_name",
        "seats_purchased",
        "unit_cost",
        "unit_price",
        "seats_billed",
        "term",
        "start_date",
        "renewal_date",
    ],
    "licence_assignments": [
        "assignment_id",
        "subscription_id",
        "user_principal",
        "assigned_date",
        "last_activity_date",
    ],
    "budgets": ["department", "period", "category", "amount"],
    "expenses": [
        "expense_id",
        "department",
        "vendor_id",
        "vendor_name",
        "category",
        "amount",
        "currency",
        "expense_date",
        "invoice_number",
        "description",
        "initiative",
    ],
    "vendor_contracts": [
        "contract_id",
        "vendor_id",
        "title",
        "contract_type",
        "value",
        "currency",
        "start_date",
        "end_date",
        "renewal_date",
        "notice_period_days",
        "auto_renew",
        "status",
        "document",
    ],
    "leads": [
        "lead_id",
        "company_name",
        "client_id",
        "source",
        "industry",
        "employees",
        "created_at",
        "status",
    ],
    "opportunities": [
        "opportunity_id",
        "lead_id",
        "client_id",
        "name",
        "stage",
        "amount",
        "monthly_recurring_revenue",
        "created_at",
        "expected_close_date",
        "closed_at",
        "services",
    ],
    "activities": ["activity_id", "opportunity_id", "kind", "occurred_at", "notes"],
}
DATETIME_COLUMNS = {"opened_at", "sla_due_at", "closed_at", "created_at", "occurred_at"}
COORDINATE_COLUMNS = {"latitude", "longitude", "home_latitude", "home_longitude"}
INTEGER_COLUMNS = {
    "seats",
    "endpoints",
    "seats_purchased",
    "seats_billed",
    "employees",
    "notice_period_days",
    "satisfaction",
}
PARQUET_ENTITIES = {"time_entries"}


def write_tables(tables: dict[str, pd.DataFrame], out: Path) -> dict[str, Path]:
    """Write every entity to `out` in the contract's column order; returns the paths by entity."""
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for entity, columns in COLUMNS.items():
        frame = tables[entity][columns]
        if entity in PARQUET_ENTITIES:
            paths[entity] = out / f"{entity}.parquet"
            _formatted(frame, keep_types=True).to_parquet(paths[entity], index=False, compression="zstd")
        else:
            paths[entity] = out / f"{entity}.csv"
            _formatted(frame, keep_types=False).to_csv(paths[entity], index=False, lineterminator="\n")
    return paths


def _formatted(frame: pd.DataFrame, keep_types: bool) -> pd.DataFrame:
    """Each column as the text the format prescribes (Parquet keeps booleans and numbers typed)."""
    result = pd.DataFrame(index=frame.index)
    for name in frame.columns:
        result[name] = _column(frame[name], name, keep_types)
    return result


def _column(values: pd.Series, name: str, keep_types: bool) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        pattern = "%Y-%m-%dT%H:%M:%SZ" if name in DATETIME_COLUMNS else "%Y-%m-%d"
        text: pd.Series = values.dt.strftime(pattern).astype(object).where(values.notna(), None)
        return text
    if name in INTEGER_COLUMNS:
        return (
            values.astype("Int64")
            .astype(object)
            .where(values.notna(), None)
            .map(lambda v: None if v is None else str(int(v)))
        )
    if pd.api.types.is_bool_dtype(values) and keep_types:
        return values
    if pd.api.types.is_bool_dtype(values) or (values.dtype == object and _is_optional_bool(values)):
        return values.astype(object).map(
            lambda v: None if v is None or v is pd.NA else ("true" if v else "false")
        )
    if pd.api.types.is_float_dtype(values):
        if keep_types:
            return values
        places = 5 if name in COORDINATE_COLUMNS else 2
        return values.map(lambda v: None if np.isnan(v) else f"{v:.{places}f}")
    return (
        values.astype(object).where(values.notna(), None).map(lambda v: None if v in ("", None) else str(v))
    )


def _is_optional_bool(values: pd.Series) -> bool:
    present = values.dropna()
    return len(present) > 0 and all(isinstance(v, bool | np.bool_) for v in present)

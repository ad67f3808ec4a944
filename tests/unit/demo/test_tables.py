"""The files follow the import contract: names, columns, value formats, counts and foreign keys."""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd
import pytest

from hexad.demo.files import COLUMNS
from hexad.demo.generator import GenerationResult
from tests.unit.demo.conftest import SMALL_CLIENTS

Read = Callable[[str], pd.DataFrame]

MONEY = re.compile(r"^-?\d+\.\d{2}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
ENUMS = {
    ("clients", "tier"): {"platinum", "gold", "silver", "bronze"},
    ("clients", "status"): {"active", "onboarding", "churned"},
    ("technicians", "role"): {"tier1", "tier2", "tier3", "field", "project"},
    ("agreements", "type"): {"managed_services", "block_hours", "time_and_materials", "fixed_fee_project"},
    ("agreements", "status"): {"active", "expired", "cancelled"},
    ("projects", "status"): {"planned", "active", "completed", "cancelled"},
    ("tickets", "priority"): {"critical", "high", "medium", "low"},
    ("tickets", "status"): {"open", "in_progress", "closed"},
    ("tickets", "onsite"): {"true", "false"},
    ("invoices", "status"): {"open", "paid", "overdue", "void"},
    ("invoice_lines", "kind"): {"recurring", "labour", "product", "licence", "project"},
    ("licence_subscriptions", "term"): {"monthly", "annual"},
    ("vendor_contracts", "contract_type"): {"msa", "saas", "support", "lease", "distribution", "services"},
    ("vendor_contracts", "status"): {"active", "pending_approval", "expired", "terminated"},
    ("vendor_contracts", "auto_renew"): {"true", "false", ""},
    ("leads", "source"): {"referral", "website", "event", "cold_outreach", "partner", "upsell"},
    ("leads", "status"): {"new", "qualified", "disqualified", "converted"},
    ("opportunities", "stage"): {
        "prospecting", "qualification", "proposal", "negotiation", "closed_won", "closed_lost",
    },
    ("activities", "kind"): {"call", "email", "meeting", "demo", "proposal_sent"},
}  # fmt: skip
MONEY_COLUMNS = {
    ("clients", "contract_value"), ("technicians", "hourly_cost"), ("technicians", "bill_rate"),
    ("agreements", "monthly_recurring_revenue"), ("agreement_additions", "unit_price"),
    ("projects", "budget"), ("invoices", "total"), ("invoice_lines", "amount"),
    ("licence_subscriptions", "unit_cost"), ("budgets", "amount"), ("expenses", "amount"),
    ("vendor_contracts", "value"), ("opportunities", "amount"),
}  # fmt: skip
DATE_COLUMNS = {
    ("clients", "start_date"), ("clients", "end_date"), ("agreements", "start_date"),
    ("invoices", "issue_date"), ("invoices", "paid_date"), ("licence_assignments", "last_activity_date"),
    ("expenses", "expense_date"),
    ("vendor_contracts", "renewal_date"), ("opportunities", "expected_close_date"),
}  # fmt: skip
DATETIME_COLUMNS = {("tickets", "opened_at"), ("tickets", "closed_at"), ("activities", "occurred_at")}
FOREIGN_KEYS = [
    ("sites", "client_id", "clients", "client_id"),
    ("agreements", "client_id", "clients", "client_id"),
    ("agreement_additions", "agreement_id", "agreements", "agreement_id"),
    ("projects", "client_id", "clients", "client_id"),
    ("projects", "agreement_id", "agreements", "agreement_id"),
    ("tickets", "client_id", "clients", "client_id"),
    ("tickets", "site_id", "sites", "site_id"),
    ("tickets", "agreement_id", "agreements", "agreement_id"),
    ("time_entries", "technician_id", "technicians", "technician_id"),
    ("time_entries", "client_id", "clients", "client_id"),
    ("time_entries", "ticket_id", "tickets", "ticket_id"),
    ("time_entries", "project_id", "projects", "project_id"),
    ("time_entries", "agreement_id", "agreements", "agreement_id"),
    ("invoices", "client_id", "clients", "client_id"),
    ("invoice_lines", "invoice_id", "invoices", "invoice_id"),
    ("invoice_lines", "agreement_id", "agreements", "agreement_id"),
    ("licence_subscriptions", "client_id", "clients", "client_id"),
    ("licence_assignments", "subscription_id", "licence_subscriptions", "subscription_id"),
    ("expenses", "vendor_id", "vendors", "vendor_id"),
    ("vendor_contracts", "vendor_id", "vendors", "vendor_id"),
    ("leads", "client_id", "clients", "client_id"),
    ("opportunities", "lead_id", "leads", "lead_id"),
    ("activities", "opportunity_id", "opportunities", "opportunity_id"),
]


def test_every_entity_file_has_exactly_the_contract_columns(small_set: GenerationResult, table: Read) -> None:
    assert set(small_set.paths) == set(COLUMNS)
    for entity, columns in COLUMNS.items():
        assert list(table(entity).columns) == columns, entity
    assert small_set.paths["time_entries"].suffix == ".parquet"


@pytest.mark.parametrize(("entity", "column"), sorted(ENUMS))
def test_enumerations_use_only_allowed_values(table: Read, entity: str, column: str) -> None:
    assert set(table(entity)[column]) <= ENUMS[(entity, column)]


@pytest.mark.parametrize(
    ("columns", "pattern"), [(MONEY_COLUMNS, MONEY), (DATE_COLUMNS, DATE), (DATETIME_COLUMNS, DATETIME)]
)
def test_values_have_the_contract_format(
    table: Read, columns: set[tuple[str, str]], pattern: re.Pattern[str]
) -> None:
    for entity, column in sorted(columns):
        values = table(entity)[column]
        bad = values[(values != "") & ~values.str.match(pattern)]
        assert bad.empty, f"{entity}.{column}: {bad.head(3).tolist()}"


def test_ids_are_unique(table: Read) -> None:
    for entity, columns in COLUMNS.items():
        if entity != "budgets":
            assert table(entity)[columns[0]].is_unique, entity
    assert not table("budgets").duplicated(["department", "period", "category"]).any()


@pytest.mark.parametrize(("child", "column", "parent", "key"), FOREIGN_KEYS)
def test_foreign_keys_point_at_existing_rows(
    table: Read, child: str, column: str, parent: str, key: str
) -> None:
    values = table(child)[column].dropna()
    values = values[values != ""]
    missing = set(values) - set(table(parent)[key])
    assert not missing, f"{child}.{column}: {sorted(missing)[:3]}"


def test_counts_scale_with_the_number_of_clients(table: Read) -> None:
    assert len(table("clients")) == SMALL_CLIENTS
    assert 200 * SMALL_CLIENTS <= len(table("tickets")) <= 400 * SMALL_CLIENTS
    assert 3 * len(table("tickets")) <= len(table("time_entries")) <= 15 * len(table("tickets"))
    assert len(table("vendor_contracts")) == round(120 * SMALL_CLIENTS / 200)
    assert len(table("leads")) == round(600 * SMALL_CLIENTS / 200)
    assert len(table("technicians")) == max(5, round(40 * SMALL_CLIENTS / 200))


def test_time_entries_are_positive_and_at_most_a_day(table: Read) -> None:
    entries = table("time_entries")
    assert entries["hours"].between(0.25, 24).all()
    assert entries["billable"].dtype == bool
    assert ((entries["ticket_id"].notna()) ^ (entries["project_id"].notna())).all()


def test_invoice_totals_equal_their_lines(table: Read) -> None:
    lines = table("invoice_lines").assign(amount=lambda f: f["amount"].astype(float))
    sums = lines.groupby("invoice_id")["amount"].sum().round(2)
    totals = table("invoices").set_index("invoice_id")["total"].astype(float)
    assert (sums.reindex(totals.index) - totals).abs().max() < 0.011


def test_nothing_happens_after_the_reference_date(table: Read, small_set: GenerationResult) -> None:
    reference = small_set.reference_date
    assert table("tickets")["opened_at"].max()[:10] <= reference
    assert table("time_entries")["work_date"].max() <= reference
    assert table("expenses")["expense_date"].max() <= reference
    assert table("invoices")["issue_date"].max() <= reference

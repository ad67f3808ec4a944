"""The import-format contract: one pydantic row schema per entity, and `ENTITIES` derived from them.

A row model's fields, in declaration order, ARE the entity's columns: `EntitySpec.columns`, the
database tables (`hexad.domain.models`), the demo generator (`hexad.demo.files.COLUMNS`) and
`docs/import-format.md` are all checked against these models by tests, so they cannot drift apart.

Each field's type carries a `Kind` marker (money, date, list, ...) that says how the value is written
in a file and how `hexad.domain.frames` types it for analysis. Values arrive as text from CSV and
xlsx and typed from Parquet and JSON lines; pydantic's lax mode accepts both (`"12.50"` and `12.5`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, NotRequired

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter
from typing_extensions import TypedDict

__all__ = ["ENTITIES", "EntitySpec", "Kind", "RowModel", "kind_of"]


@dataclass(frozen=True)
class Kind:
    """How a column's values are written in the import format (shown in docs and error messages)."""

    name: str
    description: str


def _utc(value: datetime) -> datetime:
    """Timestamps are stored in UTC; a value without an offset is taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _cents(value: Decimal) -> Decimal:
    """Every amount with exactly two places, so `490.0` and `490.00` are the same row value."""
    return value.quantize(_CENT)


_CENT = Decimal("0.01")
_ID = Kind("id", "identifier text (at most 64 characters)")
Identifier = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), _ID]
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), Kind("code", "short code")
]
Text = Annotated[str, StringConstraints(max_length=10_000), Kind("text", "free text")]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255), Kind("text", "text")
]
Joined = Annotated[str, StringConstraints(max_length=2_000), Kind("list", "values joined with `;`")]
Money = Annotated[
    Decimal,
    Field(max_digits=14, decimal_places=2),
    AfterValidator(_cents),
    Kind("money", "decimal amount, at most 2 places"),
]
Amount = Annotated[
    Decimal,
    Field(max_digits=12, decimal_places=2, ge=0),
    AfterValidator(_cents),
    Kind("decimal", "decimal >= 0, at most 2 places"),
]
Count = Annotated[int, Field(ge=0), Kind("integer", "whole number >= 0")]
Latitude = Annotated[float, Field(ge=-90, le=90), Kind("coordinate", "latitude in degrees, -90..90")]
Longitude = Annotated[float, Field(ge=-180, le=180), Kind("coordinate", "longitude in degrees, -180..180")]
Flag = Annotated[bool, Kind("boolean", "`true` or `false`")]
Day = Annotated[date, Kind("date", "date `YYYY-MM-DD`")]
Timestamp = Annotated[
    datetime, AfterValidator(_utc), Kind("datetime", "ISO 8601 date-time, `Z` or an offset (UTC if none)")
]
Period = Annotated[
    str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$"), Kind("period", "month `YYYY-MM`")
]
Currency = Annotated[
    str, StringConstraints(pattern=r"^[A-Z]{3}$"), Kind("currency", "ISO 4217 code, e.g. `USD`")
]
Country = Annotated[
    str, StringConstraints(pattern=r"^[A-Z]{2}$"), Kind("country", "ISO 3166 alpha-2 code, e.g. `US`")
]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[^@\s]+@[^@\s]+$", max_length=255),
    Kind("email", "e-mail address"),
]
Priority = Annotated[
    Literal["low", "medium", "high", "critical"], Kind("code", "`low`, `medium`, `high` or `critical`")
]
Satisfaction = Annotated[int, Field(ge=1, le=5), Kind("integer", "survey score 1..5")]


class RowModel(BaseModel):
    """Base of the row schemas: unknown keys are refused, values are coerced leniently (text to types)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Vendor(RowModel):
    vendor_id: Identifier
    name: Name
    category: Code | None = None
    country: Country | None = None
    website: Text | None = None


class Client(RowModel):
    client_id: Identifier
    name: Name
    tier: Code | None = None
    status: Code
    industry: Code | None = None
    contract_value: Money | None = None
    start_date: Day
    end_date: Day | None = None
    seats: Count | None = None
    endpoints: Count | None = None
    city: Name | None = None
    country: Country | None = None


class Site(RowModel):
    site_id: Identifier
    client_id: Identifier
    name: Name
    address: Text | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class Technician(RowModel):
    technician_id: Identifier
    name: Name
    email: Email | None = None
    role: Code | None = None
    skills: Joined | None = None
    hourly_cost: Money | None = None
    bill_rate: Money | None = None
    weekly_capacity_hours: Amount | None = None
    home_latitude: Latitude | None = None
    home_longitude: Longitude | None = None
    start_date: Day | None = None
    end_date: Day | None = None


class Agreement(RowModel):
    agreement_id: Identifier
    client_id: Identifier
    name: Name
    type: Code
    monthly_recurring_revenue: Money | None = None
    start_date: Day
    end_date: Day | None = None
    included_hours: Amount | None = None
    status: Code


class AgreementAddition(RowModel):
    addition_id: Identifier
    agreement_id: Identifier
    product: Name
    quantity: Amount
    unit_cost: Money | None = None
    unit_price: Money | None = None
    start_date: Day | None = None
    end_date: Day | None = None


class Project(RowModel):
    project_id: Identifier
    client_id: Identifier
    agreement_id: Identifier | None = None
    name: Name
    budget: Money | None = None
    estimated_hours: Amount | None = None
    status: Code
    start_date: Day | None = None
    end_date: Day | None = None


class Ticket(RowModel):
    ticket_id: Identifier
    client_id: Identifier
    site_id: Identifier | None = None
    agreement_id: Identifier | None = None
    project_id: Identifier | None = None
    summary: Text
    priority: Priority
    required_skills: Joined | None = None
    onsite: Flag = False
    estimated_hours: Amount | None = None
    opened_at: Timestamp
    sla_due_at: Timestamp | None = None
    closed_at: Timestamp | None = None
    status: Code
    satisfaction: Satisfaction | None = None


class TimeEntry(RowModel):
    time_entry_id: Identifier
    technician_id: Identifier
    client_id: Identifier
    ticket_id: Identifier | None = None
    project_id: Identifier | None = None
    agreement_id: Identifier | None = None
    work_date: Day
    hours: Amount
    billable: Flag
    notes: Text | None = None


class Invoice(RowModel):
    invoice_id: Identifier
    client_id: Identifier
    invoice_number: Identifier
    issue_date: Day
    due_date: Day | None = None
    paid_date: Day | None = None
    total: Money
    status: Code


class InvoiceLine(RowModel):
    line_id: Identifier
    invoice_id: Identifier
    agreement_id: Identifier | None = None
    kind: Code
    description: Text | None = None
    quantity: Amount
    unit_price: Money
    amount: Money


class LicenceSubscription(RowModel):
    subscription_id: Identifier
    client_id: Identifier
    vendor: Name
    sku: Identifier
    product_name: Name | None = None
    seats_purchased: Count
    unit_cost: Money | None = None
    unit_price: Money | None = None
    seats_billed: Count | None = None
    term: Code | None = None
    start_date: Day | None = None
    renewal_date: Day | None = None


class LicenceAssignment(RowModel):
    assignment_id: Identifier
    subscription_id: Identifier
    user_principal: Name
    assigned_date: Day | None = None
    last_activity_date: Day | None = None


class Budget(RowModel):
    department: Name
    period: Period
    category: Code
    amount: Money


class Expense(RowModel):
    expense_id: Identifier
    department: Name
    vendor_id: Identifier | None = None
    vendor_name: Name | None = None
    category: Code
    amount: Money
    currency: Currency = "USD"
    expense_date: Day
    invoice_number: Identifier | None = None
    description: Text | None = None
    initiative: Name | None = None


class VendorContract(RowModel):
    contract_id: Identifier
    vendor_id: Identifier
    title: Name
    contract_type: Code | None = None
    value: Money | None = None
    currency: Currency | None = None
    start_date: Day | None = None
    end_date: Day | None = None
    renewal_date: Day | None = None
    notice_period_days: Count | None = None
    auto_renew: Flag | None = None
    status: Code
    document: Text | None = None


class Lead(RowModel):
    lead_id: Identifier
    company_name: Name
    client_id: Identifier | None = None
    source: Code | None = None
    industry: Code | None = None
    employees: Count | None = None
    created_at: Timestamp
    status: Code


class Opportunity(RowModel):
    opportunity_id: Identifier
    lead_id: Identifier | None = None
    client_id: Identifier | None = None
    name: Name
    stage: Code
    amount: Money | None = None
    monthly_recurring_revenue: Money | None = None
    created_at: Timestamp
    expected_close_date: Day | None = None
    closed_at: Timestamp | None = None
    services: Joined | None = None


class Activity(RowModel):
    activity_id: Identifier
    opportunity_id: Identifier
    kind: Code
    occurred_at: Timestamp
    notes: Text | None = None


@dataclass(frozen=True)
class EntitySpec:
    """One entity of the import format: its columns in order, their kinds, and how rows are keyed."""

    name: str
    model: type[RowModel]
    natural_key: tuple[str, ...]
    example: dict[str, Any]
    columns: tuple[str, ...] = field(init=False)
    kinds: dict[str, Kind] = field(init=False)
    required: frozenset[str] = field(init=False)
    defaults: dict[str, Any] = field(init=False)
    rows: TypeAdapter[list[dict[str, Any]]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        fields = self.model.model_fields
        object.__setattr__(self, "columns", tuple(fields))
        object.__setattr__(self, "kinds", {name: kind_of(self.model, name) for name in fields})
        required = {name for name, info in fields.items() if info.is_required()}
        object.__setattr__(self, "required", frozenset(required))
        defaults = {name: info.default for name, info in fields.items() if not info.is_required()}
        object.__setattr__(self, "defaults", defaults)
        object.__setattr__(self, "rows", _rows_adapter(self.model))


def _rows_adapter(model: type[RowModel]) -> TypeAdapter[list[dict[str, Any]]]:
    """Validates a list of rows into plain dicts with the model's field types and constraints.

    The same rules as `model`, but without building a model instance per row: importing 270k rows
    this way takes half the time. Absent optional keys stay absent (`EntitySpec.defaults` fills them).
    """
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        annotation = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        fields[name] = annotation if info.is_required() else NotRequired[annotation]
    make_typed_dict: Any = TypedDict
    row_type = make_typed_dict(f"{model.__name__}Row", fields)
    row_type.__pydantic_config__ = ConfigDict(extra="forbid")
    adapter: TypeAdapter[list[dict[str, Any]]] = TypeAdapter(list[row_type])  # type: ignore[valid-type]
    return adapter


def kind_of(model: type[BaseModel], column: str) -> Kind:
    """The `Kind` marker of a column (the first one found in its annotation's metadata)."""
    info = model.model_fields[column]
    for item in info.metadata:
        if isinstance(item, Kind):
            return item
    for arg in getattr(info.annotation, "__args__", ()):
        for item in getattr(arg, "__metadata__", ()):
            if isinstance(item, Kind):
                return item
    raise TypeError(f"{model.__name__}.{column} has no Kind marker")


def _spec(name: str, model: type[RowModel], example: dict[str, Any], key: tuple[str, ...] = ()) -> EntitySpec:
    return EntitySpec(name, model, key or (next(iter(model.model_fields)),), example)


ENTITIES: dict[str, EntitySpec] = {
    spec.name: spec
    for spec in (
        _spec("vendors", Vendor, {"vendor_id": "VN-001", "name": "Sanchez Software", "category": "software",
                                  "country": "US", "website": "https://www.sanchezsoftware.example"}),
        _spec("clients", Client, {"client_id": "CL-0001", "name": "Case-White", "tier": "silver",
                                  "status": "active", "industry": "education", "contract_value": "5880.00",
                                  "start_date": "2019-08-04", "seats": "52", "endpoints": "63",
                                  "city": "Minneapolis", "country": "US"}),
        _spec("sites", Site, {"site_id": "ST-00001", "client_id": "CL-0001", "name": "Head office",
                              "address": "3099 Adams Radial",
                              "latitude": "44.88079", "longitude": "-93.22609"}),
        _spec("technicians", Technician, {
            "technician_id": "TC-001", "name": "Todd Gonzalez", "email": "todd.gonzalez@hexad-msp.example",
            "role": "tier1", "skills": "backup;network;security;voip", "hourly_cost": "39.79",
            "bill_rate": "105.00", "weekly_capacity_hours": "40.00", "home_latitude": "43.59353",
            "home_longitude": "-79.45157", "start_date": "2019-07-07"}),
        _spec("agreements", Agreement, {
            "agreement_id": "AG-0001", "client_id": "CL-0001", "name": "Managed Services agreement",
            "type": "managed_services", "monthly_recurring_revenue": "490.00", "start_date": "2019-08-04",
            "status": "active"}),
        _spec("agreement_additions", AgreementAddition, {
            "addition_id": "AD-00001", "agreement_id": "AG-0001",
            "product": "Endpoint detection and response",
            "quantity": "63.00", "unit_cost": "4.20", "unit_price": "9.00", "start_date": "2019-08-04"}),
        _spec("projects", Project, {
            "project_id": "PR-0002", "client_id": "CL-0113", "agreement_id": "AG-P0002",
            "name": "Backup redesign project", "budget": "7990.00", "estimated_hours": "48.00",
            "status": "completed", "start_date": "2024-11-27", "end_date": "2025-02-25"}),
        _spec("tickets", Ticket, {
            "ticket_id": "TK-000002", "client_id": "CL-0149", "agreement_id": "AG-0149",
            "summary": "MFA reset request", "priority": "low", "required_skills": "printers",
            "onsite": "true",
            "estimated_hours": "2.00", "opened_at": "2023-10-02T07:10:00Z",
            "sla_due_at": "2023-10-05T07:10:00Z",
            "closed_at": "2023-10-06T17:30:00Z", "status": "closed", "satisfaction": "5"}),
        _spec("time_entries", TimeEntry, {
            "time_entry_id": "TE-0000001", "technician_id": "TC-001", "client_id": "CL-0044",
            "ticket_id": "TK-000001", "agreement_id": "AG-0044", "work_date": "2023-10-02", "hours": "1.25",
            "billable": "true", "notes": "Investigated and resolved"}),
        _spec("invoices", Invoice, {
            "invoice_id": "IN-000001", "client_id": "CL-0001", "invoice_number": "INV-202310-00001",
            "issue_date": "2023-10-31", "due_date": "2023-11-30", "paid_date": "2023-11-19",
            "total": "4925.57",
            "status": "paid"}),
        _spec("invoice_lines", InvoiceLine, {
            "line_id": "IL-0000001", "invoice_id": "IN-000001", "kind": "licence",
            "description": "Microsoft 365 E5", "quantity": "47.00", "unit_price": "68.40",
            "amount": "3214.80"}),
        _spec("licence_subscriptions", LicenceSubscription, {
            "subscription_id": "LS-00001", "client_id": "CL-0001", "vendor": "Microsoft", "sku": "SPE_E5",
            "product_name": "Microsoft 365 E5", "seats_purchased": "47", "unit_cost": "57.00",
            "unit_price": "68.40", "seats_billed": "47", "term": "annual", "start_date": "2023-10-30",
            "renewal_date": "2026-10-29"}),
        _spec("licence_assignments", LicenceAssignment, {
            "assignment_id": "LA-000001", "subscription_id": "LS-00001",
            "user_principal": "victor.smith0@casewhite.example", "assigned_date": "2023-10-31",
            "last_activity_date": "2026-09-19"}),
        _spec("budgets", Budget, {"department": "IT Operations", "period": "2023-10", "category": "software",
                                  "amount": "12151.77"}, ("department", "period", "category")),
        _spec("expenses", Expense, {
            "expense_id": "EX-00001", "department": "Facilities", "vendor_id": "VN-055",
            "vendor_name": "Crosby Property Services", "category": "facilities", "amount": "682.21",
            "currency": "USD", "expense_date": "2023-10-01", "invoice_number": "055-100000"}),
        _spec("vendor_contracts", VendorContract, {
            "contract_id": "CT-0002", "vendor_id": "VN-004",
            "title": "Equipment lease agreement with Martin Networks, Inc.", "contract_type": "lease",
            "value": "43200.00", "currency": "CAD", "start_date": "2022-09-29", "end_date": "2025-09-29",
            "renewal_date": "2028-09-29", "notice_period_days": "90", "auto_renew": "true",
            "status": "active",
            "document": "contracts/CT-0002.txt"}),
        _spec("leads", Lead, {
            "lead_id": "LD-0001", "company_name": "Schroeder and Sons", "source": "cold_outreach",
            "industry": "education", "employees": "29", "created_at": "2024-08-20T17:55:00Z",
            "status": "qualified"}),
        _spec("opportunities", Opportunity, {
            "opportunity_id": "OP-0002", "lead_id": "LD-0003", "name": "Proctor Inc: project",
            "stage": "closed_won", "amount": "11100.00", "monthly_recurring_revenue": "750.00",
            "created_at": "2025-12-18T16:35:00Z", "expected_close_date": "2026-03-25",
            "closed_at": "2026-03-25T16:35:00Z", "services": "managed_services;network"}),
        _spec("activities", Activity, {
            "activity_id": "AC-00001", "opportunity_id": "OP-0001", "kind": "demo",
            "occurred_at": "2025-10-01T17:51:00Z"}),
    )
}  # fmt: skip

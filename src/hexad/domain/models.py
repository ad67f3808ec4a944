"""The MSP's data as SQLAlchemy 2 typed models: one table per import entity, named as the entity.

Column names are exactly the import format's (`hexad.domain.schemas.ENTITIES`), so agents can write
SQL or DuckDB against the names they see in the files. Every imported table also keeps two
bookkeeping columns: `row_hash` (what the importer compares to report a row as unchanged) and
`imported_at`. Natural keys from the files are the primary keys (budgets: department, period,
category); references between entities are foreign keys, which is why the importer loads entities in
`IMPORT_ORDER`. Money is `NUMERIC(14, 2)` and `Decimal` (see `hexad.domain.types`), never float.

`findings`, `finding_comments` and `users` are written by the agents, the API and the auth area.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hexad.domain.types import JsonDocument, Money, Quantity

__all__ = [
    "IMPORT_ORDER",
    "Activity",
    "Agreement",
    "AgreementAddition",
    "ApiKey",
    "AuditRecord",
    "Base",
    "Budget",
    "Client",
    "Expense",
    "Finding",
    "FindingComment",
    "Invoice",
    "InvoiceLine",
    "Lead",
    "LicenceAssignment",
    "LicenceSubscription",
    "LlmCall",
    "Opportunity",
    "Project",
    "RefreshToken",
    "Site",
    "Task",
    "Technician",
    "Ticket",
    "TimeEntry",
    "User",
    "Vendor",
    "VendorContract",
    "entity_table",
]

_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
_ID = 64


def _now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base with constraint names fixed, so migrations name them the same on every engine."""

    metadata = MetaData(naming_convention=_NAMING)


class Imported(Base):
    """Bookkeeping every imported table carries."""

    __abstract__ = True
    row_hash: Mapped[str] = mapped_column(String(32))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def _ref(target: str, *, nullable: bool = False, index: bool = False) -> Any:
    return mapped_column(String(_ID), ForeignKey(target), nullable=nullable, index=index)


def _key() -> Any:
    return mapped_column(String(_ID), primary_key=True)


class Vendor(Imported):
    __tablename__ = "vendors"
    vendor_id: Mapped[str] = _key()
    name: Mapped[str] = mapped_column(String(255))
    category: Mapped[str | None] = mapped_column(String(_ID))
    country: Mapped[str | None] = mapped_column(String(2))
    website: Mapped[str | None] = mapped_column(Text)


class Client(Imported):
    __tablename__ = "clients"
    client_id: Mapped[str] = _key()
    name: Mapped[str] = mapped_column(String(255))
    tier: Mapped[str | None] = mapped_column(String(_ID))
    status: Mapped[str] = mapped_column(String(_ID))
    industry: Mapped[str | None] = mapped_column(String(_ID))
    contract_value: Mapped[Decimal | None] = mapped_column(Money())
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    seats: Mapped[int | None] = mapped_column(Integer)
    endpoints: Mapped[int | None] = mapped_column(Integer)
    city: Mapped[str | None] = mapped_column(String(255))
    country: Mapped[str | None] = mapped_column(String(2))


class Site(Imported):
    __tablename__ = "sites"
    site_id: Mapped[str] = _key()
    client_id: Mapped[str] = _ref("clients.client_id", index=True)
    name: Mapped[str] = mapped_column(String(255))
    address: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)


class Technician(Imported):
    __tablename__ = "technicians"
    technician_id: Mapped[str] = _key()
    name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str | None] = mapped_column(String(_ID))
    skills: Mapped[str | None] = mapped_column(String(2000))
    hourly_cost: Mapped[Decimal | None] = mapped_column(Money())
    bill_rate: Mapped[Decimal | None] = mapped_column(Money())
    weekly_capacity_hours: Mapped[Decimal | None] = mapped_column(Quantity())
    home_latitude: Mapped[float | None] = mapped_column(Float)
    home_longitude: Mapped[float | None] = mapped_column(Float)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)


class Agreement(Imported):
    __tablename__ = "agreements"
    agreement_id: Mapped[str] = _key()
    client_id: Mapped[str] = _ref("clients.client_id", index=True)
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(_ID))
    monthly_recurring_revenue: Mapped[Decimal | None] = mapped_column(Money())
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    included_hours: Mapped[Decimal | None] = mapped_column(Quantity())
    status: Mapped[str] = mapped_column(String(_ID))


class AgreementAddition(Imported):
    __tablename__ = "agreement_additions"
    addition_id: Mapped[str] = _key()
    agreement_id: Mapped[str] = _ref("agreements.agreement_id", index=True)
    product: Mapped[str] = mapped_column(String(255))
    quantity: Mapped[Decimal] = mapped_column(Quantity())
    unit_cost: Mapped[Decimal | None] = mapped_column(Money())
    unit_price: Mapped[Decimal | None] = mapped_column(Money())
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)


class Project(Imported):
    __tablename__ = "projects"
    project_id: Mapped[str] = _key()
    client_id: Mapped[str] = _ref("clients.client_id", index=True)
    agreement_id: Mapped[str | None] = _ref("agreements.agreement_id", nullable=True)
    name: Mapped[str] = mapped_column(String(255))
    budget: Mapped[Decimal | None] = mapped_column(Money())
    estimated_hours: Mapped[Decimal | None] = mapped_column(Quantity())
    status: Mapped[str] = mapped_column(String(_ID))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)


class Ticket(Imported):
    __tablename__ = "tickets"
    ticket_id: Mapped[str] = _key()
    client_id: Mapped[str] = _ref("clients.client_id", index=True)
    site_id: Mapped[str | None] = _ref("sites.site_id", nullable=True)
    agreement_id: Mapped[str | None] = _ref("agreements.agreement_id", nullable=True)
    project_id: Mapped[str | None] = _ref("projects.project_id", nullable=True)
    summary: Mapped[str] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(16))
    required_skills: Mapped[str | None] = mapped_column(String(2000))
    onsite: Mapped[bool] = mapped_column(Boolean)
    estimated_hours: Mapped[Decimal | None] = mapped_column(Quantity())
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    sla_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(_ID))
    satisfaction: Mapped[int | None] = mapped_column(Integer)


class TimeEntry(Imported):
    __tablename__ = "time_entries"
    time_entry_id: Mapped[str] = _key()
    technician_id: Mapped[str] = _ref("technicians.technician_id", index=True)
    client_id: Mapped[str] = _ref("clients.client_id", index=True)
    ticket_id: Mapped[str | None] = _ref("tickets.ticket_id", nullable=True)
    project_id: Mapped[str | None] = _ref("projects.project_id", nullable=True)
    agreement_id: Mapped[str | None] = _ref("agreements.agreement_id", nullable=True)
    work_date: Mapped[date] = mapped_column(Date, index=True)
    hours: Mapped[Decimal] = mapped_column(Quantity())
    billable: Mapped[bool] = mapped_column(Boolean)
    notes: Mapped[str | None] = mapped_column(Text)


class Invoice(Imported):
    __tablename__ = "invoices"
    invoice_id: Mapped[str] = _key()
    client_id: Mapped[str] = _ref("clients.client_id", index=True)
    invoice_number: Mapped[str] = mapped_column(String(_ID), unique=True)
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    paid_date: Mapped[date | None] = mapped_column(Date)
    total: Mapped[Decimal] = mapped_column(Money())
    status: Mapped[str] = mapped_column(String(_ID))


class InvoiceLine(Imported):
    __tablename__ = "invoice_lines"
    line_id: Mapped[str] = _key()
    invoice_id: Mapped[str] = _ref("invoices.invoice_id", index=True)
    agreement_id: Mapped[str | None] = _ref("agreements.agreement_id", nullable=True)
    kind: Mapped[str] = mapped_column(String(_ID))
    description: Mapped[str | None] = mapped_column(Text)
    quantity: Mapped[Decimal] = mapped_column(Quantity())
    unit_price: Mapped[Decimal] = mapped_column(Money())
    amount: Mapped[Decimal] = mapped_column(Money())


class LicenceSubscription(Imported):
    __tablename__ = "licence_subscriptions"
    subscription_id: Mapped[str] = _key()
    client_id: Mapped[str] = _ref("clients.client_id", index=True)
    vendor: Mapped[str] = mapped_column(String(255))
    sku: Mapped[str] = mapped_column(String(_ID))
    product_name: Mapped[str | None] = mapped_column(String(255))
    seats_purchased: Mapped[int] = mapped_column(Integer)
    unit_cost: Mapped[Decimal | None] = mapped_column(Money())
    unit_price: Mapped[Decimal | None] = mapped_column(Money())
    seats_billed: Mapped[int | None] = mapped_column(Integer)
    term: Mapped[str | None] = mapped_column(String(_ID))
    start_date: Mapped[date | None] = mapped_column(Date)
    renewal_date: Mapped[date | None] = mapped_column(Date)


class LicenceAssignment(Imported):
    __tablename__ = "licence_assignments"
    assignment_id: Mapped[str] = _key()
    subscription_id: Mapped[str] = _ref("licence_subscriptions.subscription_id", index=True)
    user_principal: Mapped[str] = mapped_column(String(255))
    assigned_date: Mapped[date | None] = mapped_column(Date)
    last_activity_date: Mapped[date | None] = mapped_column(Date)


class Budget(Imported):
    __tablename__ = "budgets"
    department: Mapped[str] = mapped_column(String(255), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    category: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Money())


class Expense(Imported):
    __tablename__ = "expenses"
    expense_id: Mapped[str] = _key()
    department: Mapped[str] = mapped_column(String(255), index=True)
    vendor_id: Mapped[str | None] = _ref("vendors.vendor_id", nullable=True, index=True)
    vendor_name: Mapped[str | None] = mapped_column(String(255))
    category: Mapped[str] = mapped_column(String(_ID))
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))
    expense_date: Mapped[date] = mapped_column(Date)
    invoice_number: Mapped[str | None] = mapped_column(String(_ID))
    description: Mapped[str | None] = mapped_column(Text)
    initiative: Mapped[str | None] = mapped_column(String(255))


class VendorContract(Imported):
    __tablename__ = "vendor_contracts"
    contract_id: Mapped[str] = _key()
    vendor_id: Mapped[str] = _ref("vendors.vendor_id", index=True)
    title: Mapped[str] = mapped_column(String(255))
    contract_type: Mapped[str | None] = mapped_column(String(_ID))
    value: Mapped[Decimal | None] = mapped_column(Money())
    currency: Mapped[str | None] = mapped_column(String(3))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    renewal_date: Mapped[date | None] = mapped_column(Date)
    notice_period_days: Mapped[int | None] = mapped_column(Integer)
    auto_renew: Mapped[bool | None] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(_ID))
    document: Mapped[str | None] = mapped_column(Text)


class Lead(Imported):
    __tablename__ = "leads"
    lead_id: Mapped[str] = _key()
    company_name: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str | None] = _ref("clients.client_id", nullable=True)
    source: Mapped[str | None] = mapped_column(String(_ID))
    industry: Mapped[str | None] = mapped_column(String(_ID))
    employees: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(_ID))


class Opportunity(Imported):
    __tablename__ = "opportunities"
    opportunity_id: Mapped[str] = _key()
    lead_id: Mapped[str | None] = _ref("leads.lead_id", nullable=True)
    client_id: Mapped[str | None] = _ref("clients.client_id", nullable=True)
    name: Mapped[str] = mapped_column(String(255))
    stage: Mapped[str] = mapped_column(String(_ID))
    amount: Mapped[Decimal | None] = mapped_column(Money())
    monthly_recurring_revenue: Mapped[Decimal | None] = mapped_column(Money())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expected_close_date: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    services: Mapped[str | None] = mapped_column(String(2000))


class Activity(Imported):
    __tablename__ = "activities"
    activity_id: Mapped[str] = _key()
    opportunity_id: Mapped[str] = _ref("opportunities.opportunity_id", index=True)
    kind: Mapped[str] = mapped_column(String(_ID))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    notes: Mapped[str | None] = mapped_column(Text)


class Finding(Base):
    """What an agent found about one subject; one row per (agent, kind, subject), updated in place."""

    __tablename__ = "findings"
    __table_args__ = (
        UniqueConstraint("agent", "kind", "subject_type", "subject_id", name="uq_findings_subject"),
        Index("ix_findings_listing", "agent", "status", "kind"),
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: uuid.uuid4().hex)
    agent: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(_ID))
    subject_type: Mapped[str] = mapped_column(String(_ID))
    subject_id: Mapped[str] = mapped_column(String(128))
    severity: Mapped[str] = mapped_column(String(16))  # low | medium | high | critical
    score: Mapped[float] = mapped_column(Float)  # 0..1
    summary: Mapped[str] = mapped_column(Text)
    evidence: Mapped[Any] = mapped_column(JsonDocument)
    recommended_action: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | acknowledged | resolved
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FindingComment(Base):
    """A person's note on a finding (why it was acknowledged, what was done)."""

    __tablename__ = "finding_comments"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: uuid.uuid4().hex)
    finding_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("findings.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class LlmCall(Base):
    """One call to a language model: what it was for, the tokens it used and what it cost."""

    __tablename__ = "llm_calls"
    __table_args__ = (Index("ix_llm_calls_listing", "at", "provider"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: uuid.uuid4().hex)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(128))
    purpose: Mapped[str] = mapped_column(String(_ID))  # narrative | ask | ...
    status: Mapped[str] = mapped_column(String(16))  # ok | error
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cache_read_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cache_write_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    error: Mapped[str | None] = mapped_column(Text)


class User(Base):
    """A person who signs in to the API and dashboard."""

    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: uuid.uuid4().hex)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(Text)
    roles: Mapped[Any] = mapped_column(JsonDocument, default=list)
    mfa_secret: Mapped[str | None] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    mfa_last_step: Mapped[int | None] = mapped_column(Integer)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")


class RefreshToken(Base):
    """A refresh token's SHA-256, its rotation family and state (the token itself is never stored)."""

    __tablename__ = "refresh_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    family: Mapped[str] = mapped_column(String(32), index=True)
    subject: Mapped[str] = mapped_column(String(32), index=True)
    expires_at: Mapped[float] = mapped_column(Float)
    used: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditRecord(Base):
    """One entry of the tamper-evident audit log (see `hexad.observability.audit`)."""

    __tablename__ = "audit_log"
    sequence: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(255))
    detail: Mapped[Any] = mapped_column(JsonDocument, default=dict)
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class ApiKey(Base):
    """A machine client's key: its SHA-256, the permissions it may use, expiry and revocation."""

    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    owner: Mapped[str] = mapped_column(String(255))
    scopes: Mapped[Any] = mapped_column(JsonDocument, default=list)
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float | None] = mapped_column(Float)
    revoked_at: Mapped[float | None] = mapped_column(Float)
    last_used_at: Mapped[float | None] = mapped_column(Float)


class Task(Base):
    """A long-running agent task submitted through the API and run by a worker."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_listing", "status", "created_at"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    agent: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(_ID))
    params: Mapped[Any] = mapped_column(JsonDocument, default=dict)
    status: Mapped[str] = mapped_column(String(16))  # queued | running | succeeded | failed
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    artifacts: Mapped[Any] = mapped_column(JsonDocument, default=list)
    submitted_by: Mapped[str] = mapped_column(String(255))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[float] = mapped_column(Float)
    started_at: Mapped[float | None] = mapped_column(Float)
    finished_at: Mapped[float | None] = mapped_column(Float)


IMPORT_ORDER: tuple[str, ...] = tuple(
    table.name for table in Base.metadata.sorted_tables if "row_hash" in table.columns
)


def entity_table(entity: str) -> Any:
    """The `Table` of an import entity."""
    return Base.metadata.tables[entity]

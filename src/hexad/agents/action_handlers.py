"""The implementations behind `hexad.agents.actions`: one method per agent action (see the table there).

Imported on the first action call, since it pulls in the agents' analysis stack (pandas, DuckDB,
SciPy) that a process only listing or approving executions does not need.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd

from hexad.agents.base import FrameSource
from hexad.agents.contract_actions import (
    activate_contract,
    next_term_end,
    reminder_dates,
    schedule_renewal_reminders,
    set_contract_status,
    terminate_reminders,
    validate_contract,
)
from hexad.agents.contract_terms import ContractEnv, ContractMissingError, read_contract
from hexad.agents.findings import open_finding_store
from hexad.agents.frames import frames_from_database
from hexad.agents.service import lake_path, reference_date_of
from hexad.agents.vendor_spend import vendor_spend_analysis
from hexad.agents.votes import cpi_vote, dsa_vote, question_of, vcm_vote
from hexad.config import Settings, get_settings
from hexad.domain.database import engine_for
from hexad.errors import AgentError, ConflictError, NotFoundError, ValidationError
from hexad.ports.state import StateStore
from hexad.ports.workflows import ExecutionRecord
from hexad.runtime.clock import Clock, SystemClock
from hexad.runtime.schedules.service import SchedulerService

__all__ = ["RenewalHandledError", "build_actions"]

Action = Callable[[Any], Awaitable[Any]]
Describe = Callable[[str], Awaitable[ExecutionRecord]]

_OFFSETS = [90, 60, 30]


class RenewalHandledError(AgentError):
    """Another renewal execution already handles this contract's notice deadline."""

    error = "Renewal.AlreadyHandled"


def _field(payload: Any, name: str) -> Any:
    if not isinstance(payload, dict) or name not in payload:
        raise ValidationError(f"Parameters: expected an object with {name!r}, got {payload!r}")
    return payload[name]


def _contract(payload: Any) -> dict[str, Any]:
    contract = _field(payload, "contract")
    if not isinstance(contract, dict) or not contract.get("contract_id"):
        raise ContractMissingError(f"contract: expected an object with contract_id, got {contract!r}")
    return contract


@dataclass
class _Actions:
    """The dependencies of the actions; each method is one action."""

    settings: Settings
    clock: Clock
    scheduler: SchedulerService
    states: StateStore
    describe: Describe | None

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.time(), UTC)

    def today(self) -> date:
        return self.now().date()

    def env(self) -> ContractEnv:
        return ContractEnv(engine_for(self.settings), lake_path(self.settings), self.today())

    def frames(self) -> tuple[FrameSource, pd.Timestamp]:
        frames = frames_from_database(self.settings)
        return frames, pd.Timestamp(reference_date_of(frames, self.today()))

    # --- contract approval

    async def extract_contract(self, payload: Any) -> Any:
        document = _field(payload, "document")
        return await asyncio.to_thread(read_contract, self.env(), document)

    async def validate_contract(self, payload: Any) -> Any:
        return validate_contract(_field(payload, "contract"), self.today())

    async def activate_contract(self, payload: Any) -> Any:
        return await asyncio.to_thread(activate_contract, self.env(), _contract(payload))

    async def schedule_renewal_reminders(self, payload: Any) -> Any:
        offsets = list(payload.get("offsets_days") or _OFFSETS)
        return await schedule_renewal_reminders(self.scheduler, _contract(payload), offsets, self.today())

    # --- contract renewal

    async def claim_renewal(self, payload: Any) -> Any:
        """One renewal per contract and notice deadline: the first execution claims it in the state store."""
        contract, execution = _contract(payload), str(_field(payload, "execution"))
        key = f"workflows/contract_renewal/{contract['contract_id']}/{contract.get('notice_deadline')}"
        holder, version = await self.states.get(key)
        if holder == execution:
            return {"claimed": True, "key": key}
        if holder is not None and await self._status(str(holder)) in ("RUNNING", "SUCCEEDED"):
            raise RenewalHandledError(f"{contract['contract_id']}: the renewal is handled by {holder}")
        try:
            await self.states.put(key, execution, expected_version=version)
        except ConflictError:
            raise RenewalHandledError(
                f"{contract['contract_id']}: another execution claimed the renewal first"
            ) from None
        return {"claimed": True, "key": key, "took_over_from": holder}

    async def _status(self, execution_id: str) -> str | None:
        if self.describe is None:
            return "RUNNING"
        try:
            return (await self.describe(execution_id)).status
        except NotFoundError:
            return None

    async def reminder_dates(self, payload: Any) -> Any:
        return reminder_dates(_contract(payload), list(payload.get("offsets_days") or _OFFSETS), self.now())

    async def vendor_spend_analysis(self, payload: Any) -> Any:
        vendor = _field(payload, "vendor_id")
        if not isinstance(vendor, str) or not vendor:
            raise ValidationError(f"vendor_id: expected a vendor id, got {vendor!r}")

        def analyse() -> dict[str, Any]:
            frames, reference = self.frames()
            findings = open_finding_store(self.settings).list(agent="dsa", status="open", limit=100_000)
            return vendor_spend_analysis(frames, vendor, reference, findings)

        return await asyncio.to_thread(analyse)

    async def renew_contract(self, payload: Any) -> Any:
        contract, decision = _contract(payload), payload.get("decision") or {}
        env = self.env()
        current = await asyncio.to_thread(read_contract, env, {"contract_id": contract["contract_id"]})
        end = next_term_end(current, decision)
        await asyncio.to_thread(set_contract_status, env, current["contract_id"], "active", renewal_date=end)
        notice = current.get("notice_period_days")
        renewed = current | {
            "end_date": end.isoformat(),
            "notice_deadline": None if notice is None else (end - timedelta(days=notice)).isoformat(),
        }
        reminders = await schedule_renewal_reminders(self.scheduler, renewed, _OFFSETS, env.today)
        return {
            "contract_id": current["contract_id"],
            "action": "renewed",
            "previous_end": current.get("end_date"),
            "new_end": end.isoformat(),
            "new_notice_deadline": renewed["notice_deadline"],
            "reminders": reminders["schedules"],
        }

    async def terminate_contract(self, payload: Any) -> Any:
        contract, decision = _contract(payload), payload.get("decision") or {}
        before = await asyncio.to_thread(
            set_contract_status, self.env(), contract["contract_id"], "terminated"
        )
        removed = await terminate_reminders(self.scheduler, contract["contract_id"])
        return {
            "contract_id": contract["contract_id"],
            "action": "terminated",
            "previous_status": before["status"],
            "notice_by": contract.get("notice_deadline"),
            "ends_on": contract.get("end_date"),
            "reminders_removed": removed,
            "decided_by": decision.get("by"),
        }

    # --- consensus votes

    async def cpi_vote(self, payload: Any) -> Any:
        question = question_of(payload)
        return await asyncio.to_thread(lambda: cpi_vote(*self._frames_for(question)))

    async def dsa_vote(self, payload: Any) -> Any:
        question = question_of(payload)
        return await asyncio.to_thread(lambda: dsa_vote(*self._frames_for(question)))

    async def vcm_vote(self, payload: Any) -> Any:
        question = question_of(payload)
        return await asyncio.to_thread(lambda: vcm_vote(frames_from_database(self.settings), question))

    def _frames_for(self, question: dict[str, Any]) -> tuple[FrameSource, dict[str, Any], pd.Timestamp]:
        frames, reference = self.frames()
        return frames, question, reference


def build_actions(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    scheduler: SchedulerService | None = None,
    states: StateStore | None = None,
    describe: Describe | None = None,
) -> dict[str, Action]:
    """Every agent action by `"<agent>:<action>"`, bound to its stores."""
    from hexad import wiring  # the composition root builds the stores; imported late, it imports this

    settings = settings or get_settings()
    clock = clock or SystemClock()
    actions = _Actions(
        settings,
        clock,
        scheduler or wiring.scheduler(settings, clock=clock),
        states or wiring.state_store(settings, clock=clock),
        describe,
    )
    return {
        "vcm:extract_contract": actions.extract_contract,
        "vcm:validate_contract": actions.validate_contract,
        "vcm:activate_contract": actions.activate_contract,
        "vcm:schedule_renewal_reminders": actions.schedule_renewal_reminders,
        "vcm:claim_renewal": actions.claim_renewal,
        "vcm:reminder_dates": actions.reminder_dates,
        "vcm:renew_contract": actions.renew_contract,
        "vcm:terminate_contract": actions.terminate_contract,
        "dsa:vendor_spend_analysis": actions.vendor_spend_analysis,
        "cpi:vote": actions.cpi_vote,
        "dsa:vote": actions.dsa_vote,
        "vcm:vote": actions.vcm_vote,
    }

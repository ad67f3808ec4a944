"""The demo's workflow step: the contract approval workflow for every contract pending approval.

Each contract the register marks `pending_approval` gets one approval execution (named after the
contract, so a second demo run starts nothing twice), driven here until it waits for a manager
(`hexad workflows tasks` lists the tokens, `hexad workflows approve TOKEN` answers) or fails a check.
"""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from hexad import wiring
from hexad.agents.workflows import install_workflows
from hexad.config import Settings
from hexad.domain.models import VendorContract
from hexad.errors import ConflictError

__all__ = ["run_contract_approvals"]


async def run_contract_approvals(settings: Settings) -> str:
    """Start and drive the approvals; one line saying how the executions stand."""
    bus = wiring.event_bus(settings)
    service = wiring.workflow_service(settings, put_events=bus.put_events)
    await install_workflows(service)
    query = sa.select(VendorContract.contract_id).where(VendorContract.status == "pending_approval")
    with wiring.domain_engine(settings).connect() as conn:
        pending = sorted(str(contract_id) for contract_id in conn.execute(query).scalars())
    for contract_id in pending:
        try:
            document = {"document": {"contract_id": contract_id}}
            await service.start("contract_approval", document, name=f"approval-{contract_id}")
        except ConflictError:
            continue
    await service.run_until_idle()
    executions = await service.list_executions("contract_approval", limit=10_000)
    waiting = {task.execution_id for task in await service.waiting_tasks(state_machine="contract_approval")}
    states: Counter[str] = Counter()
    for record in executions:
        if record.id in waiting:
            states["waiting for approval"] += 1
        else:
            states[record.status.lower() + (f" ({record.error})" if record.error else "")] += 1
    if not executions:
        return "Workflows: no contract is pending approval, so no contract approval was started"
    shown = ", ".join(f"{count} {state}" for state, count in sorted(states.items()))
    return f"Workflows: contract approvals: {shown} (hexad workflows tasks lists the tokens)"

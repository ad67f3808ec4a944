"""The agents' workflow actions: every `hexad:agent:<agent>:<action>` Task resource of Hexad's workflows.

`agent_actions(settings)` maps `"<agent>:<action>"` to an async function of the Task's effective
parameters, for `hexad.wiring.workflow_service(agents=...)`. The work runs in a thread (it reads the
domain database, the lake and DuckDB), so a long action never stalls the run loop; the implementations
(`hexad.agents.action_handlers`) load on the first call. Errors the ASL definitions route on carry
their name in the class attribute `error`:

| action | input | output | errors |
|---|---|---|---|
| `vcm:extract_contract` | `document`: a doc-/CT- id or `{path}` | the contract | `Contract.NotFound` |
| `vcm:validate_contract` | `contract` | `valid`, `warnings` | `Contract.Invalid` |
| `vcm:activate_contract` | `contract` | register status written | `Contract.Invalid` |
| `vcm:schedule_renewal_reminders` | `contract`, `offsets_days` | the schedules made | |
| `vcm:claim_renewal` | `contract`, `execution` | `claimed` | `Renewal.AlreadyHandled` |
| `vcm:reminder_dates` | `contract`, `offsets_days` | `reminders`, decision timeout | `Renewal.NotPossible` |
| `dsa:vendor_spend_analysis` | `vendor_id` | spend, `recommendation`, `reason` | |
| `vcm:renew_contract`, `vcm:terminate_contract` | `contract`, `decision` | what changed | |
| `cpi:vote`, `dsa:vote`, `vcm:vote` | the question | `vote`, `reason`, `evidence` | |
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hexad.config import Settings
    from hexad.ports.state import StateStore
    from hexad.ports.workflows import ExecutionRecord
    from hexad.runtime.clock import Clock
    from hexad.runtime.schedules.service import SchedulerService

__all__ = ["ACTION_NAMES", "AgentActions", "agent_actions"]

Action = Callable[[Any], Awaitable[Any]]
ACTION_NAMES = (
    "vcm:extract_contract", "vcm:validate_contract", "vcm:activate_contract",
    "vcm:schedule_renewal_reminders", "vcm:claim_renewal", "vcm:reminder_dates", "vcm:renew_contract",
    "vcm:terminate_contract", "dsa:vendor_spend_analysis", "cpi:vote", "dsa:vote", "vcm:vote",
)  # fmt: skip


class AgentActions(Mapping[str, Action]):
    """The action table, built on the first lookup of an action (the names are known up front)."""

    def __init__(self, build: Callable[[], dict[str, Action]]) -> None:
        self._build = build
        self._table: dict[str, Action] | None = None

    def __getitem__(self, name: str) -> Action:
        if name not in ACTION_NAMES:
            raise KeyError(name)
        if self._table is None:
            self._table = self._build()
        return self._table[name]

    def __contains__(self, name: object) -> bool:
        return name in ACTION_NAMES

    def __iter__(self) -> Iterator[str]:
        return iter(ACTION_NAMES)

    def __len__(self) -> int:
        return len(ACTION_NAMES)


def agent_actions(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    scheduler: SchedulerService | None = None,
    states: StateStore | None = None,
    describe: Callable[[str], Awaitable[ExecutionRecord]] | None = None,
) -> AgentActions:
    """Every agent action; `describe` lets a renewal take over from one that failed."""

    def build() -> dict[str, Action]:
        from hexad.agents.action_handlers import build_actions

        return build_actions(settings, clock=clock, scheduler=scheduler, states=states, describe=describe)

    return AgentActions(build)

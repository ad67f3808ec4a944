"""The cross-agent event rules, as data: which events reach which agent's mailbox.

Each agent gets one rule for `data.imported` of the entities it reads, a nightly schedule rule (a
`Scheduled Event` for a full run) and, when it has triggers, one rule for its trigger events (the
seed's cross-agent rules: a CPI margin change asks RAM to re-plan, an SPO opportunity asks SLI for a
compliance check, a VCM renewal asks DSA for a vendor spend analysis). Install them with
`await install_rules(bus)`; re-installing replaces them (idempotent).

Workflow rules start Hexad's ASL workflows from events: VCM's `contract.renewal.due` starts the
contract renewal workflow (which claims the contract's notice deadline, so the agent's daily repeats of
the event start nothing twice). `install_workflow_rules(bus, workflows)` stores the state machines
first, so a rule never targets a workflow that does not exist.
"""

from __future__ import annotations

from typing import Any, Protocol

from hexad.agents.registry import AGENTS
from hexad.agents.workflows import WorkflowCatalog, install_workflows
from hexad.ports.bus import InputTransformer, Rule, Target

__all__ = [
    "NIGHTLY",
    "RuleSink",
    "agent_rules",
    "install_rules",
    "install_workflow_rules",
    "mailbox_target",
    "workflow_rules",
]

NIGHTLY = "cron(0 2 * * ? *)"
"""When every agent makes its full run even if no data arrived (02:00 UTC): trends move with time."""


class RuleSink(Protocol):
    """What `install_rules` needs of a bus (`hexad.runtime.bus.EventBus` is one)."""

    async def put_rule(self, rule: Rule) -> Rule:
        """Create or replace a rule."""
        ...


def mailbox_target(agent: str, group_key: str | None = None) -> Target:
    """The target that delivers to an agent's mailbox (the FIFO queue `mailbox-<agent>`)."""
    return Target(id=f"mailbox-{agent}", kind="mailbox", destination=agent, group_key=group_key)


def _imported_pattern(reads: tuple[str, ...]) -> dict[str, Any]:
    return {"source": ["hexad.ingest"], "detail-type": ["data.imported"], "detail": {"entity": list(reads)}}


def agent_rules() -> list[Rule]:
    """Two or three rules per registered agent."""
    rules: list[Rule] = []
    for name, factory in sorted(AGENTS.items()):
        agent = factory()
        rules.append(
            Rule(
                name=f"{name}-data-imported",
                event_pattern=_imported_pattern(agent.reads),
                description=f"{agent.title}: a full run when data it reads is imported",
                targets=(mailbox_target(name),),
            )
        )
        rules.append(
            Rule(
                name=f"{name}-nightly",
                schedule_expression=NIGHTLY,
                description=f"{agent.title}: the nightly full run",
                targets=(mailbox_target(name),),
            )
        )
        if agent.triggers:
            rules.append(
                Rule(
                    name=f"{name}-triggers",
                    event_pattern={"detail-type": list(agent.triggers)},
                    description=f"{agent.title}: a run for the subject a trigger event names",
                    targets=(mailbox_target(name),),
                )
            )
    return rules


async def install_rules(bus: RuleSink) -> list[Rule]:
    """Put every agent rule on the bus; returns them as stored."""
    return [await bus.put_rule(rule) for rule in agent_rules()]


def workflow_rules() -> list[Rule]:
    """Events that start Hexad's own workflows."""
    renewal = Target(
        id="contract-renewal",
        kind="workflow",
        destination="contract_renewal",
        input_transformer=InputTransformer('{"contract": <detail>}', {"detail": "$.detail"}),
    )
    return [
        Rule(
            name="vcm-contract-renewal",
            event_pattern={"source": ["hexad.vcm"], "detail-type": ["contract.renewal.due"]},
            description="VCM: a contract due for renewal starts the contract renewal workflow",
            targets=(renewal,),
        )
    ]


async def install_workflow_rules(bus: RuleSink, workflows: WorkflowCatalog) -> list[Rule]:
    """Store Hexad's workflows (create or update), then put the rules that start them."""
    await install_workflows(workflows)
    return [await bus.put_rule(rule) for rule in workflow_rules()]

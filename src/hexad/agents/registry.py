"""The registered agents by name, and an actor factory per agent for the supervisor.

Each agents module adds itself to `AGENTS` with one line, so the CLI, the service, the benchmark and
the actor system all see the same set without knowing the agents individually.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from hexad.agents.base import Agent
from hexad.agents.cpi import ClientProfitabilityAgent
from hexad.agents.dsa import DepartmentalSpendAgent
from hexad.agents.ram import ResourceAllocationAgent
from hexad.agents.sli import SoftwareLicenceAgent
from hexad.agents.spo import SalesPipelineAgent
from hexad.agents.vcm import VcmAgent
from hexad.errors import AgentError

if TYPE_CHECKING:
    from hexad.agents.service import Publish
    from hexad.config import Settings
    from hexad.runtime.actors import Actor

__all__ = ["AGENTS", "agent_actor_factories", "create_agent"]

AGENTS: dict[str, Callable[[], Agent]] = {
    "cpi": ClientProfitabilityAgent,
    "sli": SoftwareLicenceAgent,
    "dsa": DepartmentalSpendAgent,
    "vcm": VcmAgent,
    "ram": ResourceAllocationAgent,
    "spo": SalesPipelineAgent,
}


def create_agent(name: str) -> Agent:
    """A fresh agent by name, or an `AgentError` naming the registered ones."""
    factory = AGENTS.get(name)
    if factory is None:
        raise AgentError(f"unknown agent {name!r}: expected one of {', '.join(sorted(AGENTS))}")
    return factory()


def agent_actor_factories(
    settings: Settings | None = None, publish: Publish | None = None
) -> dict[str, Callable[[], Actor]]:
    """A factory of `AgentActor` per registered agent, for the supervisor to (re)start them.

    `publish` receives the runs' events (PutEvents entries); pass `hexad.wiring.event_bus().put_events`.
    """
    from hexad.agents.actor import AgentActor  # the actor imports the service, which imports this module

    def factory(name: str) -> Callable[[], Actor]:
        return lambda: AgentActor(name, settings=settings, publish=publish)

    return {name: factory(name) for name in AGENTS}

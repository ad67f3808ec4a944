"""Hexad's own workflows as Amazon States Language files: contract approval, contract renewal, consensus.

Their Task resources are `hexad:agent:<agent>:<action>` (registered by the agents), `hexad:events:putEvents`
(approval and decision requests carry the task token in the event detail; `hexad workflows approve|reject
TOKEN` answers them) and the `.waitForTaskToken` suffix for people in the loop.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from typing import Any, Protocol

from hexad.errors import ConflictError, WorkflowNotFoundError
from hexad.runtime.workflows.definition import parse_definition

__all__ = ["NAMES", "WorkflowCatalog", "install_workflows", "load"]

NAMES = ("contract_approval", "contract_renewal", "multi_agent_consensus")


def load(name: str) -> dict[str, Any]:
    """A workflow definition by name (validated), e.g. `load("contract_approval")`."""
    if name not in NAMES:
        raise WorkflowNotFoundError(f"unknown Hexad workflow {name!r}: expected one of {', '.join(NAMES)}")
    text = resources.files(__package__).joinpath(f"{name}.asl.json").read_text(encoding="utf-8")
    return parse_definition(json.loads(text))


class WorkflowCatalog(Protocol):
    """What `install_workflows` needs of a workflow service (`WorkflowService` is one)."""

    async def create_state_machine(
        self, name: str, definition: Mapping[str, Any] | str, description: str = ""
    ) -> Any:
        """Store a new definition; `ConflictError` if the name is taken."""
        ...

    async def update_state_machine(self, name: str, definition: Mapping[str, Any] | str) -> Any:
        """Replace a stored definition."""
        ...


async def install_workflows(service: WorkflowCatalog) -> list[str]:
    """Create Hexad's workflows as state machines, or update them to the packaged definitions."""
    for name in NAMES:
        definition = load(name)
        try:
            await service.create_state_machine(name, definition, str(definition.get("Comment", "")))
        except ConflictError:
            await service.update_state_machine(name, definition)
    return list(NAMES)

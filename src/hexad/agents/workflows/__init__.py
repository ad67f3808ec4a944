"""Hexad's own workflows as Amazon States Language files: contract approval, contract renewal, consensus.

Their Task resources are `hexad:agent:<agent>:<action>` (registered by the agents), `hexad:events:putEvents`
(approval and decision requests carry the task token in the event detail; `hexad workflows approve|reject
TOKEN` answers them) and the `.waitForTaskToken` suffix for people in the loop.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from hexad.errors import WorkflowNotFoundError
from hexad.runtime.workflows.definition import parse_definition

__all__ = ["NAMES", "load"]

NAMES = ("contract_approval", "contract_renewal", "multi_agent_consensus")


def load(name: str) -> dict[str, Any]:
    """A workflow definition by name (validated), e.g. `load("contract_approval")`."""
    if name not in NAMES:
        raise WorkflowNotFoundError(f"unknown Hexad workflow {name!r}: expected one of {', '.join(NAMES)}")
    text = resources.files(__package__).joinpath(f"{name}.asl.json").read_text(encoding="utf-8")
    return parse_definition(json.loads(text))

"""Workflows in Amazon States Language: validation, an in-memory runner and a durable service.

`run_local(definition, input, resources=...)` runs a definition in memory on a virtual clock;
`WorkflowService` stores definitions and executions with a durable history that survives restarts.
"""

from __future__ import annotations

from hexad.runtime.workflows.definition import parse_definition, validate_definition
from hexad.runtime.workflows.failures import StateFailure
from hexad.runtime.workflows.local import ExecutionResult, ExecutionStatus, run_local, run_local_async
from hexad.runtime.workflows.resources import ResourceTable
from hexad.runtime.workflows.service import WorkflowService

__all__ = [
    "ExecutionResult",
    "ExecutionStatus",
    "ResourceTable",
    "StateFailure",
    "WorkflowService",
    "parse_definition",
    "run_local",
    "run_local_async",
    "validate_definition",
]

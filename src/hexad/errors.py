"""One exception tree for all of Hexad.

Every error a user can see derives from `HexadError`; each port has its own family so callers can
catch what they can handle (`QueueError`) and let the rest propagate. Messages say what was expected.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "ActorError",
    "ActorStoppedError",
    "AgentError",
    "AskTimeoutError",
    "AuthenticationError",
    "BusError",
    "ConfigError",
    "ConflictError",
    "ContractNotFoundError",
    "DemoError",
    "DocumentError",
    "EventNotPublishedError",
    "FindingNotFoundError",
    "HexadError",
    "ImportValidationError",
    "InsufficientHistoryError",
    "InvalidReceiptHandleError",
    "NotFoundError",
    "PatternError",
    "PermissionDeniedError",
    "QueueError",
    "QueueLimitError",
    "RuleError",
    "RuntimeStoreError",
    "ScheduleError",
    "ScheduleExpressionError",
    "TargetDeliveryError",
    "ValidationError",
    "WorkflowDefinitionError",
    "WorkflowError",
    "WorkflowNotFoundError",
    "WorkflowTaskTokenError",
]


class HexadError(Exception):
    """Base of every error Hexad raises on purpose."""

    exit_code: int = 1


class ConfigError(HexadError):
    """A setting is missing or has a value of the wrong form."""

    exit_code = 2


class ValidationError(HexadError):
    """Input at a boundary (file, request, command option) does not have the expected form."""

    exit_code = 2


class NotFoundError(HexadError):
    """A named thing (queue, rule, client, ...) does not exist."""


class ConflictError(HexadError):
    """An optimistic-concurrency check failed: the stored version is not the expected one."""


class ImportValidationError(ValidationError):
    """An import file has rows that do not validate; nothing was committed.

    `issues` holds every problem found (file, row, column, value, expected), beyond the ones the
    message shows.
    """

    exit_code = 1

    def __init__(self, message: str, *, issues: Sequence[object] = ()) -> None:
        super().__init__(message)
        self.issues = list(issues)


class PatternError(HexadError):
    """An event pattern is invalid or cannot be evaluated."""


class QueueError(HexadError):
    """A queue operation was refused (size limits, unknown receipt handle, ...)."""


class QueueLimitError(QueueError):
    """A queue request breaks a limit or rule (size, batch length, FIFO group, timeout range)."""

    exit_code = 2


class InvalidReceiptHandleError(QueueError):
    """A receipt handle was never issued, or is no longer the message's current one."""


class RuntimeStoreError(HexadError):
    """The runtime's durable store failed or holds data it cannot read."""


class ScheduleError(ValidationError):
    """A schedule's definition (name, time zone, target, window, dates) does not have the expected form."""


class ScheduleExpressionError(ScheduleError):
    """A cron(), rate() or at() expression is invalid; the message names the field and what it expects."""


class DemoError(HexadError):
    """The demo data set cannot be generated, found or imported (the message says which and where)."""


class AgentError(HexadError):
    """An agent cannot run: unknown agent, missing or malformed input data (the message names it)."""


class FindingNotFoundError(AgentError, NotFoundError):
    """No finding has the given id."""

    exit_code = 3


class AuthenticationError(HexadError):
    """Credentials or a token were missing, wrong, expired or revoked (the API answers 401)."""


class PermissionDeniedError(HexadError):
    """The caller is known but its roles do not hold the permission (the API answers 403)."""


class ActorError(HexadError):
    """The actor runtime refused an operation (a taken name, a stopped actor, an unknown agent...)."""


class ActorStoppedError(ActorError):
    """A message or question went to an actor that has stopped (or stopped before answering)."""


class AskTimeoutError(ActorError):
    """An actor did not answer a question within the caller's timeout."""


class WorkflowError(HexadError):
    """A workflow (Amazon States Language) operation was refused or cannot run."""


class WorkflowDefinitionError(WorkflowError, ValidationError):
    """A state machine definition is invalid; the message names the state and the field."""

    exit_code = 2


class WorkflowNotFoundError(WorkflowError, NotFoundError):
    """No state machine or execution has the given name or id."""

    exit_code = 3


class WorkflowTaskTokenError(WorkflowError):
    """A task token is unknown, malformed or its task is no longer waiting for it."""


class DocumentError(ValidationError):
    """A document cannot be read: missing, too large, unsupported type, broken file or no OCR engine."""

    exit_code = 1


class ContractNotFoundError(NotFoundError):
    """No stored contract document has the given id."""

    exit_code = 3


class BusError(HexadError):
    """An event bus operation was refused or a bus's stored data cannot be used."""


class RuleError(BusError, ValidationError):
    """A rule or target definition (name, pattern, schedule, input transformer, ...) is invalid."""


class EventNotPublishedError(BusError):
    """The bus refused an event a change must announce; the change was rolled back."""


class TargetDeliveryError(BusError):
    """A target refused an event; `retryable=False` sends it straight to the dead-letter queue."""

    def __init__(self, message: str, *, retryable: bool = True, code: str = "TargetError") -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code


class InsufficientHistoryError(AgentError):
    """The data holds too little history to learn a model from (the message says what is missing)."""

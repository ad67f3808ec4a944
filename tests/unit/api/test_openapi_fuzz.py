"""Schemathesis against the OpenAPI document, in process, as an admin: no 5xx, no schema violations.

A bounded number of generated requests per operation (derandomized, so a failure reproduces), on the
demo data so the analysis routes have something to compute. Every failing operation is reported
together rather than stopping at the first.
"""

from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from hexad.api.app import create_app
from hexad.auth.ratelimit import Limit
from hexad.config import load_settings
from tests.unit.api.demo_home import install_demo_database

EXAMPLES = 4
# Solves bounded to 10 s each; fuzzing them many times would cost minutes without adding coverage.
_SLOW = {"/api/v1/plans", "/api/v1/routes", "/api/v1/utilization"}
# Operations with a known 5xx outside the API core, skipped until fixed (remove the entry to re-check).
_KNOWN_BROKEN: dict[str, str] = {}


def _check(operation: schemathesis.APIOperation, headers: dict[str, str]) -> Callable[[], None]:
    examples = 1 if operation.path in _SLOW else EXAMPLES

    @given(case=operation.as_strategy())
    @hypothesis_settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(HealthCheck))  # fmt: skip
    def run(case: schemathesis.Case) -> None:
        # no read timeout to speak of: this test checks answers, not speed (a loaded machine is slow)
        case.call_and_validate(
            headers=headers, checks=[not_a_server_error, response_schema_conformance], timeout=600
        )

    return run


@pytest.mark.slow
def test_generated_requests_get_no_5xx_and_answers_match_the_schema(_isolated_home: object) -> None:
    install_demo_database(_isolated_home)  # type: ignore[arg-type]
    app = create_app(load_settings(), caller_limit=Limit(rate=1e6, burst=1e6))
    admin = {"Authorization": f"Bearer {app.state.tokens.issue('u-fuzz', ['admin'], mfa=True)}"}
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        if f"{operation.method.upper()} {operation.path}" in _KNOWN_BROKEN:
            continue
        try:
            _check(operation, admin)()
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
    assert operations > 40
    assert not failures, "\n\n".join(failures)

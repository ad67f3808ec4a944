"""An API app on a fresh HEXAD_HOME with a manual clock, and tokens for any role."""

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hexad.agents.base import FindingDraft
from hexad.api.app import create_app
from hexad.config import load_settings
from hexad.runtime.clock import ManualClock


@pytest.fixture
def app() -> FastAPI:
    return create_app(load_settings(), clock=ManualClock())


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def token_for(app: FastAPI) -> Callable[..., dict[str, str]]:
    def headers(*roles: str, subject: str = "u-test") -> dict[str, str]:
        return {"Authorization": f"Bearer {app.state.tokens.issue(subject, list(roles))}"}

    return headers


def draft(subject: str, kind: str = "margin_erosion", severity: str = "high") -> FindingDraft:
    return FindingDraft(
        kind=kind,
        subject_type="client",
        subject_id=subject,
        severity=severity,  # type: ignore[arg-type]
        score=0.9,
        summary=f"{subject}: margin fell from 41% to 18% over 6 months",
        evidence={"margin_pct": [41.0, 18.0], "rows": [{"month": "2026-09", "margin": 1800.0}]},
        recommended_action="Review the agreement's price",
    )

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from hexad.agents.base import FindingDraft
from hexad.agents.findings import FindingStore, SaveReport, open_finding_store
from hexad.config import load_settings
from hexad.domain.database import create_domain_engine, upgrade
from hexad.errors import FindingNotFoundError, ValidationError
from hexad.runtime.clock import ManualClock


def _draft(subject: str, score: float = 0.5, kind: str = "margin_erosion") -> FindingDraft:
    return FindingDraft(
        kind=kind, subject_type="client", subject_id=subject, severity="medium", score=score,
        summary=f"{subject} margin fell", evidence={"margin": [0.5, 0.2], "rows": ["IN-1"]},
        recommended_action="review pricing",
    )  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> FindingStore:
    engine = create_domain_engine(f"sqlite:///{tmp_path / 'domain.db'}")
    upgrade(engine=engine)
    return FindingStore(engine, ManualClock(datetime(2026, 9, 30, tzinfo=UTC)))


def test_save_is_idempotent(store: FindingStore) -> None:
    drafts = [_draft("CL-1"), _draft("CL-2")]
    assert store.save("cpi", drafts, full_run=True) == SaveReport(new=2)
    assert store.save("cpi", drafts, full_run=True) == SaveReport(unchanged=2)
    assert len(store.list()) == 2


def test_changed_draft_updates_in_place(store: FindingStore) -> None:
    store.save("cpi", [_draft("CL-1", 0.5)], full_run=True)
    assert store.save("cpi", [_draft("CL-1", 0.9)], full_run=True) == SaveReport(updated=1)
    [finding] = store.list()
    assert finding.score == 0.9
    assert finding.evidence == {"margin": [0.5, 0.2], "rows": ["IN-1"]}


def test_full_run_resolves_what_is_gone_and_subject_run_does_not(store: FindingStore) -> None:
    store.save("cpi", [_draft("CL-1"), _draft("CL-2")], full_run=True)
    assert store.save("cpi", [_draft("CL-1")], full_run=False).resolved == 0
    assert store.save("cpi", [_draft("CL-1")], full_run=True) == SaveReport(unchanged=1, resolved=1)
    gone = store.list(subject_id="CL-2")[0]
    assert gone.status == "resolved"
    assert gone.resolved_at is not None
    assert store.save("cpi", [_draft("CL-2")], full_run=False) == SaveReport(updated=1)
    assert store.get(gone.id).status == "open"


def test_other_agents_findings_are_untouched(store: FindingStore) -> None:
    store.save("sli", [_draft("LS-1", kind="licence_unused_seats")], full_run=True)
    store.save("cpi", [], full_run=True)
    assert store.list(agent="sli")[0].status == "open"


def test_list_filters_and_pages(store: FindingStore) -> None:
    store.save("cpi", [_draft(f"CL-{i}") for i in range(5)], full_run=True)
    store.save("sli", [_draft("LS-1", kind="licence_unused_seats")], full_run=True)
    first = store.list(agent="cpi", limit=2)
    second = store.list(agent="cpi", limit=2, cursor=first[-1].id)
    third = store.list(agent="cpi", limit=2, cursor=second[-1].id)
    subjects = [f.subject_id for f in first + second + third]
    assert sorted(subjects) == [f"CL-{i}" for i in range(5)]
    with pytest.raises(ValidationError, match="cursor: no finding"):
        store.list(cursor="nope")
    assert [f.agent for f in store.list(kind="licence_unused_seats")] == ["sli"]
    assert store.list(severity="critical") == []


def test_set_status_and_unknown_ids(store: FindingStore) -> None:
    store.save("cpi", [_draft("CL-1")], full_run=True)
    finding = store.list()[0]
    assert store.set_status(finding.id, "acknowledged").status == "acknowledged"
    assert store.save("cpi", [_draft("CL-1")], full_run=True) == SaveReport(unchanged=1)
    assert store.get(finding.id).status == "acknowledged"
    with pytest.raises(ValidationError, match="status: expected one of"):
        store.set_status(finding.id, "closed")
    with pytest.raises(FindingNotFoundError):
        store.get("999")
    with pytest.raises(FindingNotFoundError):
        store.set_status("999", "resolved")


def test_bad_drafts_are_rejected(store: FindingStore) -> None:
    with pytest.raises(ValidationError, match=r"score expected in \[0, 1\]"):
        store.save("cpi", [_draft("CL-1", 1.5)], full_run=True)


def test_store_on_the_settings_database() -> None:
    store = open_finding_store(load_settings())
    store.save("dsa", [_draft("EX-1", kind="duplicate_payment")], full_run=True)
    again = open_finding_store(load_settings())
    assert again.list()[0].as_dict()["created_at"].startswith("20")

from dataclasses import replace

from hexad.observability.audit import AuditEntry, seal, verify_chain


def _chain(count: int) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    for index in range(count):
        draft = AuditEntry(
            0, f"2026-11-26T00:00:{index:02d}Z", "ana", "finding.resolve", f"F-{index}", "10.0.0.1"
        )
        entries.append(seal(draft, entries[-1] if entries else None))
    return entries


def test_an_untouched_chain_verifies() -> None:
    entries = _chain(5)
    assert [e.sequence for e in entries] == [1, 2, 3, 4, 5]
    assert verify_chain(entries) is None


def test_a_changed_entry_is_reported() -> None:
    entries = _chain(5)
    entries[2] = replace(entries[2], actor="mallory")
    broken = verify_chain(entries)
    assert broken is not None and broken.sequence == 3 and "changed" in broken.reason


def test_a_deleted_entry_is_reported() -> None:
    entries = _chain(5)
    del entries[1]
    broken = verify_chain(entries)
    assert broken is not None and broken.sequence == 3 and "missing" in broken.reason


def test_a_rehashed_entry_still_breaks_the_next_link() -> None:
    entries = _chain(4)
    forged = replace(entries[1], action="user.delete")
    entries[1] = seal(forged, entries[0])
    broken = verify_chain(entries)
    assert broken is not None and broken.sequence == 3 and "link" in broken.reason

"""Row digests decide inserted / updated / unchanged: equal data must hash equal, any change differently."""

from __future__ import annotations

from hexad.domain.schemas import ENTITIES
from hexad.ingest.store import row_hashes

SPEC = ENTITIES["clients"]


def _validated(**changes: str) -> dict[str, object]:
    row = SPEC.rows.validate_python([{**SPEC.example, **changes}])[0]
    return {**SPEC.defaults, **row}


def test_the_same_values_written_differently_hash_the_same() -> None:
    plain = _validated(contract_value="5880.00", start_date="2019-08-04")
    shorter = _validated(contract_value="5880", start_date="2019-08-04")
    assert row_hashes([plain], SPEC.columns) == row_hashes([shorter], SPEC.columns)


def test_any_changed_value_changes_the_digest_and_order_of_rows_does_not_matter() -> None:
    rows = [
        _validated(),
        _validated(tier="gold"),
        _validated(seats="53"),
        _validated(city="Duluth"),
        _validated(),
    ]
    digests = row_hashes(rows, SPEC.columns)
    assert len(set(digests[:4])) == 4
    assert digests[0] == digests[4]
    assert row_hashes(rows[::-1], SPEC.columns) == digests[::-1]
    assert all(len(d) == 16 for d in digests)

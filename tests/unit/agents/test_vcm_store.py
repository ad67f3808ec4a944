"""The contract store: add once by content, match vendors, full-text search, and the contracts CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from typer.testing import CliRunner

from hexad.agents.vcm_store import ContractStore, match_vendor
from hexad.cli.app import app
from hexad.errors import ContractNotFoundError, ValidationError

TEXT = """SAAS AGREEMENT (CT-0042)
This agreement is made between Hexad Demo MSP, Inc. ("Customer") and Acme Cloud Ltd. ("Supplier").
1. Term. This Agreement commences on March 1, 2024 (the "Effective Date") and continues for an initial
term of twelve (12) months.
2. Renewal. Thereafter, this Agreement shall automatically renew for successive 12-month periods unless
either party gives written notice of non-renewal not less than 60 days prior to the end of the term.
3. Fees. The total contract value is GBP 12,000.00, invoiced in accordance with Schedule A.
"""
VENDORS = {"VN-001": "Acme Cloud", "VN-002": "Acme Clothing", "VN-003": "Globex"}


@pytest.fixture
def store(tmp_path: Path) -> ContractStore:
    return ContractStore(create_engine(f"sqlite:///{tmp_path / 'domain.db'}"), tmp_path / "lake")


def test_a_document_is_stored_once_and_found_by_its_words(store: ContractStore, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(TEXT)
    (tmp_path / "copy.txt").write_text(TEXT)
    first = store.add(tmp_path / "a.txt", vendors=VENDORS, own_party="Hexad Demo MSP, Inc.")
    second = store.add(tmp_path / "copy.txt", vendors=VENDORS)
    assert not first.duplicate and second.duplicate and second.document_id == first.document_id
    assert (first.contract_id, first.vendor_id) == ("CT-0042", "VN-001")
    assert store.count() == 1
    assert (tmp_path / "lake" / "raw" / "contracts" / "a.txt").read_text() == TEXT
    [hit] = store.search("automatically renew")
    assert hit.contract_id == "CT-0042" and "[automatically]" in hit.snippet
    assert store.search('"notice of non-renewal"') and store.search("renew*")
    assert store.search("lease") == []
    stored = store.get("CT-0042")
    assert stored["terms"]["notice_period_days"]["value"] == 60
    assert stored["terms"]["currency"]["value"] == "GBP"


def test_bad_queries_and_unknown_ids_are_clear_errors(store: ContractStore) -> None:
    with pytest.raises(ValidationError, match="non-empty"):
        store.search("  ")
    assert store.search("value: (") == []  # punctuation is quoted, not an FTS5 syntax error
    with pytest.raises(ContractNotFoundError, match="CT-9999"):
        store.get("CT-9999")


def test_vendor_matching_ignores_legal_suffixes_and_refuses_weak_matches() -> None:
    assert (
        match_vendor(["Hexad Demo MSP, Inc.", "Globex Inc."], VENDORS, "Hexad Demo MSP, Inc.")[0] == "VN-003"
    )
    assert match_vendor(["Initech LLC"], VENDORS)[0] is None


@pytest.mark.slow
def test_contracts_cli_extract_add_search(tmp_path: Path) -> None:
    (tmp_path / "c.txt").write_text(TEXT)
    runner = CliRunner()
    extracted = runner.invoke(
        app, ["contracts", "extract", str(tmp_path / "c.txt"), "--json", "--as-of", "2024-06-01"]
    )
    assert extracted.exit_code == 0, extracted.output
    fields = json.loads(extracted.output)["fields"]
    assert fields["end_date"] == {
        "value": "2025-03-01",
        "confidence": 0.9,
        "span": fields["end_date"]["span"],
    }
    assert fields["notice_deadline"]["value"] == "2024-12-31"
    assert fields["value"]["value"] == 12000.0 and fields["auto_renew"]["value"] is True
    added = runner.invoke(
        app, ["contracts", "add", str(tmp_path / "c.txt"), str(tmp_path / "c.txt"), "--json"]
    )
    assert added.exit_code == 0, added.output
    assert [r["duplicate"] for r in json.loads(added.output)["added"]] == [False, True]
    found = runner.invoke(app, ["contracts", "search", "Schedule", "--json"])
    assert [h["contract_id"] for h in json.loads(found.output)] == ["CT-0042"]
    missing = runner.invoke(app, ["contracts", "add", str(tmp_path / "nope.pdf")])
    assert missing.exit_code == 1


def test_extract_corrects_a_misread_party_from_the_vendor_list(tmp_path: Path) -> None:
    (tmp_path / "scan.txt").write_text(TEXT.replace("Acme Cloud Ltd.", "Acme Cioud Ltd."))
    data = tmp_path / "data"
    data.mkdir()
    (data / "vendors.csv").write_text(
        "vendor_id,name,category,country,website\n"
        "VN-001,Acme Cloud,cloud,GB,acme.example\nVN-003,Globex,hardware,US,globex.example\n"
    )
    command = ["contracts", "extract", str(tmp_path / "scan.txt"), "--json", "--as-of", "2024-06-01"]
    runner = CliRunner()
    as_read = runner.invoke(app, command)
    matched = runner.invoke(app, [*command, "--data", str(data), "--own-party", "Hexad Demo MSP, Inc."])
    assert matched.exit_code == 0, matched.output
    assert json.loads(as_read.output)["fields"]["parties"]["value"][1] == "Acme Cioud Ltd."
    assert json.loads(matched.output)["fields"]["parties"]["value"] == [
        "Hexad Demo MSP, Inc.",
        "Acme Cloud Ltd.",
    ]
    (data / "vendors.csv").write_text("vendor_id,name\nVN-001,Acme Cloud\n")
    broken = runner.invoke(app, [*command, "--data", str(data)])
    assert "missing contract columns category" in str(broken.exception)  # not silently unmatched

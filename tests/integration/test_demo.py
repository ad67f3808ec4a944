"""The default demo data set end to end: volumes and signal rates as specified, and the CLI as a process."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hexad.demo import generate
from hexad.demo.generator import GenerationResult
from hexad.demo.ground_truth import SIGNAL_KINDS, load_ground_truth

SUBJECT_ENTITY = {
    "client": "clients",
    "agreement": "agreements",
    "licence_subscription": "licence_subscriptions",
    "vendor_contract": "vendor_contracts",
    "lead": "leads",
    "technician": "technicians",
}
EXPENSE_KINDS = {"spend_anomaly", "duplicate_payment", "unusual_vendor"}


@pytest.fixture(scope="module")
def default_set(tmp_path_factory: pytest.TempPathFactory) -> GenerationResult:
    return generate(7, tmp_path_factory.mktemp("demo") / "data")


@pytest.mark.slow
def test_default_volumes_match_the_specification(default_set: GenerationResult) -> None:
    counts = default_set.counts
    assert counts["clients"] == 200
    assert counts["technicians"] == 40
    assert 50_000 <= counts["tickets"] <= 70_000
    assert 200_000 <= counts["time_entries"] <= 300_000
    assert counts["vendor_contracts"] == default_set.documents == 120
    assert counts["invoices"] > 5_000
    skus = pd.read_csv(default_set.paths["licence_subscriptions"], usecols=["sku"])["sku"].nunique()
    assert skus == 15


@pytest.mark.slow
def test_each_kind_marks_a_plausible_share_of_its_subjects(default_set: GenerationResult) -> None:
    truth: dict[str, Any] = load_ground_truth(default_set.out)
    by_kind: dict[str, list[dict[str, Any]]] = {kind: [] for kind in SIGNAL_KINDS}
    for signal in truth["signals"]:
        by_kind[signal["kind"]].append(signal)
    for kind, signals in by_kind.items():
        if kind in EXPENSE_KINDS or kind == "budget_at_risk":
            assert len(signals) >= 3, kind
            continue
        subjects = default_set.counts[SUBJECT_ENTITY[signals[0]["subject_type"]]]
        assert 0.03 <= len(signals) / subjects <= 0.16, (kind, len(signals), subjects)


@pytest.mark.slow
def test_every_contract_has_true_terms_and_a_document(default_set: GenerationResult) -> None:
    truth = load_ground_truth(default_set.out)["contracts"]
    fields = {"parties", "effective_date", "end_date", "renewal_term", "auto_renew", "notice_period_days",
              "notice_deadline", "value", "currency", "governing_law"}  # fmt: skip
    assert len(truth) == 120
    assert all(fields <= set(terms) for terms in truth.values())
    documents = sorted((default_set.out / "contracts").iterdir())
    assert {p.suffix for p in documents} == {".pdf", ".docx", ".txt"}
    assert any(terms["notice_period_days"] is None for terms in truth.values())


def _hexad(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HEXAD_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "hexad", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_cli_generate_as_a_process(tmp_path: Path) -> None:
    out = str(tmp_path / "d")
    done = _hexad("demo", "generate", "--seed", "2", "--out", out, "--clients", "12", "--json", home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rows"]["clients"] == 12
    refused = _hexad("demo", "generate", "--seed", "2", "--out", str(tmp_path / "e"), "--clients", "3",
                     home=tmp_path)  # fmt: skip
    assert refused.returncode == 2
    assert "error: --clients: expected at least 10 clients, got 3" in " ".join(refused.stderr.split())


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_processes_with_different_hash_seeds_write_identical_bytes(tmp_path: Path) -> None:
    for hash_seed in ("1", "2"):
        env = {**os.environ, "HEXAD_HOME": str(tmp_path), "PYTHONHASHSEED": hash_seed}
        args = [
            "demo",
            "generate",
            "--seed",
            "9",
            "--out",
            str(tmp_path / hash_seed),
            "--clients",
            "12",
            "--json",
        ]
        done = subprocess.run(
            [sys.executable, "-m", "hexad", *args], capture_output=True, text=True, env=env, timeout=300,
            check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    assert _digests(tmp_path / "1") == _digests(tmp_path / "2")

"""/api/v1/contracts: upload checked by content, extracted terms, search, download by id only."""

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hexad.api.app import create_app
from hexad.api.routers import contracts
from hexad.api.routers.uploads import MAX_UPLOAD_BYTES
from hexad.config import load_settings
from hexad.intelligence.documents import extract_text
from hexad.runtime.clock import ManualClock
from tests.unit.api.demo_home import demo_files, install_demo_database

Headers = Callable[..., dict[str, str]]


@pytest.fixture
def app(_isolated_home: Path) -> FastAPI:
    install_demo_database(_isolated_home)
    return create_app(load_settings(), clock=ManualClock())


def _document(suffix: str) -> Path:
    return sorted((demo_files() / "contracts").glob(f"*{suffix}"))[0]


def _upload(client: TestClient, headers: dict[str, str], name: str, data: bytes) -> Any:
    return client.post("/api/v1/contracts", files={"file": (name, data)}, headers=headers)


def _register_vendor(app: FastAPI, contract_id: str) -> str:
    with app.state.engine.connect() as conn:
        query = sa.text("SELECT vendor_id FROM vendor_contracts WHERE contract_id = :c")
        return str(conn.execute(query, {"c": contract_id}).scalar_one())


@pytest.mark.parametrize("suffix", [".txt", ".docx", ".pdf"])
def test_upload_extracts_terms_and_matches_the_vendor(
    app: FastAPI, client: TestClient, token_for: Headers, suffix: str
) -> None:
    source = _document(suffix)
    response = _upload(client, token_for("finance"), source.name, source.read_bytes())
    assert response.status_code == 201, response.text
    added = response.json()
    assert added["contract_id"] == source.stem and not added["duplicate"]
    assert added["vendor_id"] == _register_vendor(app, source.stem)
    again = _upload(client, token_for("finance"), "copy" + suffix, source.read_bytes())
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["document_id"] == added["document_id"]
    detail = client.get(f"/api/v1/contracts/{source.stem}", headers=token_for("viewer")).json()
    assert detail["document_id"] == added["document_id"]
    assert detail["terms"]["notice_period_days"]["value"] is not None
    assert detail["register_row"]["contract_id"] == source.stem and "stored_path" not in detail
    assert detail["text"] == extract_text(source).text and detail["text_truncated"] is False
    spans = [term["span"] for term in detail["terms"].values() if term.get("span")]
    assert spans and all(detail["text"][start:end].strip() for start, end in spans)
    brief = client.get(
        f"/api/v1/contracts/{source.stem}", params={"include_text": False}, headers=token_for("viewer")
    )
    assert brief.json()["text"] is None and brief.json()["terms"] == detail["terms"]


def test_long_texts_are_cut(
    app: FastAPI, client: TestClient, token_for: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _document(".txt")
    added = _upload(client, token_for("admin"), source.name, source.read_bytes()).json()
    monkeypatch.setattr(contracts, "MAX_TEXT_CHARS", 100)
    detail = client.get(f"/api/v1/contracts/{added['document_id']}", headers=token_for("viewer")).json()
    assert detail["text"] == source.read_text(encoding="utf-8")[:100] and detail["text_truncated"] is True


def test_list_search_and_download(client: TestClient, token_for: Headers) -> None:
    headers = token_for("admin")
    uploaded = {}
    for source in sorted((demo_files() / "contracts").glob("*.txt"))[:3]:
        uploaded[source.stem] = _upload(client, headers, source.name, source.read_bytes()).json()
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/contracts", params=params, headers=headers).json()
        seen += [item["contract_id"] for item in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert sorted(seen) == sorted(uploaded)
    hits = client.get("/api/v1/contracts", params={"q": "renew"}, headers=headers).json()["items"]
    assert hits and {hit["contract_id"] for hit in hits} <= set(uploaded)
    assert all("[" in hit["snippet"] for hit in hits)
    first = next(iter(uploaded))
    download = client.get(f"/api/v1/contracts/{uploaded[first]['document_id']}/download", headers=headers)
    assert download.status_code == 200
    assert download.content == (demo_files() / "contracts" / f"{first}.txt").read_bytes()
    assert download.headers["content-type"].startswith("text/plain")
    assert "attachment" in download.headers["content-disposition"]


def test_unknown_ids_and_traversal_attempts_are_not_found(client: TestClient, token_for: Headers) -> None:
    headers = token_for("admin")
    for document_id in ("doc-nope", "..%2F..%2Fhexad.db", "%2Fetc%2Fpasswd"):
        response = client.get(f"/api/v1/contracts/{document_id}/download", headers=headers)
        assert response.status_code == 404, document_id


def test_content_is_checked_and_client_names_are_not_used(
    client: TestClient, token_for: Headers, _isolated_home: Path
) -> None:
    headers = token_for("admin")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("payload.sh", "echo hi")
    assert _upload(client, headers, "a.docx", archive.getvalue()).status_code == 415
    assert _upload(client, headers, "a.pdf", b"MZ\x90\x00\x03\x00binary").status_code == 415
    assert _upload(client, headers, "a.pdf", b"x" * (MAX_UPLOAD_BYTES + 1)).status_code == 413
    text = _document(".txt").read_bytes()
    response = _upload(client, headers, "../../../../outside.txt", text)
    assert response.status_code == 201
    stored = [p.name for p in (_isolated_home / "lake" / "raw" / "contracts").iterdir()]
    assert len(stored) == 1 and stored[0].startswith("contract-") and stored[0].endswith(".txt")
    assert not (_isolated_home.parent / "outside.txt").exists()
    assert list((_isolated_home / "tmp").iterdir()) == []


def test_roles(client: TestClient, token_for: Headers) -> None:
    assert client.get("/api/v1/contracts", headers=token_for("sales")).status_code == 403
    text = _document(".txt").read_bytes()
    assert _upload(client, token_for("viewer"), "x.txt", text).status_code == 403

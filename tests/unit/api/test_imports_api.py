"""/api/v1/imports: one file, validated like the CLI does, all rows or none, content checked by bytes."""

import io
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hexad.api.routers.uploads import MAX_UPLOAD_BYTES

Headers = Callable[..., dict[str, str]]

HEADER = (
    "client_id,name,tier,status,industry,contract_value,start_date,end_date,seats,endpoints,city,country\n"
)
GOOD = HEADER + (
    "CL-1,Acme Dental,gold,active,health,1200.00,2021-01-04,,20,25,Denver,US\n"
    "CL-2,Birch Legal,silver,active,legal,800.00,2022-03-01,,10,12,Austin,US\n"
)


def _post(client: TestClient, headers: dict[str, str], name: str, data: bytes, **params: str) -> object:
    return client.post("/api/v1/imports", files={"file": (name, data)}, params=params, headers=headers)


def _names(app: FastAPI) -> dict[str, str]:
    with app.state.engine.connect() as conn:
        return dict(conn.execute(sa.text("SELECT client_id, name FROM clients")).all())


def test_a_good_file_is_imported_and_announced(app: FastAPI, client: TestClient, token_for: Headers) -> None:
    response = _post(client, token_for("finance"), "clients.csv", GOOD.encode())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["entity"] == "clients" and body["total_rows"] == 2
    assert body["entities"]["clients"] == {"inserted": 2, "updated": 0, "unchanged": 0}
    assert body["event_error"] is None
    assert _names(app) == {"CL-1": "Acme Dental", "CL-2": "Birch Legal"}
    events = client.get(
        "/api/v1/events", params={"pattern": '{"detail-type": ["data.imported"]}'}, headers=token_for("admin")
    ).json()
    assert [e["detail"]["entity"] for e in events] == ["clients"]
    again = _post(client, token_for("admin"), "clients.csv", GOOD.encode()).json()
    assert again["entities"]["clients"]["unchanged"] == 2


def test_one_bad_row_imports_nothing_and_names_row_column_value(
    app: FastAPI, client: TestClient, token_for: Headers
) -> None:
    _post(client, token_for("admin"), "clients.csv", GOOD.encode())
    changed = GOOD.replace("Acme Dental", "Acme Dental Group").replace("2022-03-01", "01/03/2022")
    response = _post(client, token_for("admin"), "clients.csv", changed.encode())
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("/import-invalid")
    assert problem["errors"] == [
        {
            "file": "clients.csv",
            "row": 2,
            "line": 3,
            "column": "start_date",
            "value": "01/03/2022",
            "expected": problem["errors"][0]["expected"],
        }
    ]
    assert "date" in problem["errors"][0]["expected"]
    assert "tmp" not in problem["detail"]
    assert _names(app)["CL-1"] == "Acme Dental"


def test_problem_lists_the_first_fifty_of_many(client: TestClient, token_for: Headers) -> None:
    rows = "".join(f"CL-{i},Name {i},gold,active,it,1.00,not-a-date,,1,1,X,US\n" for i in range(80))
    problem = _post(client, token_for("admin"), "clients.csv", (HEADER + rows).encode()).json()
    assert len(problem["errors"]) == 50 and problem["error_count"] == 80
    assert "and 30 more" in problem["detail"]


def test_entity_from_the_query_and_other_formats(
    app: FastAPI, client: TestClient, token_for: Headers
) -> None:
    frame = pd.read_csv(io.StringIO(GOOD), dtype=str)
    parquet = io.BytesIO()
    frame.to_parquet(parquet)
    response = _post(client, token_for("admin"), "export.parquet", parquet.getvalue(), entity="clients")
    assert response.status_code == 201, response.text
    workbook = io.BytesIO()
    frame.assign(name=frame["name"] + " Ltd").to_excel(workbook, index=False)
    response = _post(client, token_for("admin"), "clients.xlsx", workbook.getvalue())
    assert response.json()["entities"]["clients"]["updated"] == 2
    lines = frame.to_json(orient="records", lines=True).replace("Ltd", "")
    assert _post(client, token_for("admin"), "clients.jsonl", lines.encode()).status_code == 201
    assert _names(app)["CL-2"] == "Birch Legal"


def test_content_must_match_the_format(client: TestClient, token_for: Headers) -> None:
    headers = token_for("admin")
    cases = {
        ("clients.parquet", GOOD.encode()): 415,
        ("clients.xlsx", b"PK\x03\x04not really a zip"): 415,
        ("clients.csv", b"\x7fELF\x02\x01\x01\x00binary"): 415,
        ("clients.exe", GOOD.encode()): 415,
        ("nothing.csv", GOOD.encode()): 422,
        ("clients.csv", b""): 422,
    }
    for (name, data), status in cases.items():
        response = _post(client, headers, name, data)
        assert response.status_code == status, (name, response.text)
        assert response.headers["content-type"] == "application/problem+json"


def test_a_client_path_is_never_followed(
    client: TestClient, token_for: Headers, _isolated_home: Path, tmp_path: Path
) -> None:
    response = _post(client, token_for("admin"), "../../../escape/clients.csv", GOOD.encode())
    assert response.status_code == 201 and response.json()["file"] == "clients.csv"
    assert not any(tmp_path.rglob("escape")) and not Path("/escape").exists()
    assert list((_isolated_home / "tmp").iterdir()) == []


def test_uploads_over_the_bound_are_refused(client: TestClient, token_for: Headers) -> None:
    data = GOOD.encode() + b"x" * MAX_UPLOAD_BYTES
    response = _post(client, token_for("admin"), "clients.csv", data)
    assert response.status_code == 413


def test_only_import_writers_may_import(client: TestClient, token_for: Headers) -> None:
    assert _post(client, token_for("sales"), "clients.csv", GOOD.encode()).status_code == 403

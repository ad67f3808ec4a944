"""The dashboard's files at /: assets, index.html for client-side routes, never anything under /api/."""

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hexad.api.dashboard import dashboard_folder, mount_dashboard
from hexad.api.problems import install_problem_handlers


@pytest.fixture
def build(tmp_path: Path) -> Path:
    folder = tmp_path / "dist"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text("<html>dashboard</html>")
    (folder / "assets" / "index-abc123.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("outside the build")
    return folder


def _client(folder: Path) -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/api/v1/ping")
    async def ping() -> dict[str, str]:
        return {"pong": "yes"}

    mount_dashboard(app, (folder,))
    return TestClient(app, raise_server_exceptions=False)


def test_index_and_client_side_routes_get_index_html(build: Path) -> None:
    client = _client(build)
    for path in ("/", "/findings", "/clients/CL-0001"):
        response = client.get(path)
        assert response.status_code == 200 and "dashboard" in response.text, path
        assert response.headers["cache-control"] == "no-cache"


def test_hashed_assets_are_cached_for_good(build: Path) -> None:
    response = _client(build).get("/assets/index-abc123.js")
    assert response.text == "console.log(1)"
    assert "immutable" in response.headers["cache-control"]


def test_api_paths_are_never_answered_with_the_dashboard(build: Path) -> None:
    client = _client(build)
    assert client.get("/api/v1/ping").json() == {"pong": "yes"}
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api").status_code == 404


def test_paths_cannot_leave_the_build_folder(build: Path) -> None:
    client = _client(build)
    for path in ("/assets/..%2F..%2Fsecret.txt", "/..%2Fsecret.txt", "/%2E%2E/secret.txt"):
        response = client.get(path)
        assert "outside the build" not in response.text, path
        assert "dashboard" in response.text, path


def test_without_a_build_the_root_says_how_to_build_it(tmp_path: Path) -> None:
    response = _client(tmp_path).get("/")
    assert response.status_code == 503
    assert "npm --prefix web ci" in response.text


def test_the_first_folder_with_an_index_wins(tmp_path: Path, build: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert dashboard_folder((empty, build)) == build
    assert dashboard_folder((empty,)) is None

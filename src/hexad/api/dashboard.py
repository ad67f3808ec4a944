"""The web dashboard's files at `/`: the built single-page app, with index.html for its own routes.

The build (`npm run build` in web/, run by `make demo` and `make test`) writes `web/dist`; a wheel may
ship the same files as `hexad/web`. Paths under /api/ are never answered here, so the dashboard can
not shadow the API (an unknown API path stays a 404 problem). Without a build, `/` says how to make one.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response

from hexad.api.problems import ProblemError

__all__ = ["BUILD_FOLDERS", "dashboard_folder", "mount_dashboard"]

_PACKAGED = Path(__file__).resolve().parents[1] / "web"
_SOURCE_TREE = Path(__file__).resolve().parents[3] / "web" / "dist"
_NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Hexad</title></head>
<body style="font-family: system-ui; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The dashboard is not built yet</h1>
<p>Build it once with <code>make demo</code>, or <code>npm --prefix web ci &amp;&amp; npm --prefix web run
build</code>, then reload this page. The API itself is running: <a href="/api/docs">/api/docs</a>.</p>
</body></html>"""


BUILD_FOLDERS = (_PACKAGED, _SOURCE_TREE)


def dashboard_folder(candidates: tuple[Path, ...] = BUILD_FOLDERS) -> Path | None:
    """The first folder holding a built dashboard (an index.html), if any."""
    return next((folder for folder in candidates if (folder / "index.html").is_file()), None)


def mount_dashboard(app: Starlette, candidates: tuple[Path, ...] = BUILD_FOLDERS) -> None:
    """Answer every GET outside /api/ with a dashboard file, or its index.html (client-side routes)."""
    root = dashboard_folder(candidates)

    async def serve(request: Request) -> Response:
        path = str(request.path_params.get("path", ""))
        if path == "api" or path.startswith("api/"):
            raise ProblemError(404, "not-found", f"no API route {request.url.path}")
        if root is None:
            return HTMLResponse(_NOT_BUILT, status_code=503)
        return _file(root, path)

    app.add_route("/{path:path}", serve, methods=["GET", "HEAD"], include_in_schema=False)


def _file(root: Path, path: str) -> Response:
    candidate = (root / path).resolve()
    if path and candidate.is_file() and candidate.is_relative_to(root.resolve()):
        immutable = candidate.parent.name == "assets"  # hashed names: safe to cache for good
        cache = "public, max-age=31536000, immutable" if immutable else "no-cache"
        return FileResponse(candidate, headers={"cache-control": cache})
    return FileResponse(root / "index.html", headers={"cache-control": "no-cache"})

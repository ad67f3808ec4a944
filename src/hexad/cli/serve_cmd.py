"""`hexad serve`: the API (and, once built, the dashboard) over HTTP with uvicorn."""

from __future__ import annotations

import typer
import uvicorn

from hexad.config import load_settings
from hexad.domain.database import upgrade

__all__ = ["serve"]


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
    port: int = typer.Option(8000, "--port", help="port to listen on"),
    workers: int = typer.Option(1, "--workers", min=1, help="server processes"),
) -> None:
    """Serve the REST API, the live WebSocket, /metrics and /healthz."""
    settings = load_settings()
    upgrade(settings)  # once, before the workers start, so they never race to migrate
    uvicorn.run(
        "hexad.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        proxy_headers=False,
    )

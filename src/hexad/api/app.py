"""The FastAPI application: middleware, error handling, health, metrics and the routers.

`create_app` is a factory so tests build an app per test with their own settings and clock; the
server (`hexad serve`) builds one per worker process.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from hexad import __version__
from hexad.api.middleware import BodySizeLimit, RateLimit, SecurityHeaders
from hexad.api.problems import install_problem_handlers
from hexad.auth.ratelimit import API_LIMIT, CALLER_LIMIT, Limit, RateLimiter
from hexad.config import Settings, get_settings
from hexad.runtime.clock import Clock, SystemClock

__all__ = ["MAX_REQUEST_BYTES", "create_app"]

MAX_REQUEST_BYTES = 20 * 1024 * 1024


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    caller_limit: Limit = CALLER_LIMIT,
) -> FastAPI:
    """A ready application; nothing is started until the ASGI server runs it."""
    settings = settings or get_settings()
    clock = clock or SystemClock()
    app = FastAPI(
        title="Hexad API",
        version=__version__,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings, app.state.clock = settings, clock
    install_problem_handlers(app)
    _add_health(app)
    whole, per_caller = RateLimiter(API_LIMIT, clock), RateLimiter(caller_limit, clock)
    app.add_middleware(RateLimit, whole=whole, per_caller=per_caller)
    app.add_middleware(BodySizeLimit, max_bytes=MAX_REQUEST_BYTES)
    app.add_middleware(SecurityHeaders)
    return app


def _add_health(app: FastAPI) -> None:
    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        """The process is up (liveness)."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> dict[str, str]:
        """The process can serve requests (readiness)."""
        return {"status": "ready"}

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> PlainTextResponse:
        """Prometheus metrics of this process."""
        return PlainTextResponse(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

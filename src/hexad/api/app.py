"""The FastAPI application: middleware, error handling, health, metrics and the routers.

`create_app` is a factory so tests build an app per test with their own settings and clock; the
server (`hexad serve`) builds one per worker process. Building the app migrates the domain database
to the newest revision, so a fresh HEXAD_HOME serves at once.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import CONTENT_TYPE_LATEST

from hexad import __version__
from hexad.agents.findings import FindingStore
from hexad.api.audit import AuditWrites
from hexad.api.dashboard import mount_dashboard
from hexad.api.live import LiveHub
from hexad.api.live import router as live_router
from hexad.api.middleware import BodySizeLimit, RateLimit, SecurityHeaders
from hexad.api.problems import install_problem_handlers
from hexad.api.read_cache import DataVersion, ReadCache
from hexad.api.routers import (
    agents,
    apikeys,
    ask,
    auth,
    clients,
    contracts,
    events,
    findings,
    imports,
    licences,
    notifications,
    resources,
    runtime,
    sales,
    spend,
    tasks,
    users,
    workflows,
)
from hexad.api.settings import ApiSettings
from hexad.api.token_cache import VerifiedTokens
from hexad.auth.keys import api_keys, signing_secret, user_pool
from hexad.auth.ratelimit import API_LIMIT, Limit, RateLimiter
from hexad.auth.stores import SqlAuditLog
from hexad.auth.tokens import TokenIssuer
from hexad.config import Settings, get_settings
from hexad.domain.database import engine_for, upgrade
from hexad.lake.objects import open_object_store
from hexad.observability.exposition import process_metrics
from hexad.observability.http import ObserveRequests
from hexad.observability.logs import configure_logging, log_format
from hexad.observability.tracing import configure_tracing
from hexad.runtime.clock import Clock, SystemClock
from hexad.tasks.records import SqlTaskStore
from hexad.tasks.service import TaskService
from hexad.wiring import event_bus, queue_service, scheduler

__all__ = ["API_ROUTERS", "MAX_REQUEST_BYTES", "PUBLIC_ROUTERS", "create_app"]

MAX_REQUEST_BYTES = 20 * 1024 * 1024
# Every router under /api/v1; the authorization-matrix test walks these. Their prefixes are distinct,
# so order only sets how many routes a request is matched against: the hottest reads come first.
API_ROUTERS = (
    findings.router,
    clients.router,
    events.router,
    runtime.rules_router,
    runtime.queues_router,
    runtime.schedules_router,
    users.router,
    imports.router,
    workflows.router,
    contracts.router,
    licences.router,
    spend.router,
    sales.leads_router,
    sales.forecast_router,
    sales.proposals_router,
    resources.plans_router,
    resources.routes_router,
    resources.utilization_router,
    apikeys.router,
    tasks.router,
    agents.router,
    notifications.router,
    ask.router,
)
# Routers callable without a token (sign-in must start somewhere).
PUBLIC_ROUTERS = (auth.router,)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    caller_limit: Limit | None = None,
    api_settings: ApiSettings | None = None,
    tracer_provider: TracerProvider | None = None,
) -> FastAPI:
    """A ready application; nothing is started until the ASGI server runs it."""
    settings = settings or get_settings()
    api_settings = api_settings or ApiSettings()
    if log_format() == "json":
        configure_logging(settings.log_level, "json")
    clock = clock or SystemClock()
    app = FastAPI(
        title="Hexad API",
        version=__version__,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=_lifespan,
        telemetry={"tracing": False, "metrics": False, "logs": False},  # hexad.observability.http does it
    )
    app.state.settings, app.state.clock, app.state.api_settings = settings, clock, api_settings
    app.state.engine = engine = engine_for(settings)
    upgrade(engine=engine)
    app.state.tokens = TokenIssuer(signing_secret(settings), clock)
    app.state.verified_tokens = VerifiedTokens(app.state.tokens)
    app.state.users = user_pool(settings, clock, app.state.tokens)
    app.state.api_keys = api_keys(settings, clock)
    app.state.oidc = api_settings.oidc_verifier(clock)
    app.state.audit = SqlAuditLog(engine)
    app.state.findings = FindingStore(engine, clock)
    app.state.read_cache = ReadCache(DataVersion(engine))
    app.state.bus = event_bus(settings)
    app.state.live = LiveHub(app.state.bus)
    app.state.queues = queue_service(settings)
    app.state.scheduler = scheduler(settings)
    app.state.objects = open_object_store(settings.effective_object_store_url)
    app.state.tasks = TaskService(SqlTaskStore(engine), app.state.queues, app.state.bus.put_events, clock)
    install_problem_handlers(app)
    _add_health(app)
    for router in (*API_ROUTERS, *PUBLIC_ROUTERS):
        app.include_router(router)
    app.include_router(live_router)
    mount_dashboard(app)  # last: the web dashboard answers GETs no other route (and nothing under /api/)
    caller_limit = caller_limit or Limit(api_settings.caller_rate, api_settings.caller_burst)
    whole, per_caller = RateLimiter(API_LIMIT, clock), RateLimiter(caller_limit, clock)
    app.add_middleware(RateLimit, whole=whole, per_caller=per_caller)
    app.add_middleware(AuditWrites)
    app.add_middleware(BodySizeLimit, max_bytes=MAX_REQUEST_BYTES)
    app.add_middleware(SecurityHeaders)
    if api_settings.allowed_origins:
        headers = ["authorization", "content-type", "x-api-key"]
        app.add_middleware(CORSMiddleware, allow_origins=api_settings.allowed_origins, allow_methods=["*"],
                           allow_headers=headers, max_age=600)  # fmt: skip
    app.add_middleware(ObserveRequests, provider=tracer_provider or configure_tracing("hexad-api"))
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Everything imported and built so far lives as long as the process: moving it out of the
    # collector's reach keeps full collections (which walk every tracked object) short under load.
    gc.collect()
    gc.freeze()
    yield
    await app.state.live.stop()
    app.state.read_cache.close()
    gc.unfreeze()  # at shutdown everything may be collected again


def _add_health(app: FastAPI) -> None:
    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        """The process is up (liveness)."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        """The process can serve requests: the domain database answers (readiness)."""
        try:
            with app.state.engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError as exc:
            detail = f"the domain database does not answer ({type(exc).__name__})"
            return JSONResponse({"status": "unavailable", "detail": detail}, status_code=503)
        return JSONResponse({"status": "ready"})

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> PlainTextResponse:
        """Prometheus metrics: this process's registries and the queues' depth (the worker autoscaler's)."""
        body = await process_metrics(app.state.queues)
        return PlainTextResponse(body, media_type=CONTENT_TYPE_LATEST)

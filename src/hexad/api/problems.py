"""Errors as RFC 9457 problem details, with one stable `type` URI per kind of error.

Every error the API returns goes through here, so clients can branch on `type` and people can read
`detail`. Hexad's own exceptions map by class; anything unexpected is a 500 whose detail never
contains the exception text (it may hold secrets); the trace id lets an operator find it in the logs.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hexad import errors

__all__ = ["PROBLEM_BASE", "ProblemError", "install_problem_handlers", "problem_response"]

PROBLEM_BASE = "https://hexad.dev/problems/"
_log = logging.getLogger("hexad.api")

# (status, type slug, title) per exception class; the most specific class wins (checked in MRO order).
_BY_CLASS: dict[type[Exception], tuple[int, str, str]] = {
    errors.AuthenticationError: (401, "unauthenticated", "Authentication required"),
    errors.PermissionDeniedError: (403, "forbidden", "Not allowed"),
    errors.NotFoundError: (404, "not-found", "Not found"),
    errors.ConflictError: (409, "conflict", "Conflict"),
    errors.EventNotPublishedError: (503, "unavailable", "Service unavailable"),
    errors.ImportValidationError: (422, "import-invalid", "The file does not validate"),
    errors.ValidationError: (422, "invalid-input", "Invalid input"),
    errors.HexadError: (400, "bad-request", "Bad request"),
}
_BY_STATUS = {
    400: ("bad-request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    413: ("too-large", "Request too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("invalid-input", "Invalid input"),
    429: ("rate-limited", "Too many requests"),
    503: ("unavailable", "Service unavailable"),
}


class ProblemError(Exception):
    """Raise from a route to answer with a problem document."""

    def __init__(self, status: int, slug: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.slug, self.detail, self.extra = status, slug, detail, extra


def problem_response(
    status: int, slug: str, title: str, detail: str, request: Request, **extra: Any
) -> JSONResponse:
    """A `application/problem+json` response naming the request path as the instance."""
    body = {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail}
    body["instance"] = request.url.path
    body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


def _for_hexad_error(exc: errors.HexadError) -> tuple[int, str, str]:
    for cls in type(exc).__mro__:
        if cls in _BY_CLASS:
            return _BY_CLASS[cls]
    return _BY_CLASS[errors.HexadError]


def install_problem_handlers(app: FastAPI) -> None:
    """Route every error the app can raise through `problem_response`."""

    @app.exception_handler(ProblemError)
    async def on_problem(request: Request, exc: ProblemError) -> JSONResponse:
        title = _BY_STATUS.get(exc.status, (exc.slug, exc.slug))[1]
        return problem_response(exc.status, exc.slug, title, exc.detail, request, **exc.extra)

    @app.exception_handler(errors.HexadError)
    async def on_hexad_error(request: Request, exc: errors.HexadError) -> JSONResponse:
        status, slug, title = _for_hexad_error(exc)
        return problem_response(status, slug, title, str(exc), request)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"location": ".".join(str(p) for p in item.get("loc", ())), "message": item.get("msg", "")}
            for item in exc.errors()
        ]
        detail = "; ".join(f"{p['location']}: {p['message']}" for p in problems)
        return problem_response(422, "invalid-input", "Invalid input", detail, request, errors=problems)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug, title = _BY_STATUS.get(exc.status_code, ("http-error", "HTTP error"))
        return problem_response(exc.status_code, slug, title, str(exc.detail), request)

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        trace_id = getattr(request.state, "trace_id", None)
        extra = {} if trace_id is None else {"trace_id": trace_id}
        _log.exception("unhandled error on %s %s", request.method, request.url.path, extra=extra)
        detail = "an unexpected error occurred"
        return problem_response(500, "internal", "Internal error", detail, request, **extra)

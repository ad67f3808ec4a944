"""/api/v1/apikeys: keys for machine clients (admins only); the key's text is shown once, at creation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from hexad.api.security import Principal, require
from hexad.auth.apikeys import ApiKey, ApiKeys

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/apikeys", tags=["apikeys"])


class ApiKeyOut(BaseModel):
    """A key without its secret; times are seconds since the epoch."""

    id: str
    name: str
    owner: str
    scopes: list[str]
    created_at: float
    expires_at: float | None
    revoked_at: float | None
    last_used_at: float | None


class ApiKeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    scopes: list[str] = Field(min_length=1, max_length=64)
    expires_in_days: float | None = Field(90, gt=0, le=3650)


class NewApiKeyOut(BaseModel):
    """A new key and its full text, which is not stored and cannot be shown again."""

    key: ApiKeyOut
    api_key: str


def _keys(request: Request) -> ApiKeys:
    keys: ApiKeys = request.app.state.api_keys
    return keys


def _out(key: ApiKey) -> ApiKeyOut:
    return ApiKeyOut(
        id=key.id,
        name=key.name,
        owner=key.owner,
        scopes=list(key.scopes),
        created_at=key.created_at,
        expires_at=key.expires_at,
        revoked_at=key.revoked_at,
        last_used_at=key.last_used_at,
    )


@router.get("", response_model=list[ApiKeyOut])
async def list_keys(
    request: Request, _: Annotated[Principal, Depends(require("apikeys:read"))]
) -> list[ApiKeyOut]:
    """Every key, newest first, revoked and expired ones included."""
    return [_out(key) for key in _keys(request).list()]


@router.post("", response_model=NewApiKeyOut, status_code=201)
async def create_key(
    request: Request, body: ApiKeyIn, caller: Annotated[Principal, Depends(require("apikeys:write"))]
) -> NewApiKeyOut:
    """A key with `scopes` (permissions the caller holds), expiring after `expires_in_days` (none: never)."""
    key, text = _keys(request).create(
        body.name, body.scopes, owner=caller.subject, may=caller.may,
        expires_in_days=body.expires_in_days,
    )  # fmt: skip
    return NewApiKeyOut(key=_out(key), api_key=text)


@router.post("/{key_id}/revoke", response_model=ApiKeyOut)
async def revoke_key(
    request: Request, key_id: str, _: Annotated[Principal, Depends(require("apikeys:write"))]
) -> ApiKeyOut:
    """Stop the key from working at once."""
    return _out(_keys(request).revoke(key_id))

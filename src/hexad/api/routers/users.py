"""/api/v1/users: accounts of the built-in user pool (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from hexad.api.security import Principal, require
from hexad.auth.users import User, UserPool

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/users", tags=["users"])


class UserOut(BaseModel):
    """An account without its secrets."""

    id: str
    email: str
    name: str
    roles: list[str]
    mfa_enabled: bool
    must_change_password: bool
    disabled: bool


class UserIn(BaseModel):
    email: str = Field(min_length=3, max_length=255)
    name: str = Field(min_length=1, max_length=255)
    roles: list[str] = Field(min_length=1, max_length=5)


class NewPasswordOut(BaseModel):
    """A one-time password, shown once; the user must change it at first sign-in."""

    user: UserOut
    one_time_password: str


def _pool(request: Request) -> UserPool:
    pool: UserPool = request.app.state.users
    return pool


def _out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        name=user.name,
        roles=list(user.roles),
        mfa_enabled=user.mfa_secret is not None,
        must_change_password=user.must_change_password,
        disabled=user.disabled,
    )


@router.get("", response_model=list[UserOut])
async def list_users(
    request: Request, _: Annotated[Principal, Depends(require("users:read"))]
) -> list[UserOut]:
    """Every account, by email."""
    return [_out(user) for user in _pool(request).list()]


@router.post("", response_model=NewPasswordOut, status_code=201)
async def add_user(
    request: Request, body: UserIn, _: Annotated[Principal, Depends(require("users:write"))]
) -> NewPasswordOut:
    """Create an account; the answer carries its one-time password."""
    user, password = _pool(request).add(body.email, body.name, body.roles)
    return NewPasswordOut(user=_out(user), one_time_password=password)


@router.post("/{user_id}/disable", response_model=UserOut)
async def disable_user(
    request: Request, user_id: str, _: Annotated[Principal, Depends(require("users:write"))]
) -> UserOut:
    """Refuse further sign-ins and end the account's sessions."""
    pool = _pool(request)
    return _out(pool.disable(pool.get(user_id).email))


@router.post("/{user_id}/reset-password", response_model=NewPasswordOut)
async def reset_password(
    request: Request, user_id: str, _: Annotated[Principal, Depends(require("users:write"))]
) -> NewPasswordOut:
    """A new one-time password; the account's sessions end."""
    pool = _pool(request)
    user = pool.get(user_id)
    password = pool.reset_password(user.email)
    return NewPasswordOut(user=_out(pool.get(user_id)), one_time_password=password)


@router.post("/{user_id}/reset-mfa", response_model=UserOut)
async def reset_mfa(
    request: Request, user_id: str, _: Annotated[Principal, Depends(require("users:write"))]
) -> UserOut:
    """Remove the account's authenticator (it enrols a new one at next sign-in)."""
    pool = _pool(request)
    return _out(pool.reset_mfa(pool.get(user_id).email))

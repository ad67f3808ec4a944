"""/api/v1/auth: sign in (password, then MFA code), refresh, sign out, password change, MFA enrolment.

These are the only /api/v1 routes callable without a token (sign-in has to start somewhere); each is
rate limited like every API route, and sign-in failures lock the account with backoff.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from hexad.api.security import Principal, authenticate_request
from hexad.auth.mfa import new_secret, provisioning_uri
from hexad.auth.users import SignIn, UserPool

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class SignInIn(BaseModel):
    email: str = Field(min_length=3, max_length=255)
    password: str = Field(min_length=1, max_length=256)
    code: str | None = Field(None, max_length=10, description="the current MFA code, when MFA is on")


class SignInOut(BaseModel):
    """Tokens when signed in; otherwise `status` says what is needed next."""

    status: Literal["signed_in", "mfa_required", "password_change_required"]
    access_token: str | None = None
    refresh_token: str | None = None
    token_type: str = "bearer"


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=512)


class PasswordChangeIn(BaseModel):
    email: str = Field(min_length=3, max_length=255)
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class MfaSetupOut(BaseModel):
    secret: str
    uri: str


class MfaEnableIn(BaseModel):
    secret: str = Field(min_length=16, max_length=64)
    code: str = Field(min_length=6, max_length=10)


def _pool(request: Request) -> UserPool:
    pool: UserPool = request.app.state.users
    return pool


def _out(result: SignIn) -> SignInOut:
    tokens = {"access_token": result.access_token, "refresh_token": result.refresh_token}
    return SignInOut(status=result.status, **tokens)


@router.post("/login", response_model=SignInOut)
async def login(request: Request, body: SignInIn) -> SignInOut:
    """Check the password (and MFA code); tokens, or what the user must do next."""
    return _out(_pool(request).sign_in(body.email, body.password, body.code))


@router.post("/refresh", response_model=SignInOut)
async def refresh(request: Request, body: RefreshIn) -> SignInOut:
    """Trade a refresh token for new tokens; a reused refresh token ends its sessions."""
    return _out(_pool(request).refresh(body.refresh_token))


@router.post("/logout", status_code=204)
async def logout(request: Request, body: RefreshIn) -> None:
    """End the session the refresh token belongs to."""
    _pool(request).sign_out(body.refresh_token)


@router.post("/password", status_code=204)
async def change_password(request: Request, body: PasswordChangeIn) -> None:
    """Change a password with the current one (also the first-login change of a one-time password)."""
    pool = _pool(request)
    user = pool.find(body.email)
    pool.change_password(user.id, body.current_password, body.new_password)


@router.post("/mfa/setup", response_model=MfaSetupOut)
async def mfa_setup(principal: Annotated[Principal, Depends(authenticate_request)]) -> MfaSetupOut:
    """A new authenticator secret for the caller; MFA is on once `/mfa/enable` gets a valid code."""
    secret = new_secret()
    return MfaSetupOut(secret=secret, uri=provisioning_uri(secret, principal.subject))


@router.post("/mfa/enable", status_code=204)
async def mfa_enable(
    request: Request, body: MfaEnableIn, principal: Annotated[Principal, Depends(authenticate_request)]
) -> None:
    """Turn MFA on for the caller after checking a code from the new authenticator."""
    _pool(request).enrol_mfa(principal.subject, body.secret, body.code)

"""The auth stores on the domain database: users, refresh tokens and the audit log (SQLAlchemy Core).

The audit log appends under a retry: two processes may race for the next sequence number; the
primary key makes one of them fail, and it re-reads the head and seals again.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from hexad.auth.apikeys import ApiKey
from hexad.auth.tokens import RefreshRecord
from hexad.auth.users import User
from hexad.domain.models import ApiKey as ApiKeyRow
from hexad.domain.models import AuditRecord, RefreshToken
from hexad.domain.models import User as UserRow
from hexad.observability.audit import AuditEntry, seal

__all__ = ["SqlApiKeyStore", "SqlAuditLog", "SqlRefreshStore", "SqlUserStore"]

_USERS: sa.Table = UserRow.__table__  # type: ignore[assignment]
_TOKENS: sa.Table = RefreshToken.__table__  # type: ignore[assignment]
_AUDIT: sa.Table = AuditRecord.__table__  # type: ignore[assignment]
_KEYS: sa.Table = ApiKeyRow.__table__  # type: ignore[assignment]
_APPEND_ATTEMPTS = 20


def _user(row: Any) -> User:
    return User(
        id=row.id,
        email=row.email,
        name=row.name,
        roles=tuple(row.roles or ()),
        password_hash=row.password_hash,
        mfa_secret=row.mfa_secret,
        mfa_last_step=row.mfa_last_step,
        must_change_password=bool(row.must_change_password),
        disabled=bool(row.disabled),
        failed_attempts=row.failed_attempts,
        locked_until=row.locked_until,
    )


class SqlUserStore:
    """`UserStore` over the `users` table."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, user_id: str) -> User | None:
        return self._one(_USERS.c.id == user_id)

    def find_by_email(self, email: str) -> User | None:
        return self._one(sa.func.lower(_USERS.c.email) == email.lower())

    def all(self) -> list[User]:
        with self._engine.connect() as conn:
            return [_user(row) for row in conn.execute(sa.select(_USERS).order_by(_USERS.c.email))]

    def save(self, user: User) -> None:
        values = {**user.__dict__, "roles": list(user.roles)}
        with self._engine.begin() as conn:
            updated = conn.execute(_USERS.update().where(_USERS.c.id == user.id).values(**values))
            if updated.rowcount == 0:
                conn.execute(_USERS.insert().values(**values))

    def _one(self, condition: Any) -> User | None:
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(_USERS).where(condition)).first()
        return None if row is None else _user(row)


class SqlRefreshStore:
    """`RefreshStore` over the `refresh_tokens` table."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, token_hash: str) -> RefreshRecord | None:
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(_TOKENS).where(_TOKENS.c.token_hash == token_hash)).first()
        if row is None:
            return None
        return RefreshRecord(row.token_hash, row.family, row.subject, row.expires_at, row.used, row.revoked)

    def save(self, record: RefreshRecord) -> None:
        values = dict(record.__dict__)
        with self._engine.begin() as conn:
            updated = conn.execute(
                _TOKENS.update().where(_TOKENS.c.token_hash == record.token_hash).values(**values)
            )
            if updated.rowcount == 0:
                conn.execute(_TOKENS.insert().values(**values))

    def revoke_family(self, family: str) -> int:
        return self._revoke(_TOKENS.c.family == family)

    def revoke_subject(self, subject: str) -> int:
        return self._revoke(_TOKENS.c.subject == subject)

    def _revoke(self, condition: Any) -> int:
        with self._engine.begin() as conn:
            return int(conn.execute(_TOKENS.update().where(condition).values(revoked=True)).rowcount)


def _api_key(row: Any) -> ApiKey:
    return ApiKey(
        id=row.id,
        name=row.name,
        secret_hash=row.secret_hash,
        owner=row.owner,
        scopes=tuple(row.scopes or ()),
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


class SqlApiKeyStore:
    """`ApiKeyStore` over the `api_keys` table."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, key_id: str) -> ApiKey | None:
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(_KEYS).where(_KEYS.c.id == key_id)).first()
        return None if row is None else _api_key(row)

    def all(self) -> list[ApiKey]:
        query = sa.select(_KEYS).order_by(_KEYS.c.created_at.desc(), _KEYS.c.id)
        with self._engine.connect() as conn:
            return [_api_key(row) for row in conn.execute(query)]

    def save(self, key: ApiKey) -> None:
        values = {**key.__dict__, "scopes": list(key.scopes)}
        with self._engine.begin() as conn:
            updated = conn.execute(_KEYS.update().where(_KEYS.c.id == key.id).values(**values))
            if updated.rowcount == 0:
                conn.execute(_KEYS.insert().values(**values))


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        row.sequence,
        row.at,
        row.actor,
        row.action,
        row.target,
        row.source,
        row.detail,
        row.previous_hash,
        row.hash,
    )


class SqlAuditLog:
    """The audit log: `append` seals an entry to the chain's head; `entries` reads it in order."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def append(self, entry: AuditEntry) -> AuditEntry:
        for _ in range(_APPEND_ATTEMPTS):
            try:
                with self._engine.begin() as conn:
                    head = conn.execute(sa.select(_AUDIT).order_by(_AUDIT.c.sequence.desc()).limit(1)).first()
                    sealed = seal(entry, None if head is None else _entry(head))
                    conn.execute(_AUDIT.insert().values(**{**sealed.content(), "hash": sealed.hash}))
                return sealed
            except IntegrityError:
                continue
        raise RuntimeError("the audit log stayed contended; the entry was not written")

    def entries(self, *, batch: int = 1000) -> Iterator[AuditEntry]:
        after = 0
        while True:
            query = (
                sa.select(_AUDIT).where(_AUDIT.c.sequence > after).order_by(_AUDIT.c.sequence).limit(batch)
            )
            with self._engine.connect() as conn:
                rows = [_entry(row) for row in conn.execute(query)]
            yield from rows
            if len(rows) < batch:
                return
            after = rows[-1].sequence

"""Roles and the one table that says which role may use which permission.

Routes name a permission (`findings:write`); nothing else in Hexad compares role names. `admin` may
do everything. The table is data so an authorization-matrix test can walk every route and role.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, get_args

__all__ = ["PERMISSIONS", "ROLES", "Role", "allowed", "unknown_roles"]

Role = Literal["admin", "finance", "sales", "service_manager", "viewer"]
ROLES: tuple[str, ...] = get_args(Role)

_EVERYONE = frozenset(ROLES)
_ADMIN = frozenset({"admin"})

PERMISSIONS: dict[str, frozenset[str]] = {
    "clients:read": _EVERYONE,
    "findings:read": _EVERYONE,
    "findings:write": frozenset({"admin", "finance", "sales", "service_manager"}),
    "agents:read": _EVERYONE,
    "agents:run": frozenset({"admin", "service_manager"}),
    "events:read": frozenset({"admin", "service_manager"}),
    "events:write": _ADMIN,
    "rules:read": frozenset({"admin", "service_manager"}),
    "rules:write": _ADMIN,
    "queues:read": frozenset({"admin", "service_manager"}),
    "queues:write": _ADMIN,
    "schedules:read": frozenset({"admin", "service_manager"}),
    "schedules:write": _ADMIN,
    "workflows:read": _EVERYONE,
    "workflows:write": frozenset({"admin", "finance", "service_manager"}),
    "workflows:approve": frozenset({"admin", "finance", "service_manager"}),
    "contracts:read": frozenset({"admin", "finance", "service_manager", "viewer"}),
    "contracts:write": frozenset({"admin", "finance"}),
    "leads:read": frozenset({"admin", "sales", "viewer"}),
    "proposals:read": frozenset({"admin", "sales", "viewer"}),
    "proposals:write": frozenset({"admin", "sales"}),
    "plans:read": frozenset({"admin", "service_manager", "viewer"}),
    "licences:read": frozenset({"admin", "finance", "service_manager", "viewer"}),
    "spend:read": frozenset({"admin", "finance", "viewer"}),
    "imports:write": frozenset({"admin", "finance"}),
    "tasks:read": _EVERYONE,
    "tasks:write": frozenset({"admin", "finance", "sales", "service_manager"}),
    "users:read": _ADMIN,
    "users:write": _ADMIN,
    "audit:read": _ADMIN,
    "ask:use": _EVERYONE,
    "llm:read": frozenset({"admin", "finance"}),
    "notifications:read": _EVERYONE,
    "notifications:write": _EVERYONE,
    "notifications:admin": _ADMIN,
    "apikeys:read": _ADMIN,
    "apikeys:write": _ADMIN,
}


def allowed(roles: Iterable[str], permission: str) -> bool:
    """True when any of `roles` holds `permission`; an unknown permission is a programming error."""
    holders = PERMISSIONS[permission]
    return any(role in holders for role in roles)


def unknown_roles(roles: Iterable[str]) -> list[str]:
    """The names in `roles` that are not Hexad roles (for validating user input)."""
    return [role for role in roles if role not in ROLES]

"""Password hashing (argon2id) and the password policy of the user pool.

The policy is the seed platform's Cognito policy: at least 8 characters with an upper-case letter, a
lower-case letter, a number and a symbol. Hashes are argon2id with argon2-cffi's RFC 9106 "low memory"
defaults, and `needs_rehash` lets a login upgrade old hashes when the parameters change.
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hexad.errors import ValidationError

__all__ = ["PasswordPolicy", "hash_password", "needs_rehash", "verify_password"]

_HASHER = PasswordHasher()


@dataclass(frozen=True)
class PasswordPolicy:
    """What a new password must contain; `problems` says what is missing, in words."""

    min_length: int = 8
    max_length: int = 256

    def problems(self, password: str) -> list[str]:
        """Every rule the password breaks (empty when it is acceptable)."""
        rules = [
            (len(password) >= self.min_length, f"at least {self.min_length} characters"),
            (len(password) <= self.max_length, f"at most {self.max_length} characters"),
            (any(c.isupper() for c in password), "an upper-case letter"),
            (any(c.islower() for c in password), "a lower-case letter"),
            (any(c.isdigit() for c in password), "a number"),
            (any(not c.isalnum() and not c.isspace() for c in password), "a symbol"),
        ]
        return [rule for ok, rule in rules if not ok]

    def check(self, password: str) -> None:
        """Raise `ValidationError` naming every missing rule."""
        problems = self.problems(password)
        if problems:
            raise ValidationError("password: expected " + ", ".join(problems))


def hash_password(password: str) -> str:
    """An argon2id hash in PHC string format (salt and parameters included)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches; a malformed stored hash counts as no match."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with parameters other than today's."""
    return _HASHER.check_needs_rehash(password_hash)

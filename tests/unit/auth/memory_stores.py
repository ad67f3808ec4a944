"""In-memory stores for auth unit tests (the SQL stores are tested in their own suite)."""

from dataclasses import replace

from hexad.auth.tokens import RefreshRecord
from hexad.auth.users import User


class MemoryRefreshStore:
    def __init__(self) -> None:
        self.records: dict[str, RefreshRecord] = {}

    def get(self, token_hash: str) -> RefreshRecord | None:
        return self.records.get(token_hash)

    def save(self, record: RefreshRecord) -> None:
        self.records[record.token_hash] = record

    def revoke_family(self, family: str) -> int:
        hits = [r for r in self.records.values() if r.family == family]
        for record in hits:
            self.records[record.token_hash] = replace(record, revoked=True)
        return len(hits)

    def revoke_subject(self, subject: str) -> int:
        families = {r.family for r in self.records.values() if r.subject == subject}
        return sum(self.revoke_family(family) for family in families)


class MemoryUserStore:
    def __init__(self) -> None:
        self.users: dict[str, User] = {}

    def get(self, user_id: str) -> User | None:
        return self.users.get(user_id)

    def find_by_email(self, email: str) -> User | None:
        return next((u for u in self.users.values() if u.email == email.lower()), None)

    def save(self, user: User) -> None:
        self.users[user.id] = user

    def all(self) -> list[User]:
        return sorted(self.users.values(), key=lambda u: u.email)

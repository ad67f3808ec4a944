import pytest

from hexad.auth.passwords import PasswordPolicy, hash_password, needs_rehash, verify_password
from hexad.errors import ValidationError


def test_policy_accepts_a_password_with_every_class() -> None:
    assert PasswordPolicy().problems("Tr0ub4dor&3") == []


@pytest.mark.parametrize(
    ("password", "missing"),
    [
        ("Sh0rt!", "at least 8 characters"),
        ("alllower1!", "an upper-case letter"),
        ("ALLUPPER1!", "a lower-case letter"),
        ("NoDigits!!", "a number"),
        ("NoSymbols12", "a symbol"),
    ],
)
def test_policy_names_each_missing_rule(password: str, missing: str) -> None:
    assert PasswordPolicy().problems(password) == [missing]


def test_policy_check_raises_with_every_problem() -> None:
    with pytest.raises(ValidationError, match="an upper-case letter, a number, a symbol"):
        PasswordPolicy().check("lowercaseonly")


def test_hash_is_argon2id_and_verifies_only_the_right_password() -> None:
    stored = hash_password("Correct-horse-9")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "Correct-horse-9")
    assert not verify_password(stored, "correct-horse-9")
    assert not needs_rehash(stored)


def test_a_malformed_stored_hash_is_no_match() -> None:
    assert not verify_password("not-a-hash", "anything")

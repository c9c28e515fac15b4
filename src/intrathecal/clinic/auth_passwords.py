"""Password hashing for clinic logins: argon2id via argon2-cffi, with rehash on login.

Passwords are never stored or logged; only the argon2id encoded hash (which carries its
own salt and cost parameters) is kept. Which new passwords are accepted is
``password_policy``'s business. Cost parameters default to RFC 9106's low-memory
profile; tests may pass a cheaper ``PasswordHasher`` to keep the suite fast.
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.profiles import RFC_9106_LOW_MEMORY

from intrathecal.clinic.password_policy import MAX_LENGTH


@dataclass(frozen=True)
class PasswordCheck:
    """The result of checking a password: whether it matched and a fresher hash if due."""

    ok: bool
    new_hash: str | None = None


def default_hasher() -> PasswordHasher:
    """The production hasher: argon2id with RFC 9106 low-memory parameters."""
    return PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)


def fast_hasher() -> PasswordHasher:
    """A deliberately cheap argon2id hasher for tests and demo data only."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def hash_password(password: str, hasher: PasswordHasher | None = None) -> str:
    """The argon2id encoded hash of a password (check the policy first)."""
    return (hasher or default_hasher()).hash(password)


def check_password(
    encoded: str | None, password: str, hasher: PasswordHasher | None = None
) -> PasswordCheck:
    """Compare ``password`` with a stored hash; a missing hash still costs one hash."""
    ph = hasher or default_hasher()
    if encoded is None or len(password) > MAX_LENGTH:
        # Spend the same work as a real check so timing does not reveal unknown users.
        ph.hash("timing-equaliser")
        return PasswordCheck(ok=False)
    try:
        ph.verify(encoded, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return PasswordCheck(ok=False)
    new_hash = ph.hash(password) if ph.check_needs_rehash(encoded) else None
    return PasswordCheck(ok=True, new_hash=new_hash)

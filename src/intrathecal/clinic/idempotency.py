"""Idempotency keys: a repeated POST with the same key replays the first response.

The key is scoped to the user and kept in the database, so a retry that reaches another
worker or another process is recognised too. The first request claims the key (unique on
user and key) before it runs; its response is stored when it ends. The same key with a
different request is refused; a claim whose request never finished (a crash) may be taken
over after ``STALE_AFTER``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from intrathecal.clinic.errors import Conflict, ValidationFailed
from intrathecal.clinic.records import IdempotencyRecord
from intrathecal.clinic.uow import UnitOfWork

#: A claim without a stored response older than this is taken to be abandoned.
STALE_AFTER = timedelta(minutes=2)
MAX_KEY_LENGTH = 200


class KeyReused(ValidationFailed):
    """The key was used before for a different request (method, path or body)."""


@dataclass(frozen=True)
class Claim:
    """The outcome of claiming a key: run the request (``record.status_code`` None), or
    replay the stored response."""

    record: IdempotencyRecord

    @property
    def replay(self) -> bool:
        """True when the response is already stored."""
        return self.record.status_code is not None


def check_key(key: str) -> str:
    """The header value if it is a usable key (1-200 printable ASCII characters)."""
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ValidationFailed(
            f"Idempotency-Key: expected 1 to {MAX_KEY_LENGTH} printable ASCII characters"
        )
    return key


def claim_key(
    uow: UnitOfWork, user_id: int, key: str, method: str, path: str, request_hash: str
) -> Claim:
    """Claim ``key`` for this request, or find the response stored for it."""
    now = datetime.now(UTC)
    fresh = IdempotencyRecord(None, user_id, check_key(key), method, path, request_hash, now)
    with uow:
        stored, created = uow.idempotency_keys.claim(fresh)
        if not created:
            if (stored.method, stored.path, stored.request_hash) != (method, path, request_hash):
                raise KeyReused(
                    "Idempotency-Key was already used for a different request; use a new key"
                )
            if stored.status_code is None:
                if now - stored.created_at < STALE_AFTER:
                    raise Conflict("a request with this Idempotency-Key is still being processed")
                stored = replace(stored, created_at=now)
                uow.idempotency_keys.update(stored)
        uow.commit()
    return Claim(stored)


def complete_key(
    uow: UnitOfWork, record: IdempotencyRecord, status_code: int, content_type: str, body: str
) -> None:
    """Store the response of a claimed request; a server error releases the key instead."""
    with uow:
        if status_code >= 500:
            uow.idempotency_keys.delete(record)
        else:
            uow.idempotency_keys.update(
                replace(
                    record, status_code=status_code, content_type=content_type, response_body=body
                )
            )
        uow.commit()

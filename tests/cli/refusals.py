"""The refusals a database's audit log holds, oldest first, for the CLI tests."""

from __future__ import annotations

from intrathecal.storage.uow import SqlAlchemyUnitOfWork

Refusal = tuple[str, str, int, str, int | None]  # actor, action, status, request, patient


def refusals(url: str) -> list[Refusal]:
    """``access.denied`` and ``request.refused`` entries: who, which, status, request, patient."""
    with SqlAlchemyUnitOfWork(url) as uow:
        entries = uow.audit.recent(500)
    return [
        (e.actor_username, e.action, e.details["status"], e.details["request"], e.patient_id)
        for e in reversed(entries)
        if e.action in ("access.denied", "request.refused")
    ]

"""Refused access recorded in the audit log, in a transaction of its own (the refused use
case itself wrote nothing): who tried what on which patient, and why it was refused."""

from __future__ import annotations

from intrathecal.clinic.records import Actor
from intrathecal.clinic.uow import UnitOfWork


def record_denial(
    uow: UnitOfWork,
    actor: Actor,
    status: int,
    request: str,
    patient_id: int | None,
    reason: str,
) -> None:
    """Append an ``access.denied`` entry: HTTP-style status, the request line and reason."""
    with uow:
        uow.audit.append(
            actor,
            "access.denied",
            patient_id,
            {"status": status, "request": request[:300], "reason": reason[:300]},
        )
        uow.commit()

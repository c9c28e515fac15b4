"""Refused requests recorded in the audit log, in a transaction of their own (the refused
use case itself wrote nothing): who tried what on which patient, and why it was refused."""

from __future__ import annotations

from intrathecal.clinic.errors import (
    ClinicError,
    Conflict,
    NotFound,
    PermissionDenied,
    SafetyRefused,
    ValidationFailed,
)
from intrathecal.clinic.records import Actor
from intrathecal.clinic.uow import UnitOfWork

#: Statuses that refuse access (no login, a role without access, a record not found or not
#: the caller's); every other refusal (invalid input, a conflict) is ``request.refused``.
ACCESS_DENIED = (401, 403, 404)


def refusal_status(exc: Exception) -> int:
    """The HTTP-style status of a refused use case: a record not found 404, a role without
    access 403, a conflict 409, invalid input (a failed validation, a safety refusal, an
    error of another layer) 422, any other clinic error 400."""
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, ValidationFailed | SafetyRefused) or not isinstance(exc, ClinicError):
        return 422
    return 400


def record_refusal(
    uow: UnitOfWork,
    actor: Actor,
    status: int,
    request: str,
    patient_id: int | None,
    reason: str,
) -> None:
    """Append an ``access.denied`` entry (a status in ``ACCESS_DENIED``) or else a
    ``request.refused`` one: HTTP-style status, the request line and the reason."""
    with uow:
        uow.audit.append(
            actor,
            "access.denied" if status in ACCESS_DENIED else "request.refused",
            patient_id,
            {"status": status, "request": request[:300], "reason": reason[:300]},
        )
        uow.commit()

"""Audited read use cases: a patient's records by kind, prescription history, the schedule,
and the audit log itself. Every read appends an audit entry naming what was shown."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal, get_args

from intrathecal.clinic.audit import ChainResult, seal, verify_chain
from intrathecal.clinic.errors import ValidationFailed
from intrathecal.clinic.permissions import require
from intrathecal.clinic.records import Actor, AuditEntry, PrescriptionVersion, Visit
from intrathecal.clinic.redaction import audit_entry_for, visit_for
from intrathecal.clinic.uow import UnitOfWork

RecordKind = Literal[
    "evaluations", "trials", "implants", "refills", "adverse_events", "visits", "interrogations"
]
RECORD_KINDS: tuple[RecordKind, ...] = get_args(RecordKind)


def patient_records(
    uow: UnitOfWork, actor: Actor, patient_id: int, kind: RecordKind
) -> Sequence[Any]:
    """A patient's records of one kind, oldest first."""
    require(actor, "patient.read", patient_id)
    if kind not in RECORD_KINDS:
        raise ValidationFailed(f"kind: expected one of {', '.join(RECORD_KINDS)}, got {kind!r}")
    with uow.for_reads():
        uow.patients.get(patient_id)
        found = list(getattr(uow, kind).for_patient(patient_id))
        uow.audit.append_read(actor, f"{kind}.listed", patient_id, {"ids": [r.id for r in found]})
        uow.commit()
    return found


def prescription_history(
    uow: UnitOfWork, actor: Actor, patient_id: int
) -> list[PrescriptionVersion]:
    """Every prescription version of a patient, oldest first."""
    require(actor, "patient.read", patient_id)
    with uow.for_reads():
        uow.patients.get(patient_id)
        history = uow.prescriptions.history(patient_id)
        uow.audit.append_read(
            actor, "prescriptions.listed", patient_id, {"versions": [p.version for p in history]}
        )
        uow.commit()
    return history


def visits_between(uow: UnitOfWork, actor: Actor, start: datetime, end: datetime) -> list[Visit]:
    """The schedule between two moments, with the visit ids in the audit entry."""
    require(actor, "appointment.list")
    with uow.for_reads():
        found = uow.visits.between(start, end)
        uow.audit.append_read(
            actor,
            "visits.listed",
            None,
            {"from": start.isoformat(), "to": end.isoformat(), "ids": [v.id for v in found]},
        )
        uow.commit()
    return [visit_for(actor, visit) for visit in found]


def verify_audit(uow: UnitOfWork, actor: Actor, key: bytes) -> ChainResult:
    """Seal what is pending, verify the whole keyed chain and its head (admins); the check
    is then recorded."""
    require(actor, "audit.read")
    seal(uow, key)
    result = verify_chain(uow, key)
    with uow:
        uow.audit.append(
            actor,
            "audit.verified",
            None,
            {"ok": result.ok, "checked": result.checked, "first_bad_seq": result.first_bad_seq},
        )
        uow.commit()
    return result


def recent_audit(uow: UnitOfWork, actor: Actor, limit: int = 100) -> list[AuditEntry]:
    """The newest audit entries (admins; the read is recorded)."""
    require(actor, "audit.read")
    with uow.for_reads():
        entries = uow.audit.recent(limit)
        uow.audit.append_read(actor, "audit.read", None, {"rows": len(entries)})
        uow.commit()
    return [audit_entry_for(actor, entry) for entry in entries]

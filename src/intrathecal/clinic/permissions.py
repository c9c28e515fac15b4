"""Who may do what: the role policy every use case applies before touching records."""

from __future__ import annotations

from intrathecal.clinic.errors import PermissionDenied
from intrathecal.clinic.records import Actor

CLINICIANS = frozenset({"physician", "nurse"})
STAFF = frozenset({"physician", "nurse", "scheduler", "admin"})

#: Use case -> roles allowed to run it. Patients additionally see only their own record.
POLICY: dict[str, frozenset[str]] = {
    "patient.register": frozenset({"physician", "nurse", "scheduler", "admin"}),
    "patient.update": frozenset({"physician", "nurse", "scheduler", "admin"}),
    "patient.read": frozenset({"physician", "nurse", "scheduler", "admin", "patient"}),
    "patient.search": STAFF,
    "evaluation.record": frozenset({"physician"}),
    "trial.record": frozenset({"physician"}),
    "implant.record": frozenset({"physician"}),
    "prescription.program": frozenset({"physician"}),
    "prescription.confirm": CLINICIANS,
    "refill.record": CLINICIANS,
    "adverse_event.record": CLINICIANS,
    "device.status": CLINICIANS,
    "visit.schedule": frozenset({"physician", "nurse", "scheduler"}),
    "visit.complete": CLINICIANS,
    "appointment.list": frozenset({"physician", "nurse", "scheduler", "admin"}),
    "appointment.request": frozenset(
        {"public", "physician", "nurse", "scheduler", "admin", "patient"}
    ),
    "worklist.read": CLINICIANS | {"scheduler"},
    "audit.read": frozenset({"admin"}),
}


def require(actor: Actor, action: str, patient_id: int | None = None) -> None:
    """Raise PermissionDenied unless ``actor`` may run ``action`` (on ``patient_id``).

    Patient logins pass only for their own record (``actor.patient_id``).
    """
    allowed = POLICY.get(action)
    if allowed is None or actor.role not in allowed:
        raise PermissionDenied(f"role {actor.role!r} may not perform {action}")
    if actor.role == "patient" and patient_id is not None and actor.patient_id != patient_id:
        raise PermissionDenied("patients may only see their own record")

"""Who may do what: the one role policy, applied by every use case and consulted by the API.

Roles follow the clinic's jobs. Physicians do everything clinical, programming included. Nurses
read clinical records, refill, record and follow up adverse events, evaluations and trials, and
confirm a program on the pump, but do not program or co-sign an override. Schedulers handle
appointment requests and visits and may search patients for a summary (id, MRN, name, birth
date) to book a visit: no clinical data, no worklist. Admins manage users, read and verify the
audit trail and maintain reference data: no clinical data either. Patient logins read only
their own record (``Actor.patient_id``); the public may only request an appointment.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from intrathecal.clinic.errors import PermissionDenied
from intrathecal.clinic.records import Actor


class Role(StrEnum):
    """A user's single role."""

    PHYSICIAN = "physician"
    NURSE = "nurse"
    SCHEDULER = "scheduler"
    ADMIN = "admin"
    PATIENT = "patient"


class Action(StrEnum):
    """One thing a use case does; the policy says which roles may do it."""

    PATIENT_REGISTER = "patient.register"
    PATIENT_UPDATE = "patient.update"
    PATIENT_READ = "patient.read"
    PATIENT_SEARCH = "patient.search"
    PATIENT_AUDIT_READ = "patient.audit_read"
    EVALUATION_RECORD = "evaluation.record"
    TRIAL_RECORD = "trial.record"
    IMPLANT_RECORD = "implant.record"
    PRESCRIPTION_PROGRAM = "prescription.program"
    PRESCRIPTION_CONFIRM = "prescription.confirm"
    OVERRIDE_COSIGN = "override.cosign"
    REFILL_RECORD = "refill.record"
    ADVERSE_EVENT_RECORD = "adverse_event.record"
    ADVERSE_EVENT_UPDATE = "adverse_event.update"
    DEVICE_STATUS = "device.status"
    VISIT_SCHEDULE = "visit.schedule"
    VISIT_COMPLETE = "visit.complete"
    APPOINTMENT_LIST = "appointment.list"
    APPOINTMENT_REQUEST = "appointment.request"
    WORKLIST_READ = "worklist.read"
    REFILL_PLAN = "refill.plan"
    AUDIT_READ = "audit.read"
    USER_MANAGE = "user.manage"
    TOKEN_OWN = "token.own"
    REFERENCE_MANAGE = "reference.manage"


_PHYSICIAN = frozenset({Role.PHYSICIAN})
_CLINICAL = frozenset({Role.PHYSICIAN, Role.NURSE})
_BOOKING = _CLINICAL | {Role.SCHEDULER}
_STAFF = frozenset({Role.PHYSICIAN, Role.NURSE, Role.SCHEDULER, Role.ADMIN})
_ADMIN = frozenset({Role.ADMIN})


def sees_clinical_content(role: str) -> bool:
    """True for the roles that may read clinical text (notes, override reasons)."""
    return role in _CLINICAL


#: Action -> roles allowed to run it (the only role table in the project).
POLICY: Mapping[Action, frozenset[Role]] = {
    Action.PATIENT_REGISTER: _CLINICAL,
    Action.PATIENT_UPDATE: _CLINICAL,
    Action.PATIENT_READ: _CLINICAL | {Role.PATIENT},
    Action.PATIENT_SEARCH: _BOOKING,
    Action.PATIENT_AUDIT_READ: _CLINICAL,
    Action.EVALUATION_RECORD: _CLINICAL,
    Action.TRIAL_RECORD: _CLINICAL,
    Action.IMPLANT_RECORD: _PHYSICIAN,
    Action.PRESCRIPTION_PROGRAM: _PHYSICIAN,
    Action.PRESCRIPTION_CONFIRM: _CLINICAL,
    Action.OVERRIDE_COSIGN: _PHYSICIAN,
    Action.REFILL_RECORD: _CLINICAL,
    Action.ADVERSE_EVENT_RECORD: _CLINICAL,
    Action.ADVERSE_EVENT_UPDATE: _CLINICAL,
    Action.DEVICE_STATUS: _CLINICAL,
    Action.VISIT_SCHEDULE: _BOOKING,
    Action.VISIT_COMPLETE: _CLINICAL,
    Action.APPOINTMENT_LIST: _BOOKING,
    Action.APPOINTMENT_REQUEST: frozenset(Role),
    Action.WORKLIST_READ: _CLINICAL,
    Action.REFILL_PLAN: _CLINICAL,
    Action.AUDIT_READ: _ADMIN,
    Action.USER_MANAGE: _ADMIN,
    Action.TOKEN_OWN: _STAFF,
    Action.REFERENCE_MANAGE: _ADMIN,
}

#: Actions open to the anonymous public actor (``Actor.public``).
PUBLIC_ACTIONS = frozenset({Action.APPOINTMENT_REQUEST})
#: Actions the service itself (``Actor.system``: setup, seeding) may run: no clinical records.
SYSTEM_ACTIONS = frozenset({Action.USER_MANAGE, Action.REFERENCE_MANAGE})


def allowed(role: str, action: str) -> bool:
    """True when ``role`` (a user role, ``"public"`` or ``"system"``) may run ``action``."""
    if role == "system":
        return action in SYSTEM_ACTIONS
    if role == "public":
        return action in PUBLIC_ACTIONS
    return action in POLICY and role in POLICY[Action(action)]


def role_may(role: str, action: str) -> None:
    """Raise PermissionDenied unless ``role`` may run ``action`` (no record check)."""
    if not allowed(role, action):
        raise PermissionDenied(f"role '{role}' may not perform {action}")


def require(actor: Actor, action: str, patient_id: int | None = None) -> None:
    """Raise PermissionDenied unless ``actor`` may run ``action`` (on ``patient_id``).

    Patient logins pass only for their own record (``actor.patient_id``).
    """
    role_may(actor.role, action)
    if actor.role == Role.PATIENT and patient_id is not None and actor.patient_id != patient_id:
        raise PermissionDenied("patients may only see their own record")

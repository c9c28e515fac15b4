"""Role-based access policy: which role may do what, decided in one table.

Roles follow the clinic's jobs: physicians prescribe and program, nurses refill and
record, schedulers handle appointments and may find a patient by name or MRN (a summary
without clinical data, to book a visit), admins manage users and
the audit trail (no clinical data either), and patients see their own record. Entry
points ask ``allowed(role, permission)`` / ``require(...)``; nothing else hard-codes roles.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from intrathecal.clinic.errors import PermissionDenied


class Role(StrEnum):
    """A user's single role."""

    PHYSICIAN = "physician"
    NURSE = "nurse"
    SCHEDULER = "scheduler"
    ADMIN = "admin"
    PATIENT = "patient"


class Permission(StrEnum):
    """One kind of action on one kind of record."""

    PATIENT_READ = "patient:read"
    PATIENT_SEARCH = "patient:search"
    PATIENT_WRITE = "patient:write"
    OWN_RECORD_READ = "own-record:read"
    EVALUATION_WRITE = "evaluation:write"
    TRIAL_WRITE = "trial:write"
    IMPLANT_WRITE = "implant:write"
    PROGRAMMING_WRITE = "programming:write"
    PROGRAMMING_CONFIRM = "programming:confirm"
    REFILL_WRITE = "refill:write"
    DEVICE_STATUS_WRITE = "device-status:write"
    ADVERSE_EVENT_WRITE = "adverse-event:write"
    APPOINTMENT_READ = "appointment:read"
    APPOINTMENT_WRITE = "appointment:write"
    WORKLIST_READ = "worklist:read"
    USER_MANAGE = "user:manage"
    AUDIT_READ = "audit:read"
    TOKEN_OWN = "token:own"


_CLINICAL_READ = frozenset(
    {
        Permission.PATIENT_READ,
        Permission.PATIENT_SEARCH,
        Permission.WORKLIST_READ,
        Permission.APPOINTMENT_READ,
    }
)

POLICY: Mapping[Role, frozenset[Permission]] = {
    Role.PHYSICIAN: _CLINICAL_READ
    | {
        Permission.PATIENT_WRITE,
        Permission.EVALUATION_WRITE,
        Permission.TRIAL_WRITE,
        Permission.IMPLANT_WRITE,
        Permission.PROGRAMMING_WRITE,
        Permission.PROGRAMMING_CONFIRM,
        Permission.REFILL_WRITE,
        Permission.DEVICE_STATUS_WRITE,
        Permission.ADVERSE_EVENT_WRITE,
        Permission.APPOINTMENT_WRITE,
        Permission.TOKEN_OWN,
    },
    Role.NURSE: _CLINICAL_READ
    | {
        Permission.PATIENT_WRITE,
        Permission.PROGRAMMING_CONFIRM,
        Permission.REFILL_WRITE,
        Permission.DEVICE_STATUS_WRITE,
        Permission.ADVERSE_EVENT_WRITE,
        Permission.APPOINTMENT_WRITE,
        Permission.TOKEN_OWN,
    },
    Role.SCHEDULER: frozenset(
        {
            Permission.PATIENT_SEARCH,
            Permission.APPOINTMENT_READ,
            Permission.APPOINTMENT_WRITE,
            Permission.TOKEN_OWN,
        }
    ),
    Role.ADMIN: frozenset({Permission.USER_MANAGE, Permission.AUDIT_READ, Permission.TOKEN_OWN}),
    Role.PATIENT: frozenset({Permission.OWN_RECORD_READ}),
}


class AccessDenied(PermissionDenied):
    """The role lacks the permission the action needs."""

    def __init__(self, role: Role, permission: Permission) -> None:
        super().__init__(f"the {role.value} role may not perform {permission.value}")
        self.role = role
        self.permission = permission


def allowed(role: Role, permission: Permission) -> bool:
    """True when ``role`` holds ``permission``."""
    return permission in POLICY.get(role, frozenset())


def require(role: Role, permission: Permission) -> None:
    """Raise ``AccessDenied`` unless ``role`` holds ``permission``."""
    if not allowed(role, permission):
        raise AccessDenied(role, permission)

"""The patient's dosing profile: record it, read it, and hand it to the safety policy.

Opioid status, psychosis history, spasticity origin and cancer pain change what the dosing
policy allows (docs/dosing.md). Recording and reading are audited; a stale
``expected_version`` is a Conflict.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

from intrathecal.clinic.commands import RecordDosingProfile
from intrathecal.clinic.errors import Conflict, ValidationFailed
from intrathecal.clinic.permissions import require
from intrathecal.clinic.records import Actor, DosingProfileRecord
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.core.safety import DosingProfile, OpioidStatus, SpasticityOrigin

E = TypeVar("E", OpioidStatus, SpasticityOrigin)


def dosing_profile(uow: UnitOfWork, patient_id: int) -> DosingProfile:
    """The recorded profile of ``patient_id`` as the policy reads it (inside a use case)."""
    stored = uow.dosing_profiles.get(patient_id)
    return DosingProfile() if stored is None else as_profile(stored)


def as_profile(stored: DosingProfileRecord) -> DosingProfile:
    """The core value of a stored profile."""
    origin = stored.spasticity_origin
    return DosingProfile(
        opioid_status=OpioidStatus(stored.opioid_status),
        psychosis_history=stored.psychosis_history,
        spasticity_origin=None if origin is None else SpasticityOrigin(origin),
        cancer_pain=stored.cancer_pain,
    )


def record_dosing_profile(
    uow: UnitOfWork, cmd: RecordDosingProfile, actor: Actor
) -> DosingProfileRecord:
    """Store the profile if nobody changed it since ``expected_version`` (audited)."""
    require(actor, "patient.update", cmd.patient_id)
    status = _choice(OpioidStatus, cmd.opioid_status, "opioid_status")
    origin = (
        None
        if cmd.spasticity_origin is None
        else _choice(SpasticityOrigin, cmd.spasticity_origin, "spasticity_origin")
    )
    for name in ("psychosis_history", "cancer_pain"):
        value = getattr(cmd, name)
        if value is not None and not isinstance(value, bool):
            raise ValidationFailed(f"{name}: expected true, false or null")
    with uow:
        uow.patients.lock(cmd.patient_id)
        current = uow.dosing_profiles.get(cmd.patient_id)
        version = current.version if current is not None else 0
        if cmd.expected_version != version:
            raise Conflict(
                f"the dosing profile is at version {version}, you edited version "
                f"{cmd.expected_version}; reload and retry"
            )
        stored = DosingProfileRecord(
            patient_id=cmd.patient_id,
            opioid_status=status.value,
            psychosis_history=cmd.psychosis_history,
            spasticity_origin=None if origin is None else origin.value,
            cancer_pain=cmd.cancer_pain,
            recorded_by=actor.user_id,
            recorded_at=datetime.now(UTC),
            version=version + 1,
        )
        uow.dosing_profiles.put(stored)
        uow.audit.append(
            actor,
            "patient.dosing_profile_recorded",
            cmd.patient_id,
            {
                "version": stored.version,
                "opioid_status": stored.opioid_status,
                "psychosis_history": stored.psychosis_history,
                "spasticity_origin": stored.spasticity_origin,
                "cancer_pain": stored.cancer_pain,
            },
        )
        uow.commit()
    return stored


def read_dosing_profile(
    uow: UnitOfWork, patient_id: int, actor: Actor
) -> DosingProfileRecord | None:
    """The stored profile (``None`` when none was recorded); the read is audited."""
    require(actor, "patient.read", patient_id)
    with uow.for_reads():
        uow.patients.get(patient_id)
        stored = uow.dosing_profiles.get(patient_id)
        uow.audit.append_read(actor, "patient.dosing_profile_read", patient_id)
        uow.commit()
    return stored


def _choice(kind: type[E], value: str, field: str) -> E:
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(k.value for k in kind)
        raise ValidationFailed(f"{field}: expected one of {known}, got {value!r}") from None

"""The patient's dosing profile as the safety policy needs it (opioid status, psychosis...)."""

from __future__ import annotations

from intrathecal.clinic.uow import UnitOfWork
from intrathecal.core.safety import DosingProfile


def dosing_profile(uow: UnitOfWork, patient_id: int) -> DosingProfile:
    """The recorded profile of ``patient_id`` (all "not recorded" until one is stored)."""
    uow.patients.get(patient_id)
    return DosingProfile()

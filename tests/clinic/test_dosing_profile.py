"""The dosing profile on the patient record: stored, audited, versioned, and read by the one
safety check on the clinic's programming path (memory, SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from intrathecal.clinic.commands import ProgramPrescription, RecordDosingProfile
from intrathecal.clinic.dosing_profile import (
    dosing_profile,
    read_dosing_profile,
    record_dosing_profile,
)
from intrathecal.clinic.errors import Conflict, PermissionDenied, SafetyRefused, ValidationFailed
from intrathecal.clinic.programming import program_prescription
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.core.program_spec import prescription_from_dict
from intrathecal.core.safety import OpioidStatus
from tests.clinic.builders import implanted, morphine_program
from tests.clinic.conftest import Staff


def _profile(patient_id: int, version: int = 0, **changes: object) -> RecordDosingProfile:
    values: dict[str, object] = {
        "opioid_status": "tolerant",
        "psychosis_history": False,
        "spasticity_origin": None,
        "cancer_pain": None,
    }
    values.update(changes)
    return RecordDosingProfile(patient_id, expected_version=version, **values)  # type: ignore[arg-type]


def test_profile_is_stored_versioned_and_audited(uow: UnitOfWork, staff: Staff) -> None:
    patient = implanted(uow, staff)
    assert patient.id is not None
    assert read_dosing_profile(uow, patient.id, staff.nurse) is None
    stored = record_dosing_profile(uow, _profile(patient.id), staff.nurse)
    assert stored.version == 1
    again = record_dosing_profile(uow, _profile(patient.id, 1, cancer_pain=True), staff.physician)
    assert again.version == 2
    with pytest.raises(Conflict, match="version 2"):
        record_dosing_profile(uow, _profile(patient.id, 1), staff.physician)
    read = read_dosing_profile(uow, patient.id, staff.physician)
    assert read == again
    with uow:
        profile = dosing_profile(uow, patient.id)
        actions = [e.action for e in uow.audit.for_patient(patient.id)]
    assert profile.opioid_status is OpioidStatus.TOLERANT
    assert profile.cancer_pain is True
    assert actions.count("patient.dosing_profile_recorded") == 2
    assert "patient.dosing_profile_read" in actions


def test_bad_values_and_roles_are_refused(uow: UnitOfWork, staff: Staff) -> None:
    patient = implanted(uow, staff)
    assert patient.id is not None
    with pytest.raises(ValidationFailed, match="opioid_status"):
        record_dosing_profile(uow, _profile(patient.id, opioid_status="sometimes"), staff.nurse)
    with pytest.raises(ValidationFailed, match="spasticity_origin"):
        record_dosing_profile(uow, _profile(patient.id, spasticity_origin="left"), staff.nurse)
    with pytest.raises(PermissionDenied):
        record_dosing_profile(uow, _profile(patient.id), staff.scheduler)


def test_psychosis_history_on_the_record_refuses_ziconotide(uow: UnitOfWork, staff: Staff) -> None:
    patient = implanted(uow, staff)
    assert patient.id is not None
    record_dosing_profile(uow, _profile(patient.id, psychosis_history=True), staff.physician)
    zic = prescription_from_dict(
        {
            "solution": [{"drug": "ziconotide", "concentration": "25 mcg/mL"}],
            "basal": {"continuous": "0.048 mL/day"},
        }
    )
    with pytest.raises(SafetyRefused, match="contraindicated"):
        program_prescription(uow, ProgramPrescription(patient.id, zic, 0), staff.physician)


def test_opioid_status_decides_a_first_morphine_program(uow: UnitOfWork, staff: Staff) -> None:
    patient = implanted(uow, staff)
    assert patient.id is not None
    three_mg = morphine_program("0.3 mL/day")
    with pytest.raises(SafetyRefused, match="opioid-naive"):
        program_prescription(uow, ProgramPrescription(patient.id, three_mg, 0), staff.physician)
    record_dosing_profile(uow, _profile(patient.id), staff.physician)
    with pytest.raises(SafetyRefused, match="starting_dose"):
        program_prescription(uow, ProgramPrescription(patient.id, three_mg, 0), staff.physician)


def test_ziconotide_listed_second_in_an_admixture_is_tracked_like_the_first(
    uow: UnitOfWork, staff: Staff
) -> None:
    patient = implanted(uow, staff)
    assert patient.id is not None
    record_dosing_profile(uow, _profile(patient.id), staff.physician)

    def admixture(zic: str) -> object:
        return prescription_from_dict(
            {
                "solution": [
                    {"drug": "morphine", "concentration": "1 mg/mL"},
                    {"drug": "ziconotide", "concentration": zic},
                ],
                "basal": {"continuous": "0.096 mL/day"},
            }
        )

    start = datetime.now(UTC) - timedelta(minutes=10)
    program_prescription(
        uow,
        ProgramPrescription(patient.id, admixture("25 mcg/mL"), 0, at=start),
        staff.physician,  # type: ignore[arg-type]
    )
    with pytest.raises(SafetyRefused, match="titration_interval"):
        program_prescription(
            uow,
            ProgramPrescription(
                patient.id, admixture("50 mcg/mL"), 1, at=start + timedelta(minutes=1)
            ),  # type: ignore[arg-type]
            staff.physician,
        )
    with uow:
        status = uow.care_status.get(patient.id)
    assert status is not None
    assert status.drug == "morphine + ziconotide"

"""Patient record use cases: registration, validation, optimistic locking, access, audit."""

from __future__ import annotations

from datetime import date

import pytest

from intrathecal.clinic.commands import RegisterPatient, UpdatePatient
from intrathecal.clinic.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from intrathecal.clinic.patients import (
    get_patient,
    register_patient,
    search_patients,
    update_patient,
)
from intrathecal.clinic.records import Actor, Coverage, Diagnosis
from intrathecal.clinic.uow import UnitOfWork
from tests.clinic.builders import register
from tests.clinic.conftest import Staff


def test_register_fills_known_code_descriptions_and_normalises_insurer(
    uow: UnitOfWork, staff: Staff
) -> None:
    patient = register(uow, staff)
    assert patient.id is not None
    assert patient.diagnoses[0].code == "M96.1"
    assert "Postlaminectomy" in patient.diagnoses[0].description
    assert patient.coverage[0].insurer == "medicare"
    assert get_patient(uow, patient.id, staff.physician) == patient


def test_register_refuses_insurer_not_on_accepted_list(uow: UnitOfWork, staff: Staff) -> None:
    with pytest.raises(ValidationFailed, match="not accepted"):
        register_patient(
            uow,
            RegisterPatient(
                "M2", "A", "B", date(1970, 1, 1), "male", coverage=(Coverage("Acme Health", "1"),)
            ),
            staff.scheduler,
        )
    with uow:
        assert uow.patients.count() == 0


def test_register_refuses_malformed_icd10_code(uow: UnitOfWork, staff: Staff) -> None:
    with pytest.raises(ValidationFailed, match="ICD-10"):
        register_patient(
            uow,
            RegisterPatient(
                "M2", "A", "B", date(1970, 1, 1), "male", diagnoses=(Diagnosis("back pain", "x"),)
            ),
            staff.scheduler,
        )


def test_duplicate_mrn_is_a_conflict_and_writes_nothing(uow: UnitOfWork, staff: Staff) -> None:
    register(uow, staff)
    with uow:
        audit_rows = uow.audit.head()[0]
    with pytest.raises(Conflict, match="MRN"):
        register(uow, staff)
    with uow:
        assert uow.patients.count() == 1
        assert uow.audit.head()[0] == audit_rows


def test_concurrent_edits_of_the_same_version_conflict(uow: UnitOfWork, staff: Staff) -> None:
    patient = register(uow, staff)
    assert patient.id is not None
    first = update_patient(uow, UpdatePatient(patient.id, 1, phone="555-0100"), staff.nurse)
    assert first.version == 2
    with pytest.raises(Conflict, match="version 1"):
        update_patient(uow, UpdatePatient(patient.id, 1, phone="555-0199"), staff.scheduler)
    assert get_patient(uow, patient.id, staff.physician).phone == "555-0100"


def test_patient_user_sees_only_their_own_record(uow: UnitOfWork, staff: Staff) -> None:
    mine = register(uow, staff, "M1")
    other = register(uow, staff, "M2", family="Other")
    assert mine.id is not None
    assert other.id is not None
    me = Actor(99, "ann", "patient", patient_id=mine.id)
    assert get_patient(uow, mine.id, me).mrn == "M1"
    with pytest.raises(PermissionDenied):
        get_patient(uow, other.id, me)
    with pytest.raises(PermissionDenied):
        search_patients(uow, "Lee", me)


def test_reads_and_searches_are_audited_with_who_and_where(uow: UnitOfWork, staff: Staff) -> None:
    patient = register(uow, staff)
    assert patient.id is not None
    get_patient(uow, patient.id, staff.physician)
    assert [p.id for p in search_patients(uow, "lee", staff.nurse)] == [patient.id]
    with uow:
        recent = uow.audit.recent(2)
    assert [e.action for e in recent] == ["patient.searched", "patient.read"]
    assert recent[1].actor_username == "dr.ada"
    assert recent[1].actor_ip == "10.0.0.1"
    assert recent[1].patient_id == patient.id


def test_missing_patient_is_not_found(uow: UnitOfWork, staff: Staff) -> None:
    with pytest.raises(NotFound):
        get_patient(uow, 12345, staff.physician)

"""Patient record use cases: registration, validation, optimistic locking, access, audit."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intrathecal.clinic.commands import RegisterPatient, UpdatePatient
from intrathecal.clinic.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from intrathecal.clinic.patients import (
    get_patient,
    register_patient,
    search_patients,
    update_patient,
)
from intrathecal.clinic.records import Actor, Coverage, Diagnosis, Patient
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
            staff.nurse,
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
            staff.nurse,
        )


def test_duplicate_mrn_is_a_conflict_and_writes_nothing(uow: UnitOfWork, staff: Staff) -> None:
    register(uow, staff)
    with uow:
        audit_rows = uow.audit.count()
    with pytest.raises(Conflict, match="MRN"):
        register(uow, staff)
    with uow:
        assert uow.patients.count() == 1
        assert uow.audit.count() == audit_rows


def test_concurrent_edits_of_the_same_version_conflict(uow: UnitOfWork, staff: Staff) -> None:
    patient = register(uow, staff)
    assert patient.id is not None
    first = update_patient(uow, UpdatePatient(patient.id, 1, phone="555-0100"), staff.nurse)
    assert first.version == 2
    with pytest.raises(Conflict, match="version 1"):
        update_patient(uow, UpdatePatient(patient.id, 1, phone="555-0199"), staff.physician)
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
    assert [p.id for p in search_patients(uow, "lee", staff.nurse).items] == [patient.id]
    with uow:
        recent = uow.audit.recent(2)
    assert [e.action for e in recent] == ["patient.searched", "patient.read"]
    assert recent[1].actor_username == "dr.ada"
    assert recent[1].actor_ip == "10.0.0.1"
    assert recent[1].patient_id == patient.id


def test_missing_patient_is_not_found(uow: UnitOfWork, staff: Staff) -> None:
    with pytest.raises(NotFound):
        get_patient(uow, 12345, staff.physician)


def test_schedulers_and_admins_get_no_clinical_record(uow: UnitOfWork, staff: Staff) -> None:
    patient = register(uow, staff)
    assert patient.id is not None
    for actor in (staff.scheduler, staff.admin):
        with pytest.raises(PermissionDenied):
            get_patient(uow, patient.id, actor)
        with pytest.raises(PermissionDenied):
            update_patient(uow, UpdatePatient(patient.id, 1, phone="555-0100"), actor)
        with pytest.raises(PermissionDenied):
            register_patient(uow, RegisterPatient("M9", "A", "B", date(1970, 1, 1), "male"), actor)
    with pytest.raises(PermissionDenied):
        search_patients(uow, "lee", staff.admin)


def test_scheduler_search_returns_only_the_booking_summary(uow: UnitOfWork, staff: Staff) -> None:
    patient = register(uow, staff)
    page = search_patients(uow, "lee", staff.scheduler)
    assert page.total == 1
    (hit,) = page.items
    assert not isinstance(hit, Patient)
    assert {f.name for f in dataclasses.fields(hit)} == {
        "id",
        "mrn",
        "given_name",
        "family_name",
        "birth_date",
        "version",
    }
    assert (hit.id, hit.mrn, hit.birth_date) == (patient.id, patient.mrn, patient.birth_date)


@given(
    count=st.integers(min_value=0, max_value=9),
    limit=st.integers(min_value=1, max_value=4),
    offset=st.integers(min_value=0, max_value=12),
)
@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_search_pages_cover_every_match_once_with_the_total(
    uow: UnitOfWork, staff: Staff, count: int, limit: int, offset: int
) -> None:
    with uow:
        before = uow.patients.count_matching("pagetest")
    for n in range(before, count):
        register(uow, staff, f"PAGETEST-{n}", family=f"Pagetest{n % 3}")
    total = max(before, count)
    page = search_patients(uow, "pagetest", staff.nurse, limit=limit, offset=offset)
    assert page.total == total
    everything = search_patients(uow, "pagetest", staff.nurse, limit=200).items
    assert len(everything) == total
    assert page.items == everything[offset : offset + limit]


def test_search_treats_like_wildcards_as_text(uow: UnitOfWork, staff: Staff) -> None:
    register(uow, staff, "M1", family="Lee")
    assert search_patients(uow, "%", staff.nurse).total == 0
    assert search_patients(uow, "_", staff.nurse).total == 0

"""Referral import on every backend: one transaction across the clinic's use cases, MRN
matching that adds what is new, and refusal of a different person under the same MRN."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from intrathecal.clinic.commands import RegisterPatient, ScheduleVisit
from intrathecal.clinic.errors import Conflict, ValidationFailed
from intrathecal.clinic.patients import register_patient
from intrathecal.clinic.scheduling import record_visit
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.fhir.importer import import_referral
from intrathecal.fhir.one_transaction import OneTransaction
from tests.clinic.conftest import Staff
from tests.fhir.bundles import referral_bundle


def test_a_failing_later_use_case_rolls_back_the_earlier_ones(
    uow: UnitOfWork, staff: Staff
) -> None:
    def register_then_fail() -> None:
        with uow:
            joined = OneTransaction(uow)
            patient = register_patient(
                joined,
                RegisterPatient("TX-1", "Ann", "Lee", datetime(1960, 1, 1).date(), "female"),
                staff.nurse,
            )
            assert patient.id is not None
            record_visit(
                joined,
                ScheduleVisit(patient.id, "not-a-kind", datetime(2026, 12, 1, tzinfo=UTC)),
                staff.nurse,
            )
            uow.commit()

    with pytest.raises(ValidationFailed):
        register_then_fail()
    with uow:
        assert uow.patients.by_mrn("TX-1") is None
        assert not [e for e in uow.audit.recent(50) if e.action == "patient.registered"]


def test_a_second_referral_for_the_same_mrn_adds_only_what_is_new(
    uow: UnitOfWork, staff: Staff
) -> None:
    first = import_referral(uow, staff.nurse, referral_bundle())
    second = import_referral(uow, staff.nurse, referral_bundle(icd="G89.4"))
    assert first.created
    assert not second.created
    assert second.patient_id == first.patient_id
    with uow:
        stored = uow.patients.get(first.patient_id)
        visits = uow.visits.for_patient(first.patient_id)
    assert [d.code for d in stored.diagnoses] == ["M96.1", "G89.4"]
    assert len(stored.coverage) == 1
    assert [v.kind for v in visits] == ["evaluation", "evaluation"]
    locations = [e["response"]["location"] for e in second.response["entry"]]
    assert locations[1] == f"Condition/{first.patient_id}-G89.4"
    assert locations[2] == f"Coverage/{first.patient_id}-1"


def test_another_person_under_a_known_mrn_is_refused_and_nothing_changes(
    uow: UnitOfWork, staff: Staff
) -> None:
    first = import_referral(uow, staff.nurse, referral_bundle())
    impostor = referral_bundle(icd="G89.4")
    impostor["entry"][0]["resource"]["birthDate"] = "1990-01-01"
    with pytest.raises(Conflict):
        import_referral(uow, staff.nurse, impostor)
    with uow:
        stored = uow.patients.get(first.patient_id)
        visits = uow.visits.for_patient(first.patient_id)
    assert [d.code for d in stored.diagnoses] == ["M96.1"]
    assert len(visits) == 1


def test_a_referral_dated_beyond_the_calendar_is_refused_whole(
    uow: UnitOfWork, staff: Staff
) -> None:
    bundle = referral_bundle("H-9999")
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "ServiceRequest":
            entry["resource"]["occurrenceDateTime"] = "9999-12-31T00:00:00Z"
    with pytest.raises(ValidationFailed, match="scheduled_at"):
        import_referral(uow, staff.nurse, bundle)
    with uow:
        assert uow.patients.by_mrn("H-9999") is None

"""Round trip over generated patients: export -> import into an empty clinic -> export gives
the same Patient, Condition, Coverage and referral content (ids aside)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from intrathecal.clinic import config, icd10
from intrathecal.clinic.commands import RegisterPatient, ScheduleVisit
from intrathecal.clinic.patients import register_patient
from intrathecal.clinic.records import Actor, Coverage, Diagnosis
from intrathecal.clinic.reference import sync_locations
from intrathecal.clinic.scheduling import record_visit
from intrathecal.fhir.chart import read_chart
from intrathecal.fhir.export import resources
from intrathecal.fhir.importer import import_referral
from intrathecal.fhir.jsonio import dumps, loads
from tests.fhir.bundles import as_transaction, comparable
from tests.support.memory import InMemoryUnitOfWork

NURSE = Actor(user_id=None, username="nurse.rt", role="nurse")
_name = st.text(st.characters(categories=("L",)), min_size=1, max_size=20)
_token = st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=12).filter(
    lambda s: s.strip("-")
)


@st.composite
def patients(draw: st.DrawFn) -> tuple[RegisterPatient, list[tuple[datetime, str]]]:
    """A patient with known ICD-10-CM codes (at most one primary), accepted insurers, and
    zero to two referrals for evaluation."""
    codes = draw(
        st.lists(st.sampled_from(sorted(config.diagnosis_codes())), max_size=3, unique=True).filter(
            icd10.compatible
        )
    )
    primary = draw(st.sampled_from([None, *codes]))
    insurers = draw(st.lists(st.sampled_from(sorted(config.insurers())), max_size=2, unique=True))
    cmd = RegisterPatient(
        mrn=draw(_token),
        given_name=draw(_name),
        family_name=draw(_name),
        birth_date=draw(st.dates(date(1920, 1, 1), date(2010, 12, 31))),
        sex=draw(st.sampled_from(["female", "male", "other", "unknown"])),
        phone=draw(st.sampled_from(["", "555-0100"])),
        diagnoses=tuple(Diagnosis(c, "", c == primary) for c in codes),
        coverage=tuple(
            Coverage(key, draw(_token), draw(st.sampled_from(["", "GRP-1"]))) for key in insurers
        ),
    )
    moments = st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC))
    referrals = draw(
        st.lists(st.tuples(moments, st.sampled_from(["", " seen by GP ", "pain"])), max_size=2)
    )
    return cmd, referrals


def _clinic() -> InMemoryUnitOfWork:
    clinic = InMemoryUnitOfWork()
    sync_locations(clinic)
    return clinic


@settings(max_examples=60, deadline=None)
@given(patients())
def test_export_import_export_keeps_the_supported_content(
    generated: tuple[RegisterPatient, list[tuple[datetime, str]]],
) -> None:
    cmd, referrals = generated
    source = _clinic()
    patient = register_patient(source, cmd, NURSE)
    assert patient.id is not None
    for at, note in referrals:
        record_visit(source, ScheduleVisit(patient.id, "evaluation", at, notes=note), NURSE)
    first = resources(read_chart(source, NURSE, patient.id))

    target = _clinic()
    wire = loads(dumps(as_transaction(first)))  # through JSON text, as on the network
    result = import_referral(target, NURSE, wire)
    assert result.created
    second = resources(read_chart(target, NURSE, result.patient_id))

    assert comparable(second) == comparable(first)
    assert len(result.visit_ids) == len(referrals)

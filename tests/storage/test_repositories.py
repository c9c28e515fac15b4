"""Repositories: typed round trips and constraint handling on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, event, text

from intrathecal.clinic.errors import Conflict, NotFound, ValidationFailed
from intrathecal.clinic.records import (
    ApiTokenRecord,
    Coverage,
    Diagnosis,
    Implant,
    Patient,
    PrescriptionVersion,
    Refill,
    SessionRecord,
    UserRecord,
)
from intrathecal.core.quantities import Concentration, DoseRate, Volume
from intrathecal.storage.db import is_sqlite
from intrathecal.storage.mapping import from_row, to_row
from intrathecal.storage.uow import SqlAlchemyUnitOfWork
from tests.clinic.builders import morphine_program

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)


def _patient(uow: SqlAlchemyUnitOfWork, mrn: str = "M1") -> int:
    patient = uow.patients.add(Patient(None, mrn, "A", "B", date(1960, 1, 1), "female", NOW))
    assert patient.id is not None
    return patient.id


def _implant(pid: int, serial: str = "S1") -> Implant:
    return Implant(
        None,
        pid,
        date(2026, 1, 1),
        "H",
        "Dr S",
        2,
        "synchromed-ii-40",
        serial,
        Volume(40, "mL"),
        Decimal("50.5"),
        "T9",
        Volume(Decimal("0.15"), "mL"),
        ("abdomen", "back"),
        "1-2 weeks",
        None,
    )


def test_sqlite_engine_runs_in_wal_mode_with_foreign_keys(engine: Engine) -> None:
    if not is_sqlite(str(engine.url)):
        pytest.skip("SQLite pragmas only")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_records_round_trip_with_units_and_timezones(engine: Engine) -> None:
    uow = SqlAlchemyUnitOfWork(engine)
    with uow:
        pid = _patient(uow)
        implant = uow.implants.add(_implant(pid))
        at = datetime(2026, 11, 26, 10, 0, tzinfo=timezone(timedelta(hours=-5)))
        refill = uow.refills.add(
            Refill(
                None,
                pid,
                implant.id or 0,
                at,
                "morphine",
                "L1",
                Concentration.parse("25 mg/mL"),
                Volume.parse("4 mL"),
                Volume.parse("6.5 mL"),
                Volume.parse("2.5 mL"),
                True,
                Volume.parse("36 mL"),
                date(2027, 1, 1),
                date(2026, 12, 20),
                None,
            )
        )
        uow.commit()
    with uow:
        stored = uow.refills.get(refill.id or 0)
        assert uow.implants.get(implant.id or 0) == implant
    assert stored == refill
    assert stored.performed_at == at
    assert stored.performed_at.tzinfo is UTC
    assert stored.concentration.to("mcg/mL") == 25000


def test_unknown_id_is_not_found(engine: Engine) -> None:
    with SqlAlchemyUnitOfWork(engine) as uow, pytest.raises(NotFound):
        uow.refills.get(999)


def test_users_are_read_by_id_in_one_lookup_and_a_missing_one_is_not_found(
    engine: Engine,
) -> None:
    with SqlAlchemyUnitOfWork(engine) as uow:
        a = uow.users.add(UserRecord(None, "a", "h", "nurse", NOW, "Nurse A"))
        b = uow.users.add(UserRecord(None, "b", "h", "physician", NOW, "Dr B"))
        uow.commit()
    assert a.id is not None
    assert b.id is not None
    with SqlAlchemyUnitOfWork(engine).for_reads() as uow:
        found = uow.users.get_many([b.id, a.id, a.id])
        assert list(found.items()) == [(a.id, a), (b.id, b)]
        assert uow.users.get_many([]) == {}
        with pytest.raises(NotFound, match=f"user {b.id + 1} not found"):
            uow.users.get_many([a.id, b.id + 1])


def test_naive_datetime_is_refused_before_reaching_the_database(engine: Engine) -> None:
    uow = SqlAlchemyUnitOfWork(engine)
    with uow, pytest.raises(Exception, match="timezone-aware"):
        uow.users.add(UserRecord(None, "u", "h", "admin", datetime(2026, 1, 1)))


def test_duplicate_username_and_serial_are_conflicts(engine: Engine) -> None:
    uow = SqlAlchemyUnitOfWork(engine)
    with uow:
        pid = _patient(uow)
        uow.users.add(UserRecord(None, "u", "h", "admin", NOW))
        with pytest.raises(Conflict, match="taken"):
            uow.users.add(UserRecord(None, "u", "h2", "nurse", NOW))
        uow.implants.add(_implant(pid))
        uow.commit()
    with uow, pytest.raises(Conflict, match="serial"):
        uow.implants.add(_implant(pid))


def test_patient_role_needs_a_linked_patient(engine: Engine) -> None:
    uow = SqlAlchemyUnitOfWork(engine)
    with uow, pytest.raises(ValidationFailed, match="linked to a patient"):
        uow.users.add(UserRecord(None, "p", "h", "patient", NOW))
    with uow, pytest.raises(ValidationFailed, match="role"):
        uow.users.add(UserRecord(None, "p", "h", "superuser", NOW))


def test_prescription_version_clash_is_a_conflict_and_the_transaction_survives(
    engine: Engine,
) -> None:
    uow = SqlAlchemyUnitOfWork(engine)

    def version(pid: int, n: int) -> PrescriptionVersion:
        return PrescriptionVersion(
            None,
            pid,
            None,
            n,
            morphine_program(),
            "morphine",
            DoseRate.parse("0.5 mg/day"),
            Concentration.parse("10 mg/mL"),
            (),
            None,
            NOW,
        )

    with uow:
        pid = _patient(uow)
        uow.prescriptions.add(version(pid, 1))
        with pytest.raises(Conflict):
            uow.prescriptions.add(version(pid, 1))
        uow.prescriptions.add(version(pid, 2))
        uow.commit()
    with uow:
        assert [p.version for p in uow.prescriptions.history(pid)] == [1, 2]
        assert {p.program for p in uow.prescriptions.history(pid)} == {morphine_program()}


volumes = st.decimals(
    min_value=Decimal("0"), max_value=Decimal("1000"), places=3, allow_nan=False
).map(lambda d: Volume(d, "mL"))


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(volume=volumes, unit=st.sampled_from(["mL", "µL"]))
def test_quantity_text_round_trips_exactly(volume: Volume, unit: str) -> None:
    shown = volume.in_unit(unit)
    implant = _implant(1).__class__(**{**vars(_implant(1)), "reservoir": shown})
    back = from_row(Implant, to_row(implant))
    assert back.reservoir == shown


def test_a_session_or_token_is_found_with_its_user_in_one_lookup(engine: Engine) -> None:
    with SqlAlchemyUnitOfWork(engine) as uow:
        user = uow.users.add(UserRecord(None, "dr.x", "h", "physician", NOW, "Dr X"))
        assert user.id is not None
        token = uow.api_tokens.add(
            ApiTokenRecord(None, "t" * 64, user.id, "ci", NOW, NOW + timedelta(days=1))
        )
        session = uow.sessions.add(
            SessionRecord(None, "s" * 64, user.id, NOW, NOW + timedelta(hours=1), "10.0.0.1")
        )
        uow.commit()
    with SqlAlchemyUnitOfWork(engine).for_reads() as uow:
        assert uow.api_tokens.with_user("t" * 64) == (token, user)
        assert uow.sessions.with_user("s" * 64) == (session, user)
        assert uow.api_tokens.with_user("s" * 64) is None
        assert uow.sessions.with_user("x" * 64) is None


def test_a_patient_reads_back_with_diagnoses_and_coverage_in_order(engine: Engine) -> None:
    diagnoses = (
        Diagnosis("G89.4", "Chronic pain syndrome", primary=True),
        Diagnosis("M54.16", "Radiculopathy, lumbar region"),
        Diagnosis("C79.51", "Secondary malignant neoplasm of bone"),
    )
    coverage = (Coverage("medicare", "1EG4-TE5-MK72"), Coverage("aetna", "W123", "G-77"))
    with SqlAlchemyUnitOfWork(engine) as uow:
        stored = uow.patients.add(
            Patient(
                None,
                "M7",
                "A",
                "B",
                date(1960, 1, 1),
                "female",
                NOW,
                diagnoses=diagnoses,
                coverage=coverage,
            )
        )
        bare = _patient(uow, "M8")
        uow.commit()
    assert stored.id is not None
    with SqlAlchemyUnitOfWork(engine).for_reads() as uow:
        found = uow.patients.get(stored.id)
        assert uow.patients.get(bare).diagnoses == ()
    assert found.diagnoses == diagnoses
    assert found.coverage == coverage
    assert [d.primary for d in found.diagnoses] == [True, False, False]


def test_patients_read_together_each_keep_their_own_diagnoses_and_coverage(
    engine: Engine,
) -> None:
    def patient(mrn: str, family: str, codes: tuple[str, ...], insurer: str) -> Patient:
        diagnoses = tuple(Diagnosis(c, c, primary=i == 0) for i, c in enumerate(codes))
        return Patient(
            None, mrn, "A", family, date(1960, 1, 1), "female", NOW,
            diagnoses=diagnoses, coverage=(Coverage(insurer, mrn),),
        )  # fmt: skip

    with SqlAlchemyUnitOfWork(engine) as uow:
        first = uow.patients.add(patient("M1", "Able", ("G89.4", "M54.16"), "aetna"))
        second = uow.patients.add(patient("M2", "Baker", ("M96.1",), "medicare"))
        bare = _patient(uow, "M3")
        uow.commit()
    assert first.id is not None
    assert second.id is not None
    with SqlAlchemyUnitOfWork(engine).for_reads() as uow:
        found = uow.patients.find_many([second.id, first.id, bare, 9999])
        searched = uow.patients.search("", limit=10)
        assert uow.patients.find_many([]) == {}
    assert list(found) == [first.id, second.id, bare]
    assert found[first.id] == first
    assert found[second.id] == second
    assert found[bare].diagnoses == ()
    assert found[bare].coverage == ()
    assert searched == [first, found[bare], second]  # by family name: Able, B, Baker


def test_a_page_of_patients_is_read_in_two_queries_however_many_it_holds(engine: Engine) -> None:
    with SqlAlchemyUnitOfWork(engine) as uow:
        ids = [_patient(uow, f"M{k}") for k in range(6)]
        uow.commit()
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        with SqlAlchemyUnitOfWork(engine).for_reads() as uow:
            statements.clear()
            assert len(uow.patients.search("", limit=10)) == 6
            searched = len(statements)
            statements.clear()
            assert list(uow.patients.find_many(ids)) == ids
            found = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert (searched, found) == (2, 2)

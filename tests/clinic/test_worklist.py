"""Worklist: which items appear, their ranking (baclofen critical first) and wording."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intrathecal.clinic.errors import PermissionDenied
from intrathecal.clinic.records import CareStatus, Patient
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.clinic.worklist import worklist, worklist_query
from intrathecal.storage.uow import SqlAlchemyUnitOfWork
from tests.clinic.conftest import Staff
from tests.clinic.strategies import care_statuses
from tests.storage.dbs import engine_with_tables
from tests.support.memory import InMemoryUnitOfWork

TODAY = date(2026, 11, 26)


def add_patient(uow: UnitOfWork, name: str, **status: object) -> int:
    with uow:
        patient = uow.patients.add(
            Patient(None, f"MRN-{name}", "Pat", name, date(1960, 1, 1), "other", datetime.now(UTC))
        )
        assert patient.id is not None
        uow.care_status.put(CareStatus(patient.id, **status))  # type: ignore[arg-type]
        uow.commit()
    return patient.id


def test_baclofen_overdue_refill_ranks_above_everything(uow: UnitOfWork, staff: Staff) -> None:
    morphine = add_patient(
        uow,
        "Morphine",
        drug="morphine",
        on_opioid=True,
        refill_due=TODAY - timedelta(days=5),
        alarm_date=TODAY - timedelta(days=1),
    )
    baclofen = add_patient(
        uow,
        "Baclofen",
        drug="baclofen",
        is_baclofen=True,
        refill_due=TODAY - timedelta(days=1),
        alarm_date=TODAY + timedelta(days=6),
    )
    items = worklist(uow, staff.nurse, TODAY)
    assert [(i.patient_id, i.kind, i.severity) for i in items] == [
        (baclofen, "refill", "critical"),
        (morphine, "refill", "critical"),
    ]
    assert items[0].baclofen_critical
    assert "BACLOFEN" in items[0].reason
    assert not items[1].baclofen_critical
    assert "alarm date" in items[1].reason


def test_each_rule_produces_its_item(uow: UnitOfWork, staff: Staff) -> None:
    pid = add_patient(
        uow,
        "All",
        drug="morphine",
        on_opioid=True,
        daily_dose_mcg=12000.0,
        refill_due=TODAY + timedelta(days=3),
        alarm_date=TODAY + timedelta(days=10),
        eri_due=TODAY + timedelta(days=100),
        discrepancy_flag=True,
        discrepancy_ml=2.5,
        granuloma_risk=True,
        granuloma_reason="morphine at 25 mg/mL is at or above 20 mg/mL",
        rising_dose=True,
        dose_rise_pct=80.0,
        endocrine_due=TODAY + timedelta(days=20),
        wound_check_due=TODAY - timedelta(days=1),
    )
    items = {i.kind: i for i in worklist(uow, staff.physician, TODAY)}
    assert set(items) == {
        "refill",
        "eri",
        "discrepancy",
        "granuloma_risk",
        "rising_dose",
        "endocrine_review",
        "wound_check",
    }
    assert all(i.patient_id == pid for i in items.values())
    assert items["wound_check"].severity == "high"
    assert items["endocrine_review"].severity == "low"
    assert "+2.50 mL" in items["discrepancy"].reason
    assert "unverified default" in items["endocrine_review"].reason


def test_items_beyond_their_horizon_are_left_out(uow: UnitOfWork, staff: Staff) -> None:
    add_patient(
        uow,
        "Later",
        drug="morphine",
        on_opioid=True,
        refill_due=TODAY + timedelta(days=30),
        alarm_date=TODAY + timedelta(days=40),
        eri_due=TODAY + timedelta(days=900),
        endocrine_due=TODAY + timedelta(days=200),
    )
    assert worklist(uow, staff.nurse, TODAY) == []


def test_schedulers_and_admins_cannot_read_the_worklist(uow: UnitOfWork, staff: Staff) -> None:
    with pytest.raises(PermissionDenied):
        worklist(uow, staff.admin, TODAY)
    with pytest.raises(PermissionDenied):  # booking visits needs no clinical worklist
        worklist(uow, staff.scheduler, TODAY)


def test_worklist_read_is_audited(uow: UnitOfWork, staff: Staff) -> None:
    pid = add_patient(uow, "A", drug="morphine", refill_due=TODAY, alarm_date=TODAY)
    worklist(uow, staff.nurse, TODAY)
    with uow:
        entry = uow.audit.recent(1)[0]
    assert entry.action == "worklist.read"
    assert entry.details["patients"] == [pid]


_statuses = care_statuses(TODAY, 400, discrepancy_ml=1.0, dose_rise_pct=10.0)


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(statuses=st.lists(_statuses, min_size=1, max_size=12), limit=st.integers(1, 30))
def test_sql_worklist_matches_in_memory_reference(
    tmp_path_factory: pytest.TempPathFactory, statuses: list[CareStatus], limit: int
) -> None:
    tmp: Path = tmp_path_factory.mktemp("wl")
    with engine_with_tables("sqlite", tmp) as engine:
        results = []
        for uow in (InMemoryUnitOfWork(), SqlAlchemyUnitOfWork(engine)):
            for i, status in enumerate(statuses):
                add_patient(
                    uow,
                    f"P{i}",
                    **{k: v for k, v in vars(status).items() if k != "patient_id"},
                )
            with uow:
                rows = uow.care_status.worklist(worklist_query(TODAY, limit))
            results.append([(r.patient_id, r.kind, r.due, r.rank, r.critical) for r in rows])
    assert results[0] == results[1]

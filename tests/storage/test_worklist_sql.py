"""The SQL worklist on real databases: typed due dates for any day and limit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from intrathecal.clinic.memory import InMemoryUnitOfWork
from intrathecal.clinic.records import CareStatus, Patient
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.clinic.worklist import worklist_query
from intrathecal.storage.uow import SqlAlchemyUnitOfWork
from intrathecal.storage.worklist_sql import DUE_COLUMN

BASE = date(2026, 11, 26)
_dates = st.one_of(st.none(), st.integers(-800, 800).map(lambda d: BASE + timedelta(days=d)))
_statuses = st.builds(
    CareStatus,
    patient_id=st.just(0),
    is_baclofen=st.booleans(),
    on_opioid=st.booleans(),
    granuloma_risk=st.booleans(),
    rising_dose=st.booleans(),
    discrepancy_flag=st.booleans(),
    discrepancy_ml=st.just(2.5),
    dose_rise_pct=st.just(60.0),
    eri_due=_dates,
    alarm_date=_dates,
    refill_due=_dates,
    endocrine_due=_dates,
    wound_check_due=_dates,
    device_alert=st.just("pump alarm: motor_stall"),
    device_alert_since=_dates,
)
#: Any day the API accepts, weighted towards days near the stored dates.
_today = st.one_of(
    st.dates(date(1900, 1, 1), date(2200, 12, 31)),
    st.integers(-900, 900).map(lambda d: BASE + timedelta(days=d)),
)


def _fill(uow: UnitOfWork, statuses: list[CareStatus]) -> None:
    with uow:
        for i, status in enumerate(statuses):
            patient = uow.patients.add(
                Patient(None, f"W{i}", "Pat", f"P{i}", date(1960, 1, 1), "other", datetime.now(UTC))
            )
            assert patient.id is not None
            fields = {k: v for k, v in vars(status).items() if k != "patient_id"}
            uow.care_status.put(CareStatus(patient.id, **fields))
        uow.commit()


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    statuses=st.lists(_statuses, min_size=1, max_size=10),
    days=st.lists(_today, min_size=1, max_size=4),
    limit=st.integers(1, 500),
)
def test_worklist_due_dates_are_typed_for_any_day_and_limit(
    engine: Engine, statuses: list[CareStatus], days: list[date], limit: int
) -> None:
    with engine.begin() as conn:  # hypothesis reuses the database: start each example empty
        conn.exec_driver_sql("DELETE FROM care_status")
        conn.exec_driver_sql("DELETE FROM patients")
    sql = SqlAlchemyUnitOfWork(engine)
    fake = InMemoryUnitOfWork()
    _fill(sql, statuses)
    _fill(fake, statuses)
    for today in days:
        query = worklist_query(today, limit)
        with sql:
            rows = sql.care_status.worklist(query)
        with fake:
            expected = fake.care_status.worklist(query)
        assert len(rows) <= limit
        for row in rows:
            assert row.due is None or type(row.due) is date
            column = DUE_COLUMN[row.kind]
            wanted = today if column == "today" else None
            if column not in (None, "today"):
                wanted = getattr(row.status, column)
            assert row.due == wanted
        assert [(r.kind, r.due, r.rank, r.critical) for r in rows] == [
            (r.kind, r.due, r.rank, r.critical) for r in expected
        ]

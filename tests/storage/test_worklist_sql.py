"""The SQL worklist on real databases: typed due dates for any day and limit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from intrathecal.clinic.records import CareStatus, Patient
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.clinic.worklist import worklist_query
from intrathecal.storage.uow import SqlAlchemyUnitOfWork
from intrathecal.storage.worklist_sql import DUE_COLUMN
from tests.clinic.strategies import care_statuses
from tests.support.memory import InMemoryUnitOfWork

BASE = date(2026, 11, 26)
_statuses = care_statuses(BASE, 800, discrepancy_ml=2.5, dose_rise_pct=60.0)
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

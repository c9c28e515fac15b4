"""Refill planning: what falls due, by when, with the refill's own cycle; role and audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from intrathecal.clinic.errors import PermissionDenied
from intrathecal.clinic.refill_planning import (
    refill_clinic_settings,
    refill_needs,
    solver_alarm_day,
)
from intrathecal.clinic.refills import record_refill
from intrathecal.clinic.uow import UnitOfWork
from tests.clinic.builders import programmed
from tests.clinic.conftest import Staff
from tests.clinic.test_refills import refill

NOW = datetime.now(UTC)


def test_a_refilled_pump_is_due_with_its_recorded_dates(uow: UnitOfWork, staff: Staff) -> None:
    pid = programmed(uow, staff).id or 0
    stored = record_refill(uow, refill(pid, NOW - timedelta(days=3), "0 mL"), staff.nurse).refill
    until = stored.next_due + timedelta(days=1)
    needs = refill_needs(uow, staff.nurse, until)
    assert [n.patient_id for n in needs] == [pid]
    need = needs[0]
    margin = refill_clinic_settings().margin_days.value
    assert need.needed_by == min(stored.next_due, stored.alarm_date - timedelta(days=margin))
    assert need.alarm_date == stored.alarm_date
    filled = stored.performed_at.date()
    assert need.cycle_days == min(
        (stored.alarm_date - filled).days, (stored.next_due - filled).days + margin
    )
    assert not need.baclofen
    first = NOW.date()
    assert solver_alarm_day(need, first, margin) - margin == (need.needed_by - first).days


def test_pumps_not_due_in_the_horizon_are_left_out(uow: UnitOfWork, staff: Staff) -> None:
    pid = programmed(uow, staff).id or 0
    stored = record_refill(uow, refill(pid, NOW - timedelta(days=1), "0 mL"), staff.nurse).refill
    assert refill_needs(uow, staff.nurse, stored.next_due - timedelta(days=1)) == []


def test_planning_is_clinical_and_audited(uow: UnitOfWork, staff: Staff) -> None:
    pid = programmed(uow, staff).id or 0
    record_refill(uow, refill(pid, NOW - timedelta(days=2), "0 mL"), staff.nurse)
    with pytest.raises(PermissionDenied):
        refill_needs(uow, staff.scheduler, NOW.date() + timedelta(days=400))
    refill_needs(uow, staff.physician, NOW.date() + timedelta(days=400))
    with uow:
        last = uow.audit.recent(1)[0]
    assert last.action == "refill.plan.read"
    assert last.actor_username == staff.physician.username
    assert last.details["patients"] == [pid]

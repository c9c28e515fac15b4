"""Audited reads: records by kind, prescription history, schedule, audit verification."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from intrathecal.clinic.commands import ScheduleVisit
from intrathecal.clinic.errors import PermissionDenied, ValidationFailed
from intrathecal.clinic.reads import (
    patient_records,
    prescription_history,
    recent_audit,
    verify_audit,
    visits_between,
)
from intrathecal.clinic.records import Actor
from intrathecal.clinic.scheduling import schedule_visit
from intrathecal.clinic.uow import UnitOfWork
from tests.clinic.builders import programmed
from tests.clinic.conftest import Staff

KEY = b"k" * 32


def test_records_by_kind_are_returned_and_the_read_is_audited(
    uow: UnitOfWork, staff: Staff
) -> None:
    pid = programmed(uow, staff).id or 0
    implants = patient_records(uow, staff.nurse, pid, "implants")
    assert [i.pump_model for i in implants] == ["synchromed-ii-20"]
    assert [p.version for p in prescription_history(uow, staff.physician, pid)] == [1]
    with uow:
        actions = [e.action for e in uow.audit.recent(2)]
    assert actions == ["prescriptions.listed", "implants.listed"]
    with pytest.raises(ValidationFailed):
        patient_records(uow, staff.nurse, pid, "passwords")  # type: ignore[arg-type]


def test_patient_may_list_only_own_records(uow: UnitOfWork, staff: Staff) -> None:
    pid = programmed(uow, staff).id or 0
    assert patient_records(uow, Actor(50, "me", "patient", patient_id=pid), pid, "trials")
    with pytest.raises(PermissionDenied):
        patient_records(uow, Actor(51, "other", "patient", patient_id=pid + 1), pid, "trials")


def test_schedule_window_lists_visits(uow: UnitOfWork, staff: Staff) -> None:
    pid = programmed(uow, staff).id or 0
    at = datetime.now(UTC) + timedelta(days=2)
    visit = schedule_visit(uow, ScheduleVisit(pid, "refill", at, "main"), staff.scheduler)
    found = visits_between(uow, staff.scheduler, at - timedelta(hours=1), at + timedelta(hours=1))
    assert found == [visit]


def test_audit_verification_is_admin_only_and_recorded(uow: UnitOfWork, staff: Staff) -> None:
    programmed(uow, staff)
    with pytest.raises(PermissionDenied):
        verify_audit(uow, staff.physician, KEY)
    result = verify_audit(uow, staff.admin, KEY)
    assert result.ok
    newest = recent_audit(uow, staff.admin, 2)
    assert [e.action for e in newest] == ["audit.verified", "prescription.programmed"]

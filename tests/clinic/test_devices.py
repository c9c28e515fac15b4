"""Pump status: reported ERI and critical alarms reach the worklist, baclofen first."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from intrathecal.clinic.commands import ClearDeviceAlert, RecordAdverseEvent, RecordPumpStatus
from intrathecal.clinic.devices import clear_device_alert, record_pump_status
from intrathecal.clinic.errors import PermissionDenied, ValidationFailed
from intrathecal.clinic.events import record_adverse_event
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.clinic.worklist import worklist
from tests.clinic.builders import programmed
from tests.clinic.conftest import Staff

NOW = datetime.now(UTC)


def _make_baclofen(uow: UnitOfWork, patient_id: int) -> None:
    with uow:
        status = uow.care_status.get(patient_id)
        assert status is not None
        uow.care_status.put(dataclasses.replace(status, is_baclofen=True, drug="baclofen"))
        uow.commit()


def test_critical_alarm_ranks_first_and_baclofen_before_others(
    uow: UnitOfWork, staff: Staff
) -> None:
    morphine = programmed(uow, staff, "M1").id or 0
    baclofen = programmed(uow, staff, "M2").id or 0
    _make_baclofen(uow, baclofen)
    for pid in (morphine, baclofen):
        record_pump_status(uow, RecordPumpStatus(pid, NOW, alarms=("motor_stall",)), staff.nurse)
    items = worklist(uow, staff.nurse, NOW.date())
    assert [(i.patient_id, i.kind, i.severity) for i in items[:2]] == [
        (baclofen, "device_alert", "critical"),
        (morphine, "device_alert", "critical"),
    ]
    assert items[0].baclofen_critical
    assert "motor_stall" in items[0].reason


def test_reported_eri_replaces_the_estimate(uow: UnitOfWork, staff: Staff) -> None:
    pid = programmed(uow, staff).id or 0
    status = record_pump_status(uow, RecordPumpStatus(pid, NOW, eri_reported=True), staff.nurse)
    assert status.eri_due == NOW.date()
    assert any(i.kind == "eri" for i in worklist(uow, staff.nurse, NOW.date()))


def test_ongoing_catheter_fault_event_raises_an_alert_that_can_be_cleared(
    uow: UnitOfWork, staff: Staff
) -> None:
    pid = programmed(uow, staff).id or 0
    record_adverse_event(
        uow,
        RecordAdverseEvent(
            pid, "catheter_fault", "severe", date(2026, 1, 3), "no CSF on aspiration"
        ),
        staff.physician,
    )
    with uow:
        status = uow.care_status.get(pid)
    assert status is not None
    assert status.device_alert == "catheter fault (adverse event)"
    cleared = clear_device_alert(uow, ClearDeviceAlert(pid, "catheter revised"), staff.physician)
    assert cleared.device_alert is None
    with pytest.raises(ValidationFailed):
        clear_device_alert(uow, ClearDeviceAlert(pid, "again"), staff.physician)


def test_unknown_alarm_and_scheduler_are_refused(uow: UnitOfWork, staff: Staff) -> None:
    pid = programmed(uow, staff).id or 0
    with pytest.raises(ValidationFailed, match="alarms"):
        record_pump_status(uow, RecordPumpStatus(pid, NOW, alarms=("beep",)), staff.nurse)
    with pytest.raises(PermissionDenied):
        record_pump_status(uow, RecordPumpStatus(pid, NOW), staff.scheduler)

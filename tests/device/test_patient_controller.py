"""The patient controller: bolus granted or denied with its reason, limited status."""

from __future__ import annotations

from datetime import timedelta

from intrathecal.core.quantities import Volume
from intrathecal.device.faults import MotorStall
from intrathecal.device.telemetry.messages import BolusReason

from .pump_fixtures import rig


def test_first_bolus_is_granted_with_its_volume() -> None:
    r = rig()
    answer = r.patient.request_bolus()
    assert answer.granted
    assert answer.reason is BolusReason.GRANTED
    assert answer.volume == Volume.parse("0.02 mL")
    assert answer.used_today == 1
    assert answer.max_per_day == 3


def test_second_bolus_inside_the_lockout_is_denied_with_the_next_time() -> None:
    r = rig()
    first = r.patient.request_bolus()
    r.pump.advance_by(timedelta(hours=1))
    answer = r.patient.request_bolus()
    assert not answer.granted
    assert answer.reason is BolusReason.LOCKOUT
    assert answer.next_allowed is not None
    assert first.next_allowed == answer.next_allowed
    assert answer.next_allowed == r.pump.status().next_patient_bolus_at


def test_daily_maximum_denies_the_fourth_bolus() -> None:
    r = rig()
    for _ in range(3):
        assert r.patient.request_bolus().granted
        r.pump.advance_by(timedelta(hours=4, minutes=1))
    answer = r.patient.request_bolus()
    assert answer.reason is BolusReason.DAILY_MAXIMUM
    assert not answer.granted


def test_no_bolus_when_none_is_programmed() -> None:
    r = rig(filled=False)
    answer = r.patient.request_bolus()
    assert not answer.granted
    assert answer.reason in {BolusReason.PUMP_STOPPED, BolusReason.NOT_CONFIGURED}


def test_stopped_pump_denies_the_bolus() -> None:
    r = rig()
    r.programmer.stop()
    assert r.patient.request_bolus().reason is BolusReason.PUMP_STOPPED


def test_motor_stall_denies_the_bolus_as_an_alarm() -> None:
    r = rig()
    r.pump.inject_fault(MotorStall())
    answer = r.patient.request_bolus()
    assert answer.reason is BolusReason.ALARM
    assert "clinic" in answer.explanation
    status = r.patient.status()
    assert [a.name for a in status.alarms] == ["motor_stall"]
    assert status.alarms[0].critical


def test_patient_status_shows_bolus_availability_only() -> None:
    r = rig()
    r.patient.request_bolus()
    status = r.patient.status()
    assert status.bolus_configured
    assert status.used_today == 1
    assert status.max_per_day == 3
    assert status.state == "running"
    assert not hasattr(status, "prescription")

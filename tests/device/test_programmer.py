"""The clinician programmer end to end: safety checks before sending, refill workflow."""

from __future__ import annotations

from datetime import timedelta

import pytest

from intrathecal.core.program import Continuous, Prescription, Solution
from intrathecal.core.program_spec import prescription_from_dict
from intrathecal.core.quantities import Concentration, Duration, Volume, VolumeRate
from intrathecal.core.safety import Override
from intrathecal.device.programmer import ClinicianProgrammer, ProgrammerError
from intrathecal.device.telemetry.errors import ErrorCode, TelemetryError

from .pump_fixtures import RX, rig


def morphine(rate: str, concentration: str = "10 mg/mL") -> Prescription:
    return Prescription(
        Solution.single("morphine", Concentration.parse(concentration)),
        Continuous(VolumeRate.parse(rate)),
    )


def test_first_program_passes_the_safety_check_and_reaches_the_pump() -> None:
    r = rig()
    assert r.pump.status().prescription == RX
    assert r.programmer.interrogate().mode == "running"


def test_dose_above_the_hard_maximum_is_refused_and_nothing_is_sent() -> None:
    r = rig()
    frames_before = len(r.sent)
    outcome = r.programmer.program(morphine("2 mL/day"))  # 20 mg/day > 15 mg/day maximum
    assert not outcome.applied
    assert outcome.report.refused
    assert "max_daily_dose" in {f.rule for f in outcome.unaccepted}
    assert r.pump.status().prescription == RX
    # only interrogations went out: no PROGRAM frame
    assert all(frame[5] == 0x01 for frame in r.sent[frames_before:])


def test_soft_finding_needs_an_override_with_a_second_clinician() -> None:
    r = rig()
    bigger = morphine("0.45 mL/day")  # +50 %: above the 20 % soft step limit
    first = r.programmer.program(bigger)
    assert not first.applied
    assert first.report.needs_override
    codes = frozenset(f.rule for f in first.unaccepted)
    override = Override(codes, "tolerant patient, agreed at MDT", "dr-a", "dr-b")
    second = r.programmer.program(bigger, override=override)
    assert second.applied
    assert r.pump.status().prescription == bigger


def test_event_log_is_read_page_by_page() -> None:
    r = rig()
    for _ in range(5):
        r.programmer.stop()
        r.programmer.resume()
    log = r.programmer.event_log()
    assert [e.index for e in log] == [e.seq for e in r.pump.log]
    assert len(log) > 10


def test_refill_compares_residual_and_plans_the_next_visit() -> None:
    r = rig()
    r.pump.advance_by(timedelta(days=30))  # 20 - 9 = 11 mL expected
    outcome = r.programmer.refill(
        measured_residual=Volume.parse("8.5 mL"), added=Volume.parse("17 mL"), prescription=RX
    )
    assert outcome.applied
    assert outcome.residual.expected == Volume.parse("11 mL")
    assert outcome.residual.discrepancy == Volume.parse("-2.5 mL")
    assert outcome.residual.investigate
    assert outcome.bridge is None
    assert outcome.plan is not None
    # 2.5 mL stayed behind in the reservoir: the pump now holds 17 + 2.5 mL
    assert outcome.status.reservoir == Volume.parse("19.5 mL")


def test_refill_with_new_concentration_sends_a_bridge_bolus() -> None:
    r = rig()
    r.pump.advance_by(timedelta(days=30))
    stronger = morphine("0.15 mL/day", "20 mg/mL")
    outcome = r.programmer.refill(
        measured_residual=Volume.parse("11 mL"), added=Volume.parse("18 mL"), prescription=stronger
    )
    assert outcome.applied
    assert outcome.bridge is not None
    catheter_and_path = r.pump.catheter.volume + r.pump.model.internal_volume.value
    assert outcome.bridge.volume == catheter_and_path
    # the old solution reaches the patient at the old rate (rounded up to whole seconds)
    assert outcome.bridge.duration >= catheter_and_path / VolumeRate.parse("0.3 mL/day")
    assert r.pump.status().active_bolus == "bridge"
    assert r.pump.status().prescription == stronger


def test_refused_refill_program_leaves_the_reservoir_untouched() -> None:
    r = rig()
    r.pump.advance_by(timedelta(days=30))
    outcome = r.programmer.refill(
        measured_residual=Volume.parse("11 mL"),
        added=Volume.parse("18 mL"),
        prescription=morphine("3 mL/day"),
    )
    assert not outcome.applied
    assert r.pump.status().reservoir == Volume.parse("11 mL")


def test_bridge_without_a_known_catheter_volume_is_refused_before_sending() -> None:
    r = rig()
    blind = ClinicianProgrammer(r.programmer.client.key, r.transport)
    blind.client.link.outgoing.last = 10_000
    with pytest.raises(ProgrammerError):
        blind.refill(
            measured_residual=Volume.parse("20 mL"),
            added=Volume.parse("18 mL"),
            prescription=morphine("0.15 mL/day", "20 mg/mL"),
        )
    assert r.pump.status().solution == RX.solution


def test_prime_defaults_to_catheter_plus_pump_path() -> None:
    r = rig()
    r.programmer.prime()
    assert r.pump.status().active_bolus == "priming"


def test_stop_and_resume_through_frames() -> None:
    r = rig()
    assert r.programmer.stop().state == "stopped"
    assert r.programmer.resume().state == "running"


def test_alarm_threshold_is_set_and_a_bad_one_refused() -> None:
    r = rig()
    r.programmer.set_alarm_threshold(Volume.parse("4 mL"))
    assert r.pump.status().low_reservoir_threshold == Volume.parse("4 mL")
    with pytest.raises(TelemetryError) as info:
        r.programmer.set_alarm_threshold(Volume.parse("25 mL"))
    assert info.value.code in {ErrorCode.DEVICE_REFUSED, ErrorCode.OUT_OF_RANGE}


def test_clear_fault_without_a_fault_is_a_pump_state_error() -> None:
    r = rig()
    with pytest.raises(TelemetryError) as info:
        r.programmer.clear_fault()
    assert info.value.code is ErrorCode.PUMP_STATE


def test_programmer_refuses_a_patient_key() -> None:
    r = rig()
    with pytest.raises(ProgrammerError):
        ClinicianProgrammer(r.patient.client.key, r.transport)


def test_flex_program_round_trips_to_the_pump() -> None:
    r = rig()
    flex = prescription_from_dict(
        {
            "solution": [{"drug": "morphine", "concentration": "10 mg/mL"}],
            "basal": {
                "flex": [
                    {"start": "0 h", "rate": "0.25 mL/day"},
                    {"start": "8 h", "rate": "0.3 mL/day"},
                ]
            },
        }
    )
    outcome = r.programmer.program(flex)
    assert outcome.applied, outcome.unaccepted
    assert outcome.status.prescription == flex


def test_clinician_bolus_is_delivered() -> None:
    r = rig()
    r.programmer.bolus(Volume.parse("0.1 mL"), Duration.parse("1 h"))
    r.pump.advance_by(timedelta(hours=2))
    expected = (
        Volume.parse("20 mL")
        - Volume.parse("0.1 mL")
        - VolumeRate.parse("0.3 mL/day") * Duration.parse("2 h")
    )
    assert abs(r.pump.status().reservoir - expected) < Volume.parse("0.000001 mL")

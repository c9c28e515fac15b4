"""Faults: what the pump detects (stall, battery reset) and what it cannot (catheter damage)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from intrathecal.core.program import Continuous, PatientBolus, Prescription, Solution
from intrathecal.core.quantities import Concentration, Duration, Volume, VolumeRate
from intrathecal.device.catheter import Integrity
from intrathecal.device.errors import PumpStateError
from intrathecal.device.events import AlarmKind, LogKind
from intrathecal.device.faults import CatheterFault, LowBatteryReset, MagneticExposure, MotorStall
from intrathecal.device.models import default_catheter
from intrathecal.device.pump import Pump

T0 = datetime(2026, 1, 1, tzinfo=UTC)
MORPHINE = Solution.single("morphine", Concentration.parse("10 mg/mL"))


def running(key: str = "synchromed-ii-20", rate: str = "0.5 mL/day", **kwargs: object) -> Pump:
    pump = Pump(key, default_catheter(), "SN-X", T0, catheter_primed=True, **kwargs)  # type: ignore[arg-type]
    pump.refill(added=Volume(20, "mL"), solution=MORPHINE)
    settings = PatientBolus(Volume.parse("0.02 mL"), Duration(10, "min"), Duration(1, "h"), 6)
    pump.program(Prescription(MORPHINE, Continuous(VolumeRate.parse(rate)), (), settings))
    return pump


def ml(volume: Volume) -> float:
    return float(volume.to("mL"))


def test_motor_stall_raises_a_critical_alarm_and_stops_delivery_until_cleared() -> None:
    pump = running()
    pump.advance_to(T0 + timedelta(days=1))
    alarms = pump.inject_fault(MotorStall())
    assert [a.kind for a in alarms] == [AlarmKind.MOTOR_STALL]
    assert alarms[0].critical
    assert alarms[0].at == T0 + timedelta(days=1)
    pump.advance_to(T0 + timedelta(days=3))
    assert ml(pump.delivery().pumped) == pytest.approx(0.5, abs=1e-9)
    assert ml(pump.status().reservoir) == pytest.approx(19.5, abs=1e-9)
    pump.clear_fault()
    pump.advance_to(T0 + timedelta(days=4))
    assert ml(pump.delivery().pumped) == pytest.approx(1.0, abs=1e-9)
    assert [e.kind for e in pump.log if e.kind in (LogKind.FAULT, LogKind.FAULT_CLEARED)] == [
        LogKind.FAULT,
        LogKind.FAULT_CLEARED,
    ]
    assert AlarmKind.MOTOR_STALL not in {a.kind for a in pump.status().active_alarms}


def test_intermittent_stall_recovers_by_itself_at_the_exact_time() -> None:
    pump = running()
    pump.inject_fault(MotorStall(recover_after=Duration(6, "h")))
    pump.advance_to(T0 + timedelta(days=1))
    assert ml(pump.delivery().pumped) == pytest.approx(0.5 * 18 / 24, abs=1e-9)
    recovery = [e for e in pump.log if e.kind is LogKind.FAULT_CLEARED]
    assert recovery[0].at == T0 + timedelta(hours=6)


def test_mri_stops_a_peristaltic_rotor_for_the_scan_and_the_recovery_delay() -> None:
    pump = running()
    alarms = pump.inject_fault(MagneticExposure(Duration(1, "h"), recovery_delay=Duration(5, "h")))
    assert alarms[0].kind is AlarmKind.MOTOR_STALL
    pump.advance_to(T0 + timedelta(days=1))
    assert ml(pump.delivery().pumped) == pytest.approx(0.5 * 18 / 24, abs=1e-9)


def test_mri_closes_a_prometra_valve_after_a_small_bolus_until_reset() -> None:
    pump = running("prometra-ii-20")
    alarms = pump.inject_fault(MagneticExposure(Duration(1, "h")))
    assert alarms == []
    assert ml(pump.delivery().pumped) == pytest.approx(0.010, abs=1e-9)
    pump.advance_to(T0 + timedelta(days=2))
    truth = pump.delivery()
    assert ml(truth.pumped) == pytest.approx(0.010, abs=1e-9)
    assert pump.status().valve_closed
    assert ml(pump.status().reservoir) == pytest.approx(19.0, abs=1e-9)  # it believes it pumped
    pump.clear_fault()
    pump.advance_to(T0 + timedelta(days=3))
    assert ml(pump.delivery().pumped) == pytest.approx(0.510, abs=1e-9)


def test_mri_does_not_affect_a_fixed_rate_pump() -> None:
    pump = Pump("codman-3000", default_catheter(), "SN-F", T0, catheter_primed=True)
    pump.refill(added=Volume(30, "mL"), solution=MORPHINE)
    assert pump.inject_fault(MagneticExposure(Duration(1, "h"))) == []
    pump.advance_to(T0 + timedelta(days=2))
    assert ml(pump.delivery().pumped) == pytest.approx(2.0, abs=1e-9)


def test_occluded_catheter_is_silent_delivers_nothing_and_leaves_a_larger_residual() -> None:
    pump = running()
    assert pump.inject_fault(CatheterFault(Integrity.OCCLUDED)) == []
    pump.advance_to(T0 + timedelta(days=30))
    assert pump.delivery().to_csf.is_zero()
    assert ml(pump.status().reservoir) == pytest.approx(5.0, abs=1e-9)  # what it believes
    result = pump.refill(added=Volume(20, "mL"), solution=MORPHINE)
    assert result.true_residual == Volume(20, "mL")
    assert result.expected_residual == Volume(5, "mL")
    assert not [e for e in pump.log if e.kind is LogKind.FAULT]


def test_torn_catheter_sends_its_fraction_of_the_drug_to_tissue() -> None:
    pump = running()
    pump.inject_fault(CatheterFault(Integrity.TORN, Fraction(3, 4)))
    pump.advance_to(T0 + timedelta(days=10))
    truth = pump.delivery()
    assert ml(truth.to_tissue) == pytest.approx(3.75, abs=1e-9)
    assert ml(truth.to_csf) == pytest.approx(1.25, abs=1e-9)
    assert float(truth.drug_to_tissue["morphine"].to("mg")) == pytest.approx(37.5, abs=1e-6)
    assert not pump.status().active_alarms


def test_disconnected_catheter_sends_everything_to_tissue() -> None:
    pump = running()
    pump.inject_fault(CatheterFault(Integrity.DISCONNECTED))
    pump.advance_to(T0 + timedelta(days=4))
    truth = pump.delivery()
    assert truth.to_csf.is_zero()
    assert ml(truth.to_tissue) == pytest.approx(2.0, abs=1e-9)


def test_low_battery_reset_drops_to_minimum_rate_with_a_critical_alarm() -> None:
    pump = running()
    alarms = pump.inject_fault(LowBatteryReset())
    assert alarms[0].kind is AlarmKind.LOW_BATTERY_RESET
    assert alarms[0].critical
    assert "0.048 mL/day" in alarms[0].message
    assert pump.status().programmed_rate == VolumeRate.parse("0.048 mL/day")
    assert not pump.request_patient_bolus().granted
    pump.program(Prescription(MORPHINE, Continuous(VolumeRate.parse("0.5 mL/day"))))
    assert AlarmKind.LOW_BATTERY_RESET not in {a.kind for a in pump.status().active_alarms}


def test_clear_fault_without_a_fault_is_refused() -> None:
    pump = running()
    with pytest.raises(PumpStateError, match="no motor stall"):
        pump.clear_fault()


def test_fixed_rate_flow_rises_with_fever_and_altitude_while_its_calculation_does_not() -> None:
    pump = Pump("codman-3000", default_catheter(), "SN-F", T0, catheter_primed=True)
    pump.refill(added=Volume(30, "mL"), solution=MORPHINE)
    pump.set_environment(body_temperature_c=39.0)
    pump.advance_to(T0 + timedelta(days=10))
    # unverified default: +10 % per degree C, so 1.2 x 1 mL/day
    assert ml(pump.delivery().pumped) == pytest.approx(12.0, abs=1e-9)
    assert ml(pump.status().reservoir) == pytest.approx(20.0, abs=1e-9)
    pump.set_environment(ambient_pressure_kpa=81.325)
    pump.advance_to(T0 + timedelta(days=11))
    assert ml(pump.delivery().pumped) == pytest.approx(12.0 + 1.3, abs=1e-9)


def test_replaced_catheter_needs_priming_before_drug_reaches_the_csf_again() -> None:
    pump = running()
    pump.advance_to(T0 + timedelta(days=2))
    mass_before = pump.delivery().drug_to_csf["morphine"]
    pump.replace_catheter(default_catheter("T8"))
    pump.advance_to(T0 + timedelta(days=2, hours=6))  # 0.125 mL < 0.132 mL new lumen
    assert pump.delivery().drug_to_csf["morphine"] == mass_before
    assert pump.catheter.tip_level == "T8"

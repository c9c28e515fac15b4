"""Worked example 1 of domain.md and the basic delivery behaviours of a programmable pump."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from intrathecal.core.program import (
    BridgeBolus,
    ClinicianBolus,
    Continuous,
    Flex,
    FlexStep,
    PatientBolus,
    PeriodicBolus,
    Prescription,
    PrimingBolus,
    Solution,
)
from intrathecal.core.quantities import Concentration, Duration, Mass, Volume, VolumeRate
from intrathecal.device.catheter import Catheter
from intrathecal.device.events import AlarmKind, LogKind
from intrathecal.device.models import default_catheter
from intrathecal.device.pump import Pump
from intrathecal.device.status import PumpMode

T0 = datetime(2026, 1, 1, tzinfo=UTC)
MORPHINE = Solution.single("morphine", Concentration.parse("10 mg/mL"))


def days_since(at: datetime) -> float:
    return (at - T0) / timedelta(days=1)


def filled_pump(volume: str = "20 mL", rate: str = "0.30 mL/day", **kwargs: object) -> Pump:
    pump = Pump("synchromed-ii-20", default_catheter(), "SN-1", T0, catheter_primed=True, **kwargs)  # type: ignore[arg-type]
    pump.refill(added=Volume.parse(volume), solution=MORPHINE)
    pump.program(Prescription(MORPHINE, Continuous(VolumeRate.parse(rate))))
    return pump


def test_worked_example_1_low_reservoir_alarm_at_60_days_and_empty_at_66_67_days() -> None:
    pump = filled_pump()
    alarms = pump.advance_to(T0 + timedelta(days=100))
    assert [a.kind for a in alarms] == [AlarmKind.LOW_RESERVOIR, AlarmKind.EMPTY_RESERVOIR]
    assert days_since(alarms[0].at) == pytest.approx(60.0, abs=1e-9)
    assert not alarms[0].critical
    assert days_since(alarms[1].at) == pytest.approx(200 / 3, abs=1e-9)  # 66 d 16 h
    assert alarms[1].at == T0 + timedelta(days=66, hours=16)
    assert alarms[1].critical


def test_reservoir_empties_exactly_and_delivery_then_stops() -> None:
    pump = filled_pump()
    pump.advance_to(T0 + timedelta(days=66, hours=16))
    at_empty = pump.delivery()
    pump.advance_to(T0 + timedelta(days=120))
    later = pump.delivery()
    assert at_empty.reservoir.is_zero()
    assert at_empty.pumped == Volume(20, "mL")
    assert later.pumped == at_empty.pumped
    assert later.drug_to_csf == at_empty.drug_to_csf


def test_worked_example_1_with_four_patient_boluses_a_day_alarms_near_47_37_days() -> None:
    pump = Pump("synchromed-ii-20", default_catheter(), "SN-1", T0, catheter_primed=True)
    pump.refill(added=Volume(20, "mL"), solution=MORPHINE)
    settings = PatientBolus(Volume.parse("0.02 mL"), Duration(10, "min"), Duration(6, "h"), 4)
    pump.program(Prescription(MORPHINE, Continuous(VolumeRate.parse("0.30 mL/day")), (), settings))
    low = None
    for quarter in range(4 * 60):
        alarms = pump.advance_to(T0 + timedelta(hours=6 * quarter))
        low = low or next((a for a in alarms if a.kind is AlarmKind.LOW_RESERVOIR), None)
        assert pump.request_patient_bolus().granted or pump.status().reservoir.is_zero()
    assert low is not None
    # worst case 0.38 mL/day: 18 mL / 0.38 mL/day = 47.37 days (boluses come in 0.02 mL steps)
    assert days_since(low.at) == pytest.approx(18 / 0.38, abs=0.25)


def test_advancing_in_many_small_steps_gives_the_same_alarm_times_as_one_big_step() -> None:
    one = filled_pump()
    many = filled_pump()
    big = one.advance_to(T0 + timedelta(days=70))
    small = []
    for hour in range(1, 70 * 24 + 1):
        small += many.advance_to(T0 + timedelta(hours=hour))
    assert [(a.kind, a.at) for a in small] == [(a.kind, a.at) for a in big]
    assert many.delivery() == one.delivery()


def test_flex_program_delivers_its_daily_volume_each_cycle() -> None:
    pump = Pump("synchromed-ii-40", default_catheter(), "SN-2", T0, catheter_primed=True)
    pump.refill(added=Volume(40, "mL"), solution=MORPHINE)
    flex = Flex(
        (
            FlexStep(Duration(0, "h"), VolumeRate.parse("0.2 mL/day")),
            FlexStep(Duration(8, "h"), VolumeRate.parse("0.8 mL/day")),
            FlexStep(Duration(20, "h"), VolumeRate.parse("0.2 mL/day")),
        )
    )
    pump.program(Prescription(MORPHINE, flex))
    pump.advance_to(T0 + timedelta(hours=8))
    assert float(pump.delivery().pumped.to("mL")) == pytest.approx(0.2 / 3, abs=1e-9)
    assert pump.status().programmed_rate == VolumeRate.parse("0.8 mL/day")
    pump.advance_to(T0 + timedelta(days=10))
    # per day: 8 h x 0.2 + 12 h x 0.8 + 4 h x 0.2 = (1.6 + 9.6 + 0.8) / 24 = 0.5 mL
    assert float(pump.delivery().pumped.to("mL")) == pytest.approx(5.0, abs=1e-9)


def test_periodic_bolus_adds_its_volume_each_interval() -> None:
    pump = Pump("synchromed-ii-20", default_catheter(), "SN-3", T0, catheter_primed=True)
    pump.refill(added=Volume(20, "mL"), solution=MORPHINE)
    periodic = PeriodicBolus(Volume.parse("0.05 mL"), Duration(30, "min"), Duration(6, "h"))
    pump.program(Prescription(MORPHINE, Continuous(VolumeRate.parse("0.24 mL/day")), (periodic,)))
    pump.advance_to(T0 + timedelta(minutes=15))
    assert float(pump.delivery().pumped.to("mL")) == pytest.approx(0.025 + 0.24 / 96, abs=1e-9)
    pump.advance_to(T0 + timedelta(days=2))
    assert float(pump.delivery().pumped.to("mL")) == pytest.approx(2 * (0.24 + 4 * 0.05), abs=1e-9)


def test_clinician_bolus_adds_to_basal_and_is_logged() -> None:
    pump = filled_pump(rate="0.24 mL/day")
    pump.bolus(ClinicianBolus(Volume.parse("0.5 mL"), Duration(1, "h")))
    assert pump.status().active_bolus == "clinician"
    pump.advance_to(T0 + timedelta(hours=2))
    assert float(pump.delivery().pumped.to("mL")) == pytest.approx(0.5 + 0.02, abs=1e-9)
    kinds = [e.kind for e in pump.log]
    assert LogKind.BOLUS_STARTED in kinds
    assert LogKind.BOLUS_ENDED in kinds
    assert pump.status().active_bolus is None


def test_bridge_bolus_replaces_the_basal_and_pushes_old_drug_out_first() -> None:
    catheter = Catheter(50, Volume.parse("2 µL"))  # 0.1 mL lumen + 0.2 mL pump path
    pump = Pump("synchromed-ii-20", catheter, "SN-4", T0, catheter_primed=True)
    pump.refill(added=Volume(20, "mL"), solution=MORPHINE)
    pump.program(Prescription(MORPHINE, Continuous(VolumeRate.parse("0.5 mL/day"))))
    pump.advance_to(T0 + timedelta(days=2))
    stronger = Solution.single("morphine", Concentration.parse("20 mg/mL"))
    pump.refill(added=Volume(20, "mL"), solution=stronger)
    pump.program(Prescription(stronger, Continuous(VolumeRate.parse("0.25 mL/day"))))
    before = pump.delivery().drug_to_csf["morphine"]
    pump.bolus(BridgeBolus(Volume.parse("0.3 mL"), Duration(14.4, "h"), MORPHINE))
    assert pump.status().programmed_rate == VolumeRate.parse("0.5 mL/day")
    pump.advance_to(T0 + timedelta(days=2, hours=14.4))
    bridged = pump.delivery().drug_to_csf["morphine"] - before
    # the 0.3 mL line held the old 10 mg/mL solution: exactly 3 mg reached the CSF
    assert float(bridged.to("mg")) == pytest.approx(3.0, abs=1e-9)
    assert pump.status().programmed_rate == VolumeRate.parse("0.25 mL/day")


def test_unprimed_catheter_delivers_no_drug_until_the_priming_bolus_fills_it() -> None:
    pump = Pump("synchromed-ii-20", default_catheter(), "SN-5", T0)
    pump.refill(added=Volume(20, "mL"), solution=MORPHINE)
    line = pump.delivery().in_line
    pump.bolus(PrimingBolus(line, Duration(1, "h")))
    pump.advance_to(T0 + timedelta(hours=1))
    truth = pump.delivery()
    assert truth.to_csf == line
    assert truth.drug_to_csf == {}
    pump.program(Prescription(MORPHINE, Continuous(VolumeRate.parse("0.5 mL/day"))))
    pump.advance_to(T0 + timedelta(days=1, hours=1))
    assert float(pump.delivery().drug_to_csf["morphine"].to("mg")) == pytest.approx(5.0, abs=1e-9)


def test_stopped_pump_delivers_nothing_and_resumes_its_program() -> None:
    pump = filled_pump()
    pump.advance_to(T0 + timedelta(days=1))
    pump.stop()
    assert pump.status().mode is PumpMode.STOPPED
    pump.advance_to(T0 + timedelta(days=5))
    assert float(pump.delivery().pumped.to("mL")) == pytest.approx(0.3, abs=1e-9)
    pump.resume()
    pump.advance_to(T0 + timedelta(days=6))
    assert float(pump.delivery().pumped.to("mL")) == pytest.approx(0.6, abs=1e-9)
    assert [e.kind for e in pump.log][-2:] == [LogKind.STOPPED, LogKind.RESUMED]


def test_status_projects_low_and_empty_dates_from_the_standing_program() -> None:
    pump = filled_pump()
    status = pump.status()
    assert status.projected_low_reservoir_at == T0 + timedelta(days=60)
    assert status.projected_empty_at == T0 + timedelta(days=66, hours=16)


def test_refill_reports_expected_against_true_residual_and_pocket_fill_goes_to_tissue() -> None:
    pump = filled_pump(flow_factor=0.9)
    pump.advance_to(T0 + timedelta(days=30))
    result = pump.refill(added=Volume(15, "mL"), solution=MORPHINE, into_pocket=Volume(2, "mL"))
    assert result.expected_residual == Volume(11, "mL")  # 20 - 30 x 0.30
    assert float(result.true_residual.to("mL")) == pytest.approx(11.9, abs=1e-9)
    assert result.declared_reservoir == Volume(17, "mL")
    assert pump.delivery().drug_to_tissue == {"morphine": Mass(20, "mg")}


def test_clock_cannot_go_backwards_and_needs_a_time_zone() -> None:
    from intrathecal.device.errors import ClockError

    pump = filled_pump()
    pump.advance_to(T0 + timedelta(days=1))
    with pytest.raises(ClockError, match="before the pump's clock"):
        pump.advance_to(T0)
    with pytest.raises(ClockError, match="time zone"):
        pump.advance_to(datetime(2026, 2, 1))


def test_flex_cycle_follows_the_pump_clock_local_midnight() -> None:
    pump = Pump("synchromed-ii-20", default_catheter(), "SN-6", T0, utc_offset=timedelta(hours=2))
    pump.refill(added=Volume(20, "mL"), solution=MORPHINE)
    flex = Flex(
        (
            FlexStep(Duration(0, "h"), VolumeRate.parse("0.1 mL/day")),
            FlexStep(Duration(12, "h"), VolumeRate.parse("1 mL/day")),
        )
    )
    pump.program(Prescription(MORPHINE, flex))
    # 00:00 UTC is 02:00 local: the 1 mL/day step starts at 10:00 UTC
    pump.advance_by(Duration(10, "h"))
    assert pump.status().programmed_rate == VolumeRate.parse("1 mL/day")
    assert float(pump.delivery().pumped.to("mL")) == pytest.approx(0.1 * 10 / 24, abs=1e-9)


def test_bounded_log_drops_the_oldest_entries_and_keeps_numbering() -> None:
    pump = Pump("synchromed-ii-20", default_catheter(), "SN-7", T0, log_capacity=3)
    pump.refill(added=Volume(20, "mL"), solution=MORPHINE)
    pump.program(Prescription(MORPHINE, Continuous(VolumeRate.parse("0.5 mL/day"))))
    pump.stop()
    pump.resume()
    assert [e.seq for e in pump.log] == [2, 3, 4]
    assert [e.kind for e in pump.log_since(3)] == [LogKind.RESUMED]
    assert [e.seq for e in pump.log_since(0)] == [2, 3, 4]

"""The pump enforces its own limits whatever a controller sends; refusals change nothing."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intrathecal.core.program import (
    ClinicianBolus,
    Continuous,
    Flex,
    FlexStep,
    PatientBolus,
    Prescription,
    Solution,
)
from intrathecal.core.quantities import Concentration, Duration, Volume, VolumeRate
from intrathecal.device.errors import (
    BolusInProgress,
    NotProgrammable,
    PumpLimitError,
    PumpStateError,
)
from intrathecal.device.events import LogKind
from intrathecal.device.faults import MotorStall
from intrathecal.device.models import default_catheter
from intrathecal.device.pump import Pump
from intrathecal.device.status import BolusDenial, PumpMode

T0 = datetime(2026, 1, 1, tzinfo=UTC)
MORPHINE = Solution.single("morphine", Concentration.parse("10 mg/mL"))


def pump_with(patient: PatientBolus | None = None, key: str = "synchromed-ii-20") -> Pump:
    pump = Pump(key, default_catheter(), "SN-L", T0, catheter_primed=True)
    pump.refill(added=Volume(18, "mL"), solution=MORPHINE)
    basal = Continuous(VolumeRate.parse("0.5 mL/day"))
    pump.program(Prescription(MORPHINE, basal, (), patient))
    return pump


def test_rate_below_minimum_flow_is_refused_with_the_limit_named() -> None:
    pump = pump_with()
    before = pump.status()
    with pytest.raises(PumpLimitError, match=r"below the pump's minimum 0\.048 mL/day") as caught:
        pump.program(Prescription(MORPHINE, Continuous(VolumeRate.parse("0.01 mL/day"))))
    assert caught.value.limit == "min_rate"
    assert pump.status().prescription == before.prescription
    assert pump.log[-1].kind is LogKind.COMMAND_REFUSED


def test_per_hour_slip_above_maximum_rate_is_refused_and_says_unverified() -> None:
    pump = pump_with()
    with pytest.raises(PumpLimitError, match="unverified default") as caught:
        pump.program(Prescription(MORPHINE, Continuous(VolumeRate.parse("1.5 mL/h"))))
    assert caught.value.limit == "max_rate"


def test_flex_step_outside_range_is_refused() -> None:
    pump = pump_with()
    flex = Flex(
        (
            FlexStep(Duration(0, "h"), VolumeRate.parse("0.5 mL/day")),
            FlexStep(Duration(6, "h"), VolumeRate.parse("0.001 mL/day")),
        )
    )
    with pytest.raises(PumpLimitError):
        pump.program(Prescription(MORPHINE, flex))


def test_refill_over_capacity_is_refused_without_any_change() -> None:
    pump = pump_with()
    pump.advance_to(T0 + timedelta(days=4))
    truth, status = pump.delivery(), pump.status()
    with pytest.raises(PumpLimitError, match="capacity 20 mL"):
        pump.refill(added=Volume(25, "mL"), solution=MORPHINE)
    with pytest.raises(PumpLimitError, match="capacity"):
        pump.refill(
            added=Volume(5, "mL"),
            solution=MORPHINE,
            withdrawn=Volume(0, "mL"),
            declared_volume=Volume(21, "mL"),
        )
    assert pump.delivery() == truth
    assert pump.status().reservoir == status.reservoir


def test_topping_up_without_emptying_counts_the_residual_against_capacity() -> None:
    pump = pump_with()
    pump.advance_to(T0 + timedelta(days=4))  # 16 mL left
    with pytest.raises(PumpLimitError):
        pump.refill(added=Volume(5, "mL"), solution=MORPHINE, withdrawn=Volume(0, "mL"))
    result = pump.refill(added=Volume(4, "mL"), solution=MORPHINE, withdrawn=Volume(0, "mL"))
    assert result.reservoir == Volume(20, "mL")


def test_bolus_faster_than_the_pump_allows_is_refused() -> None:
    pump = pump_with()
    with pytest.raises(PumpLimitError, match="bolus limit") as caught:
        pump.bolus(ClinicianBolus(Volume(2, "mL"), Duration(10, "min")))
    assert caught.value.limit == "max_bolus_rate"
    assert pump.status().active_bolus is None


def test_bolus_larger_than_the_reservoir_is_refused() -> None:
    pump = pump_with()
    pump.advance_to(T0 + timedelta(days=35))  # 0.5 mL left
    with pytest.raises(PumpLimitError, match="calculated reservoir volume"):
        pump.bolus(ClinicianBolus(Volume(1, "mL"), Duration(2, "h")))


def test_second_one_off_bolus_while_one_runs_is_refused() -> None:
    pump = pump_with()
    pump.bolus(ClinicianBolus(Volume(0.2, "mL"), Duration(1, "h")))
    with pytest.raises(BolusInProgress):
        pump.bolus(ClinicianBolus(Volume(0.2, "mL"), Duration(1, "h")))


@given(
    lockout_min=st.integers(30, 600),
    max_per_day=st.integers(1, 8),
    requests=st.lists(st.integers(1, 180), min_size=1, max_size=60),
)
def test_patient_boluses_never_break_lockout_or_rolling_daily_maximum(
    lockout_min: int, max_per_day: int, requests: list[int]
) -> None:
    settings = PatientBolus(
        Volume.parse("0.01 mL"), Duration(5, "min"), Duration(lockout_min, "min"), max_per_day
    )
    pump = pump_with(settings)
    now = T0
    granted: list[datetime] = []
    for gap in requests:
        now += timedelta(minutes=gap)
        pump.advance_to(now)
        decision = pump.request_patient_bolus()
        if decision.granted:
            granted.append(now)
        else:
            assert decision.reason != "granted"
            assert decision.denial in {
                BolusDenial.LOCKOUT,
                BolusDenial.DAILY_MAXIMUM,
                BolusDenial.BOLUS_RUNNING,
            }
            assert decision.next_allowed_at is None or decision.next_allowed_at > now
    for earlier, later in itertools.pairwise(granted):
        assert later - earlier >= timedelta(minutes=lockout_min)
    for i, start in enumerate(granted):
        assert sum(1 for g in granted[i:] if g < start + timedelta(days=1)) <= max_per_day


def test_patient_bolus_denial_says_why_and_is_logged() -> None:
    settings = PatientBolus(Volume.parse("0.02 mL"), Duration(10, "min"), Duration(4, "h"), 2)
    pump = pump_with(settings)
    assert pump.request_patient_bolus().granted
    pump.advance_to(T0 + timedelta(hours=1))
    decision = pump.request_patient_bolus()
    assert not decision.granted
    assert decision.reason.startswith("lockout")
    assert decision.denial is BolusDenial.LOCKOUT
    assert decision.next_allowed_at == T0 + timedelta(hours=4)
    pump.advance_to(T0 + timedelta(hours=4))
    assert pump.request_patient_bolus().granted
    pump.advance_to(T0 + timedelta(hours=8))
    decision = pump.request_patient_bolus()
    assert "daily maximum" in decision.reason
    assert decision.denial is BolusDenial.DAILY_MAXIMUM
    assert decision.next_allowed_at == T0 + timedelta(days=1)
    kinds = [e.kind for e in pump.log]
    assert kinds.count(LogKind.PATIENT_BOLUS_DENIED) == 2
    assert kinds.count(LogKind.PATIENT_BOLUS_GRANTED) == 2


def test_no_patient_bolus_when_stopped_stalled_or_not_configured() -> None:
    pump = pump_with()
    assert pump.request_patient_bolus().denial is BolusDenial.NOT_CONFIGURED
    settings = PatientBolus(Volume.parse("0.02 mL"), Duration(10, "min"), Duration(1, "h"), 6)
    pump = pump_with(settings)
    pump.stop()
    assert pump.request_patient_bolus().denial is BolusDenial.PUMP_STOPPED
    pump.resume()
    pump.inject_fault(MotorStall())
    decision = pump.request_patient_bolus()
    assert decision.denial is BolusDenial.MOTOR_STALLED
    assert "stalled" in decision.reason
    assert pump.delivery().pumped.is_zero()


def test_pump_at_end_of_service_refuses_every_delivery_command() -> None:
    pump = Pump(
        "synchromed-ii-20",
        default_catheter(),
        "SN-E",
        T0,
        battery_start=T0 - timedelta(days=2556.75 - 1),  # hard maximum reached in one day
    )
    pump.refill(added=Volume(18, "mL"), solution=MORPHINE)
    pump.program(Prescription(MORPHINE, Continuous(VolumeRate.parse("0.5 mL/day"))))
    pump.advance_to(T0 + timedelta(days=2))
    assert pump.status().mode is PumpMode.END_OF_SERVICE
    with pytest.raises(PumpStateError):
        pump.program(Prescription(MORPHINE, Continuous(VolumeRate.parse("0.5 mL/day"))))
    with pytest.raises(PumpStateError):
        pump.bolus(ClinicianBolus(Volume(0.1, "mL"), Duration(1, "h")))
    with pytest.raises(PumpStateError):
        pump.resume()
    decision = pump.request_patient_bolus()
    assert decision.denial is BolusDenial.END_OF_SERVICE
    assert "end of service" in decision.reason


def test_fixed_rate_pump_refuses_programming_bolus_and_threshold() -> None:
    pump = Pump("codman-3000", default_catheter(), "SN-F", T0)
    pump.refill(added=Volume(30, "mL"), solution=MORPHINE)
    with pytest.raises(NotProgrammable):
        pump.program(Prescription(MORPHINE, Continuous(VolumeRate.parse("1 mL/day"))))
    with pytest.raises(NotProgrammable):
        pump.bolus(ClinicianBolus(Volume(0.1, "mL"), Duration(1, "h")))
    with pytest.raises(NotProgrammable):
        pump.set_low_reservoir_threshold(Volume(2, "mL"))
    assert not pump.request_patient_bolus().granted


def test_threshold_outside_the_reservoir_is_refused() -> None:
    pump = pump_with()
    with pytest.raises(PumpLimitError):
        pump.set_low_reservoir_threshold(Volume(20, "mL"))
    with pytest.raises(PumpLimitError):
        pump.set_low_reservoir_threshold(Volume(0, "mL"))
    assert pump.status().low_reservoir_threshold == Volume(2, "mL")

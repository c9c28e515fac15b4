"""Battery service life: ERI by dose within the 5-7 year range, EOS 90 days later, pump stops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from intrathecal.core.program import Continuous, Prescription, Solution
from intrathecal.core.quantities import Concentration, Volume, VolumeRate
from intrathecal.device.battery import BatteryModel
from intrathecal.device.events import AlarmKind
from intrathecal.device.models import default_catheter, pump_model
from intrathecal.device.pump import Pump
from intrathecal.device.status import BatteryState, PumpMode

T0 = datetime(2026, 1, 1, tzinfo=UTC)
YEAR = 365.25
BACLOFEN = Solution.single("baclofen", Concentration.parse("2000 mcg/mL"))


def run_until_eos(rate: str, refill_every_days: int = 60) -> tuple[Pump, list]:
    pump = Pump("synchromed-ii-40", default_catheter(), "SN-B", T0, catheter_primed=True)
    pump.refill(added=Volume(40, "mL"), solution=BACLOFEN)
    pump.program(Prescription(BACLOFEN, Continuous(VolumeRate.parse(rate))))
    alarms = []
    day = 0
    while pump.status().mode is not PumpMode.END_OF_SERVICE and day < 8 * YEAR:
        day += refill_every_days
        alarms += pump.advance_to(T0 + timedelta(days=day))
        pump.refill(added=Volume(40, "mL"), solution=BACLOFEN)
    return pump, [
        a for a in alarms if a.kind in (AlarmKind.ELECTIVE_REPLACEMENT, AlarmKind.END_OF_SERVICE)
    ]


def test_service_life_is_7_years_at_minimal_flow_and_5_years_at_the_reference_rate() -> None:
    battery = BatteryModel.from_spec(pump_model("synchromed-ii-20").battery)  # type: ignore[arg-type]
    assert battery.life_to_eos_days(0.0) == pytest.approx(7 * YEAR)
    assert battery.life_to_eos_days(1.0) == pytest.approx(5 * YEAR)
    assert 5 * YEAR < battery.life_to_eos_days(0.5) < 7 * YEAR


@pytest.mark.parametrize("rate", ["0.1 mL/day", "0.6 mL/day"])
def test_eri_is_non_critical_and_eos_follows_exactly_90_days_later(rate: str) -> None:
    pump, alarms = run_until_eos(rate, refill_every_days=60)
    assert [a.kind for a in alarms] == [AlarmKind.ELECTIVE_REPLACEMENT, AlarmKind.END_OF_SERVICE]
    eri, eos = alarms
    assert not eri.critical
    assert eos.critical
    assert eos.at - eri.at == timedelta(days=90)
    flow = float(VolumeRate.parse(rate).to("mL/day"))
    battery = BatteryModel.from_spec(pump.model.battery)  # type: ignore[arg-type]
    assert (eos.at - T0) / timedelta(days=1) == pytest.approx(
        battery.life_to_eos_days(flow), abs=1e-6
    )
    status = pump.status()
    assert status.battery is BatteryState.EOS
    assert status.eri_at == eri.at
    assert status.eos_at == eos.at


def test_pump_delivers_nothing_after_end_of_service() -> None:
    pump, alarms = run_until_eos("0.6 mL/day", refill_every_days=30)
    eos = alarms[-1].at
    pumped = pump.delivery().pumped
    pump.advance_to(eos + timedelta(days=30))
    assert pump.delivery().pumped == pumped
    assert pump.status().programmed_rate.is_zero()


def test_hard_maximum_applies_even_to_a_battery_started_before_the_pump_was_modelled() -> None:
    start = T0 - timedelta(days=7 * YEAR - 100)
    pump = Pump("synchromed-ii-20", default_catheter(), "SN-H", T0, battery_start=start)
    alarms = pump.advance_to(T0 + timedelta(days=200))
    kinds = [a.kind for a in alarms if a.kind is not AlarmKind.EMPTY_RESERVOIR]
    assert kinds == [AlarmKind.ELECTIVE_REPLACEMENT, AlarmKind.END_OF_SERVICE]
    assert alarms[-1].at == start + timedelta(days=7 * YEAR)

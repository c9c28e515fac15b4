"""Alarm times do not depend on how the pump's clock is advanced (one call or many chunks)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from intrathecal.core.program import (
    Continuous,
    Flex,
    FlexStep,
    PeriodicBolus,
    Prescription,
    Solution,
)
from intrathecal.core.quantities import Concentration, Duration, Volume, VolumeRate
from intrathecal.device.events import Alarm
from intrathecal.device.models import default_catheter
from intrathecal.device.pump import Pump

T0 = datetime(2026, 1, 5, 9, 17, 3, 250_000, tzinfo=UTC)
MORPHINE = Solution.single("morphine", Concentration.parse("10 mg/mL"))
US_PER_DAY = 86_400 * 1_000_000

rates = st.integers(min_value=50, max_value=2_000).map(
    lambda n: VolumeRate(Fraction(n, 1000), "mL/day")
)


@st.composite
def programs(draw: st.DrawFn) -> Prescription:
    """A continuous or flex basal, sometimes with a periodic bolus."""
    if draw(st.booleans()):
        basal: Continuous | Flex = Continuous(draw(rates))
    else:
        hours = sorted(draw(st.sets(st.integers(1, 23), max_size=3)))
        starts = [0, *hours]
        basal = Flex(tuple(FlexStep(Duration(h, "h"), draw(rates)) for h in starts))
    periodic: tuple[PeriodicBolus, ...] = ()
    if draw(st.booleans()):
        periodic = (
            PeriodicBolus(
                Volume(Fraction(draw(st.integers(5, 50)), 1000), "mL"),
                Duration(draw(st.integers(5, 60)), "min"),
                Duration(draw(st.integers(6, 48)), "h"),
            ),
        )
    return Prescription(MORPHINE, basal, periodic=periodic)


def _pump(prescription: Prescription, fill_ml: int, threshold_ml: int) -> Pump:
    pump = Pump(
        "synchromed-ii-20",
        default_catheter(),
        "SN-CLOCK",
        T0,
        low_reservoir_threshold=Volume(threshold_ml, "mL"),
        battery_start=T0 - timedelta(days=5 * 365),
    )
    pump.refill(added=Volume(fill_ml, "mL"), solution=MORPHINE)
    pump.program(prescription)
    return pump


def _times(alarms: list[Alarm]) -> list[tuple[str, datetime]]:
    return [(a.kind.value, a.at) for a in alarms]


@given(
    prescription=programs(),
    fill_ml=st.integers(5, 20),
    threshold_ml=st.integers(1, 4),
    horizon_days=st.integers(400, 900),
    cuts=st.lists(st.integers(0, 10**9), max_size=300),
)
@settings(max_examples=60)
def test_alarm_times_are_identical_to_the_microsecond_however_the_clock_is_chunked(
    prescription: Prescription,
    fill_ml: int,
    threshold_ml: int,
    horizon_days: int,
    cuts: list[int],
) -> None:
    end = T0 + timedelta(days=horizon_days)
    whole = _pump(prescription, fill_ml, threshold_ml)
    expected = _times(whole.advance_to(end))
    assert len(expected) >= 2  # low and empty reservoir (and often ERI) fall in the horizon

    span_us = horizon_days * US_PER_DAY
    stops = sorted({cut * span_us // 10**9 for cut in cuts})
    chunked = _pump(prescription, fill_ml, threshold_ml)
    got: list[Alarm] = []
    for stop in stops:
        got.extend(chunked.advance_to(T0 + timedelta(microseconds=stop)))
    got.extend(chunked.advance_to(end))

    assert _times(got) == expected
    assert chunked.status().reservoir == whole.status().reservoir
    assert [a.at for a in chunked.alarms] == [a.at for a in whole.alarms]

"""Reservoir arithmetic: residual, time to a volume, bridge and priming volumes."""

from datetime import datetime
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intrathecal.core.errors import CoreError, InvalidInput
from intrathecal.core.program import Solution
from intrathecal.core.quantities import Concentration, Duration, Volume, VolumeRate, days, ml
from intrathecal.core.refill_math import (
    CatheterSegment,
    bridge_bolus,
    duration_between,
    expected_residual,
    moment_after,
    parse_length_cm,
    parse_volume_per_cm,
    priming_bolus,
    priming_volume,
    time_until,
)

RATE = VolumeRate.parse("0.30 mL/day")

volumes = st.fractions(min_value=0, max_value=40, max_denominator=1000).map(lambda f: ml(f))
rates = st.fractions(min_value=Fraction(1, 1000), max_value=5, max_denominator=1000).map(
    lambda f: VolumeRate(f, "mL/day")
)
spans = st.fractions(min_value=0, max_value=400, max_denominator=1440).map(days)


def test_expected_residual_follows_the_worked_refill_example():
    # 18.0 mL at 0.40 mL/day for 35 days: 18 - 14 = 4.0 mL.
    assert expected_residual(ml(18), VolumeRate.parse("0.4 mL/day"), days(35)) == ml(4)


def test_expected_residual_stops_at_zero_when_the_pump_would_have_run_dry():
    assert expected_residual(ml(20), RATE, days(100)).is_zero()


def test_alarm_after_sixty_days_and_empty_after_66_days_16_hours():
    assert time_until(ml(20), ml(2), RATE) == days(60)
    empty = time_until(ml(20), Volume.zero(), RATE)
    assert empty == Duration(Fraction(200, 3), "day")
    assert empty == days(66) + Duration(16, "h")


def test_worst_case_with_patient_boluses_brings_the_alarm_to_47_37_days():
    worst = RATE + VolumeRate.parse("0.08 mL/day")  # 0.02 mL x 4 per day
    after = time_until(ml(20), ml(2), worst)
    assert after == Duration(Fraction(18, 1) / Fraction(38, 100), "day")
    assert round(after.to("day"), 2) == Fraction(4737, 100)


def test_time_until_is_zero_when_already_at_or_below_the_target():
    assert time_until(ml(2), ml(2), RATE).is_zero()
    assert time_until(ml(1), ml(2), RATE).is_zero()


def test_time_until_refuses_a_stopped_pump():
    with pytest.raises(InvalidInput, match="above zero"):
        time_until(ml(20), ml(2), VolumeRate(0, "mL/day"))


def test_negative_inputs_are_refused():
    with pytest.raises(InvalidInput):
        expected_residual(ml(-1), RATE, days(1))
    with pytest.raises(InvalidInput):
        expected_residual(ml(1), RATE, days(-1))


@given(volumes, rates, spans, spans)
def test_expected_residual_is_never_negative_and_never_rises_with_time(filled, rate, a, b):
    early, late = sorted((a, b), key=lambda d: d.to("day"))
    first = expected_residual(filled, rate, early)
    second = expected_residual(filled, rate, late)
    assert not first.is_negative()
    assert not second.is_negative()
    assert second <= first <= filled


@given(volumes, volumes, rates)
def test_days_to_alarm_times_rate_plus_alarm_volume_gives_back_the_fill(filled, alarm, rate):
    after = time_until(filled, alarm, rate)
    if filled > alarm:
        assert rate * after + alarm == filled
    else:
        assert after.is_zero()


def test_moment_after_adds_an_exact_span_and_rounds_down():
    start = datetime(2026, 11, 25, 10, 0)
    assert moment_after(start, Duration(Fraction(200, 3), "day")) == datetime(2027, 1, 31, 2, 0)
    third_second = Duration(Fraction(1, 3_000_000), "s")
    assert moment_after(start, third_second) == start


def test_duration_between_is_exact_and_refuses_reversed_dates():
    start = datetime(2026, 10, 21, 10, 0)
    assert duration_between(start, datetime(2026, 11, 25, 10, 0)) == days(35)
    with pytest.raises(InvalidInput, match="before"):
        duration_between(datetime(2026, 11, 25), start)


def test_duration_between_refuses_mixed_time_zone_awareness():
    from datetime import UTC

    with pytest.raises(InvalidInput, match="time zone"):
        duration_between(datetime(2026, 1, 1), datetime(2026, 1, 2, tzinfo=UTC))


def test_catheter_lengths_and_volumes_need_their_units():
    assert parse_length_cm("50 cm") == 50
    assert parse_length_cm("455 mm") == Fraction(91, 2)
    assert parse_volume_per_cm("2.2 µL/cm") == Volume(Fraction(22, 10), "µL")
    for bad in ("50", "50 in", "-3 cm"):
        with pytest.raises(InvalidInput, match="length"):
            parse_length_cm(bad)
    for bad in ("2.2 µL", "2.2/cm", "2.2 mg/cm"):
        with pytest.raises(CoreError):
            parse_volume_per_cm(bad)


def test_bridge_bolus_carries_pump_path_and_catheter_at_the_old_rate():
    catheter = CatheterSegment.parse("50 cm", "2 µL/cm")  # 0.1 mL
    old = Solution.single("morphine", Concentration.parse("10 mg/mL"))
    bridge = bridge_bolus(catheter, Volume(150, "µL"), VolumeRate.parse("0.5 mL/day"), old)
    assert bridge.volume == Volume(250, "µL")
    assert bridge.duration == Duration(12, "h")  # 0.25 mL at 0.5 mL/day
    assert bridge.old_solution == old


def test_bridge_bolus_refuses_a_zero_old_rate():
    catheter = CatheterSegment.parse("50 cm", "2 µL/cm")
    old = Solution.single("morphine", Concentration.parse("10 mg/mL"))
    with pytest.raises(InvalidInput, match="old daily volume"):
        bridge_bolus(catheter, ml(0), VolumeRate(0, "mL/day"), old)


def test_priming_volume_is_empty_catheter_plus_pump_path():
    segment = CatheterSegment(Fraction(30), Volume(Fraction(5, 2), "µL"))
    assert priming_volume(segment, Volume(100, "µL")) == Volume(175, "µL")
    bolus = priming_bolus(segment, Volume(100, "µL"), VolumeRate.parse("1 mL/h"))
    assert bolus.volume == Volume(175, "µL")
    assert bolus.duration == Duration(Fraction(175, 1000), "h")


def test_priming_refuses_nothing_to_prime():
    with pytest.raises(InvalidInput, match="priming volume"):
        priming_bolus(CatheterSegment(Fraction(0), ml(0)), ml(0), VolumeRate.parse("1 mL/h"))

"""Residual discrepancy and post-refill gap checks."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intrathecal.core.errors import InvalidInput
from intrathecal.core.quantities import VolumeRate, days, ml
from intrathecal.core.refill_checks import (
    DeliveryVerdict,
    LimitExceeded,
    check_post_refill,
    check_residual,
)
from intrathecal.core.refill_config import load_refill_config

CONFIG = load_refill_config()
LIMIT = CONFIG.residual_discrepancy_limit
ACCURACY = CONFIG.pump_family("synchromed-ii").accuracy_percent
RATE = VolumeRate.parse("0.4 mL/day")


def _check(measured, last_fill=ml(18), rate=RATE, elapsed=days(35)):
    return check_residual(last_fill, rate, elapsed, measured, LIMIT, ACCURACY)


def test_worked_example_flags_under_delivery_of_about_18_percent():
    check = _check(ml("6.5"))
    assert check.expected == ml(4)
    assert check.discrepancy == ml("2.5")
    assert check.expected_delivered == ml(14)
    assert check.measured_delivered == ml("11.5")
    # 2.5 of the 14.0 mL expected was not delivered: 17.857 %.
    assert check.delivery_error_percent == Fraction(-125, 7)
    assert check.verdict is DeliveryVerdict.POSSIBLE_UNDER_DELIVERY
    assert set(check.limits_exceeded) == {LimitExceeded.ABSOLUTE, LimitExceeded.DEVICE_ACCURACY}
    assert "17.9 %" in check.message
    assert "occlusion" in check.message


def test_refill_flags_possible_pocket_fill_when_residual_is_below_expected():
    check = _check(ml("1.5"))
    assert check.discrepancy == ml("-2.5")
    assert check.verdict is DeliveryVerdict.POSSIBLE_OVER_DELIVERY_OR_LOSS
    assert "pocket fill" in check.message


def test_small_discrepancy_within_both_limits_passes():
    check = _check(ml("4.5"))  # +0.5 mL, 3.6 % of 14 mL
    assert check.verdict is DeliveryVerdict.WITHIN_ACCURACY
    assert not check.needs_investigation
    assert check.limits_exceeded == ()


def test_device_accuracy_alone_triggers_when_little_was_delivered():
    # 2 mL programmed over 5 days, 1.0 mL found missing: 50 % error though under 2 mL.
    check = _check(ml(19), last_fill=ml(20), elapsed=days(5))
    assert check.limits_exceeded == (LimitExceeded.DEVICE_ACCURACY,)
    assert check.verdict is DeliveryVerdict.POSSIBLE_UNDER_DELIVERY


def test_absolute_limit_alone_triggers_for_large_deliveries():
    # 38 mL programmed, 2.5 mL more left than expected: 6.6 %, under 14.5 % but over 2 mL.
    check = _check(
        ml("4.5"), last_fill=ml(40), rate=VolumeRate.parse("0.38 mL/day"), elapsed=days(100)
    )
    assert check.expected == ml(2)
    assert check.limits_exceeded == (LimitExceeded.ABSOLUTE,)


def test_residual_check_marks_a_pump_expected_to_be_empty():
    check = _check(ml(0), elapsed=days(60))
    assert check.expected_empty
    assert check.verdict is DeliveryVerdict.WITHIN_ACCURACY


def test_residual_check_without_elapsed_time_has_no_percentage():
    check = _check(ml(18), elapsed=days(0))
    assert check.delivery_error_percent is None
    assert check.verdict is DeliveryVerdict.WITHIN_ACCURACY


def test_negative_measured_residual_is_refused():
    with pytest.raises(InvalidInput):
        _check(ml(-1))


@given(st.fractions(min_value=0, max_value=18, max_denominator=100))
def test_discrepancy_sign_decides_the_direction(measured_ml):
    check = _check(ml(measured_ml))
    assert check.discrepancy == ml(measured_ml) - check.expected
    if check.verdict is DeliveryVerdict.POSSIBLE_UNDER_DELIVERY:
        assert check.discrepancy > ml(0)
    elif check.verdict is DeliveryVerdict.POSSIBLE_OVER_DELIVERY_OR_LOSS:
        assert check.discrepancy < ml(0)
    else:
        assert abs(check.discrepancy) <= LIMIT.value


def test_post_refill_gap_over_one_ml_in_a_20_ml_pump_suggests_pocket_fill():
    limit = CONFIG.gap_limit_for(ml(20))
    assert limit is not None
    check = check_post_refill(ml(18), ml("16.5"), ml(20), limit)
    assert check.gap == ml("1.5")
    assert check.exceeds_limit
    assert "pocket fill" in check.message


def test_post_refill_gap_of_one_and_a_half_ml_is_within_limits_for_a_40_ml_pump():
    limit = CONFIG.gap_limit_for(ml(40))
    assert limit is not None
    assert limit.limit.value == ml(2)
    check = check_post_refill(ml(38), ml("36.5"), ml(40), limit)
    assert check.exceeds_limit is False


def test_post_refill_gap_has_no_limit_for_unlisted_capacities():
    assert CONFIG.gap_limit_for(ml(50)) is None
    check = check_post_refill(ml(45), ml(45), ml(50), None)
    assert check.exceeds_limit is None
    assert "no injected-vs-measured gap limit" in check.message


def test_post_refill_volumes_above_capacity_are_refused():
    with pytest.raises(InvalidInput, match="capacity"):
        check_post_refill(ml(21), ml(20), ml(20), CONFIG.gap_limit_for(ml(20)))

"""Refill volume checks: residual found vs expected, and volume injected vs measured after.

The residual check follows the ASRA 2017 advice: a residual that differs from the expected
one by more than the device's flow accuracy, or by more than an absolute limit (2 mL), is
evaluated. The sign says which way to look: more left than expected means the pump or
catheter delivered less (occlusion, kink, motor stall); less left than expected means more
left the reservoir than programmed (over-infusion, a pocket fill or septum leak at the last
refill, or an incomplete aspiration).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from fractions import Fraction

from intrathecal.core.errors import InvalidInput
from intrathecal.core.quantities import Duration, Volume, VolumeRate, format_fraction
from intrathecal.core.refill_config import GapLimit
from intrathecal.core.refill_math import expected_residual
from intrathecal.core.sourced_data import Sourced


class DeliveryVerdict(enum.Enum):
    """What a residual discrepancy suggests."""

    WITHIN_ACCURACY = "within_accuracy"
    POSSIBLE_UNDER_DELIVERY = "possible_under_delivery"
    POSSIBLE_OVER_DELIVERY_OR_LOSS = "possible_over_delivery_or_loss"


class LimitExceeded(enum.Enum):
    """Which residual limit a discrepancy went past."""

    ABSOLUTE = "absolute"
    DEVICE_ACCURACY = "device_accuracy"


@dataclass(frozen=True)
class ResidualCheck:
    """Residual found at a refill compared with the residual the program predicts.

    ``discrepancy`` is measured minus expected. ``delivery_error_percent`` compares the
    volume that actually left the reservoir with the programmed one (negative: less was
    delivered); it is ``None`` when nothing was due to be delivered.
    """

    last_fill: Volume
    elapsed: Duration
    daily_volume: VolumeRate
    expected: Volume
    measured: Volume
    discrepancy: Volume
    expected_delivered: Volume
    measured_delivered: Volume
    delivery_error_percent: Fraction | None
    verdict: DeliveryVerdict
    limits_exceeded: tuple[LimitExceeded, ...]
    absolute_limit: Sourced[Volume]
    accuracy_percent: Sourced[Fraction]
    expected_empty: bool
    message: str

    @property
    def needs_investigation(self) -> bool:
        """True when the discrepancy went past a limit."""
        return self.verdict is not DeliveryVerdict.WITHIN_ACCURACY


def _percent(value: Fraction) -> str:
    return f"{format_fraction(abs(value), 3)} %"


def _residual_message(
    expected: Volume,
    measured: Volume,
    discrepancy: Volume,
    error: Fraction | None,
    verdict: DeliveryVerdict,
    limits: str,
) -> str:
    signed = ("+" if not discrepancy.is_negative() else "") + discrepancy.format("mL", 4)
    head = f"measured {measured} vs expected {expected}: {signed}"
    if verdict is DeliveryVerdict.WITHIN_ACCURACY:
        return f"{head}, within limits"
    share = "" if error is None else f" by {_percent(error)}"
    if verdict is DeliveryVerdict.POSSIBLE_UNDER_DELIVERY:
        return (
            f"{head} (beyond {limits}): possible under-delivery{share}; check for catheter "
            "occlusion or kink, motor stall or pump malfunction, and the last refill record"
        )
    return (
        f"{head} (beyond {limits}): more left the reservoir than programmed{share}; check for "
        "over-infusion, a pocket fill or septum leak at the last refill, and incomplete aspiration"
    )


def check_residual(
    last_fill: Volume,
    daily_volume: VolumeRate,
    elapsed: Duration,
    measured: Volume,
    absolute_limit: Sourced[Volume],
    accuracy_percent: Sourced[Fraction],
) -> ResidualCheck:
    """Compare the aspirated residual with the one expected since the last fill."""
    if measured.is_negative():
        raise InvalidInput(f"the measured residual must not be negative, got {measured}")
    expected = expected_residual(last_fill, daily_volume, elapsed)
    discrepancy = (measured - expected).in_unit("mL")
    expected_delivered = (last_fill - expected).in_unit("mL")
    measured_delivered = (last_fill - measured).in_unit("mL")
    error = (
        None
        if expected_delivered.is_zero()
        else (measured_delivered - expected_delivered).ratio(expected_delivered) * 100
    )
    exceeded: list[LimitExceeded] = []
    if abs(discrepancy) > absolute_limit.value:
        exceeded.append(LimitExceeded.ABSOLUTE)
    if error is not None and abs(error) > accuracy_percent.value:
        exceeded.append(LimitExceeded.DEVICE_ACCURACY)
    if not exceeded:
        verdict = DeliveryVerdict.WITHIN_ACCURACY
    elif discrepancy.is_negative():
        verdict = DeliveryVerdict.POSSIBLE_OVER_DELIVERY_OR_LOSS
    else:
        verdict = DeliveryVerdict.POSSIBLE_UNDER_DELIVERY
    limit_text = " and ".join(
        f"the {absolute_limit.value} limit"
        if item is LimitExceeded.ABSOLUTE
        else f"the ±{format_fraction(accuracy_percent.value)} % device accuracy"
        for item in exceeded
    )
    message = _residual_message(expected, measured, discrepancy, error, verdict, limit_text)
    return ResidualCheck(
        last_fill=last_fill,
        elapsed=elapsed,
        daily_volume=daily_volume,
        expected=expected,
        measured=measured,
        discrepancy=discrepancy,
        expected_delivered=expected_delivered,
        measured_delivered=measured_delivered,
        delivery_error_percent=error,
        verdict=verdict,
        limits_exceeded=tuple(exceeded),
        absolute_limit=absolute_limit,
        accuracy_percent=accuracy_percent,
        expected_empty=expected.is_zero(),
        message=message,
    )


@dataclass(frozen=True)
class PostRefillCheck:
    """Volume injected at a refill vs the volume then measured in the reservoir.

    ``gap`` is injected minus measured: positive means drug is missing from the reservoir
    (a possible pocket fill, with overdose risk from drug in the tissue).
    """

    injected: Volume
    measured: Volume
    gap: Volume
    limit: GapLimit | None
    exceeds_limit: bool | None
    message: str


def check_post_refill(
    injected: Volume, measured: Volume, reservoir: Volume, limit: GapLimit | None
) -> PostRefillCheck:
    """Compare the injected volume with the reservoir volume measured after the refill."""
    for value, what in ((injected, "injected volume"), (measured, "measured volume")):
        if value.is_negative():
            raise InvalidInput(f"the {what} must not be negative, got {value}")
        if value > reservoir:
            raise InvalidInput(f"the {what} {value} exceeds the reservoir capacity {reservoir}")
    gap = (injected - measured).in_unit("mL")
    if limit is None:
        return PostRefillCheck(
            injected,
            measured,
            gap,
            None,
            None,
            f"no injected-vs-measured gap limit on file for a {reservoir} reservoir",
        )
    exceeds = abs(gap) > limit.limit.value
    if not exceeds:
        message = f"injected {injected}, measured {measured}: gap {abs(gap)}, within limits"
    elif gap.is_negative():
        message = (
            f"measured {measured} is {abs(gap)} more than the {injected} injected (limit "
            f"{limit.limit.value} for pumps up to {limit.reservoir}): recheck the volumes"
        )
    else:
        message = (
            f"{gap} of the {injected} injected is not in the reservoir (limit "
            f"{limit.limit.value} for pumps up to {limit.reservoir}): possible pocket fill; "
            "monitor for overdose and withdrawal"
        )
    return PostRefillCheck(injected, measured, gap, limit, exceeds, message)

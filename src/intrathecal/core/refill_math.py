"""Reservoir arithmetic for refills: expected residual, time to a volume, bridge and priming.

All functions are pure and exact (``Fraction`` magnitudes inside the quantity types).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from intrathecal.core import program_math
from intrathecal.core.errors import InvalidInput
from intrathecal.core.program import BridgeBolus, PrimingBolus, Solution
from intrathecal.core.quantities import Duration, Volume, VolumeRate

_LENGTH_RE = re.compile(r"^\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>cm|mm)\s*$", re.IGNORECASE)
_PER_CM_RE = re.compile(r"^\s*(?P<volume>.+?)\s*/\s*cm\s*$", re.IGNORECASE)


def _require_not_negative(value: Volume | Duration | VolumeRate, what: str) -> None:
    if value.is_negative():
        raise InvalidInput(f"{what} must not be negative, got {value}")


def _require_positive(value: Volume | Duration | VolumeRate, what: str) -> None:
    if value.is_negative() or value.is_zero():
        raise InvalidInput(f"{what} must be above zero, got {value}")


def expected_residual(filled: Volume, daily_volume: VolumeRate, elapsed: Duration) -> Volume:
    """Volume left after ``elapsed`` at ``daily_volume`` from ``filled``; never below zero."""
    _require_not_negative(filled, "the filled volume")
    _require_not_negative(daily_volume, "the daily volume")
    _require_not_negative(elapsed, "the elapsed time")
    left = filled - daily_volume * elapsed
    return Volume.zero().in_unit("mL") if left.is_negative() else left.in_unit("mL")


def time_until(start: Volume, target: Volume, daily_volume: VolumeRate) -> Duration:
    """How long the reservoir takes to fall from ``start`` to ``target`` (zero if already there)."""
    _require_not_negative(start, "the starting volume")
    _require_not_negative(target, "the target volume")
    _require_positive(daily_volume, "the daily volume")
    if start <= target:
        return Duration.zero()
    return (start - target) / daily_volume


def moment_after(start: datetime, span: Duration) -> datetime:
    """``start`` plus ``span``, rounded down to the microsecond (never later than exact)."""
    micros = math.floor(span.seconds() * 1_000_000)
    return start + timedelta(microseconds=micros)


def duration_between(start: datetime, end: datetime) -> Duration:
    """The exact time from ``start`` to ``end``; an error if ``end`` comes first."""
    try:
        delta = end - start
    except TypeError:
        raise InvalidInput(
            "cannot compare a date with a time zone and one without; give both the same way"
        ) from None
    if delta < timedelta(0):
        raise InvalidInput(f"{end.isoformat()} is before {start.isoformat()}")
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return Duration.from_seconds(Fraction(micros, 1_000_000))


@dataclass(frozen=True)
class CatheterSegment:
    """A catheter, or a segment of one, by length and the volume each centimetre holds."""

    length_cm: Fraction
    volume_per_cm: Volume

    def __post_init__(self) -> None:
        if self.length_cm < 0:
            raise InvalidInput(f"catheter length must not be negative, got {self.length_cm} cm")
        _require_not_negative(self.volume_per_cm, "catheter volume per cm")

    @property
    def volume(self) -> Volume:
        """The volume the catheter holds."""
        return self.volume_per_cm.scaled(self.length_cm)

    @classmethod
    def parse(cls, length: str, volume_per_cm: str) -> CatheterSegment:
        """Read ``"50 cm"`` and ``"2.2 µL/cm"``; units are required."""
        return cls(parse_length_cm(length), parse_volume_per_cm(volume_per_cm))


def parse_length_cm(text: str) -> Fraction:
    """A catheter length such as ``"50 cm"`` or ``"500 mm"``, in centimetres."""
    match = _LENGTH_RE.match(text) if isinstance(text, str) else None
    if match is None:
        raise InvalidInput(f"expected a length with its unit such as '50 cm', got {text!r}")
    number = Fraction(match.group("number"))
    return number if match.group("unit").lower() == "cm" else number / 10


def parse_volume_per_cm(text: str) -> Volume:
    """A catheter volume per centimetre such as ``"2.2 µL/cm"``; the volume it names per cm."""
    match = _PER_CM_RE.match(text) if isinstance(text, str) else None
    if match is None:
        raise InvalidInput(f"expected a volume per centimetre such as '2.2 µL/cm', got {text!r}")
    return Volume.parse(match.group("volume"))


def bridge_volume(catheter: CatheterSegment, pump_internal_volume: Volume) -> Volume:
    """Old infusate still between reservoir and catheter tip: pump path plus catheter."""
    _require_not_negative(pump_internal_volume, "the pump internal volume")
    return (pump_internal_volume + catheter.volume).in_unit("mL")


def bridge_bolus(
    catheter: CatheterSegment,
    pump_internal_volume: Volume,
    old_daily_volume: VolumeRate,
    old_solution: Solution,
) -> BridgeBolus:
    """The bridge after a concentration change: the old infusate, delivered at the old rate."""
    _require_positive(old_daily_volume, "the old daily volume")
    _require_positive(bridge_volume(catheter, pump_internal_volume), "the bridge volume")
    return program_math.bridge_bolus(
        old_solution, old_daily_volume, pump_internal_volume, catheter.volume
    )


def priming_volume(empty_segment: CatheterSegment, pump_path_volume: Volume) -> Volume:
    """Volume that fills an empty catheter segment plus the empty pump path."""
    _require_not_negative(pump_path_volume, "the pump path volume")
    return (empty_segment.volume + pump_path_volume).in_unit("mL")


def priming_bolus(
    empty_segment: CatheterSegment, pump_path_volume: Volume, priming_rate: VolumeRate
) -> PrimingBolus:
    """A priming bolus of :func:`priming_volume`, delivered at the device's priming rate."""
    _require_positive(priming_rate, "the priming rate")
    volume = priming_volume(empty_segment, pump_path_volume)
    _require_positive(volume, "the priming volume")
    return PrimingBolus(volume=volume, duration=volume / priming_rate)

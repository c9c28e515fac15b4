"""The intrathecal catheter: geometry, tip level and integrity (where delivered drug ends up).

A catheter carries drug from the pump connector to its tip in the intrathecal space. Its
integrity decides where the pumped volume goes: an intact catheter delivers everything to
the cerebrospinal fluid (CSF); a kink or occlusion stops the flow (the pump does not notice);
a tear leaks a fraction into the surrounding tissue; a disconnection sends everything into
the tissue at the connector; a migrated tip (out of the intrathecal space) delivers a
fraction, by default all, to the wrong compartment. None of these are detected by the pump.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, replace
from fractions import Fraction

from intrathecal.core.quantities import Volume
from intrathecal.device.errors import DeviceInputError

_LEVEL_RE = re.compile(r"^(?:C[1-7]|T(?:[1-9]|1[0-2])|L[1-5]|S[1-5])$")


def is_vertebral_level(level: object) -> bool:
    """Whether ``level`` names one vertebra (C1-C7, T1-T12, L1-L5, S1-S5), e.g. 'T10'."""
    return isinstance(level, str) and _LEVEL_RE.match(level) is not None


class Integrity(enum.Enum):
    """The physical state of the catheter."""

    INTACT = "intact"
    OCCLUDED = "occluded"  # kinked or plugged (e.g. by a tip granuloma): no flow
    TORN = "torn"  # leaks part of the flow into tissue
    DISCONNECTED = "disconnected"  # all flow into the pump pocket tissue
    MIGRATED = "migrated"  # tip out of the intrathecal space


@dataclass(frozen=True)
class Catheter:
    """An implanted catheter. ``length_cm`` is a plain length; volumes are typed.

    ``tissue_fraction`` is the share of the outflow that reaches tissue instead of CSF; it
    is only meaningful for ``TORN`` and ``MIGRATED`` (``DISCONNECTED`` is always 1).
    """

    length_cm: Fraction
    volume_per_cm: Volume
    tip_level: str = "T10"
    integrity: Integrity = Integrity.INTACT
    tissue_fraction: Fraction = Fraction(0)

    def __post_init__(self) -> None:
        length = _fraction(self.length_cm, "catheter length in cm")
        object.__setattr__(self, "length_cm", length)
        if not 0 < length <= 200:
            raise DeviceInputError(f"catheter length must lie in (0, 200] cm, got {length} cm")
        if self.volume_per_cm.is_negative() or self.volume_per_cm.is_zero():
            raise DeviceInputError(
                f"catheter volume per cm must be above zero, got {self.volume_per_cm}"
            )
        if not is_vertebral_level(self.tip_level):
            raise DeviceInputError(
                f"tip level must be a vertebral level such as 'T10' or 'C5', got {self.tip_level!r}"
            )
        fraction = _fraction(self.tissue_fraction, "tissue fraction")
        object.__setattr__(self, "tissue_fraction", fraction)
        if not 0 <= fraction <= 1:
            raise DeviceInputError(f"tissue fraction must lie in [0, 1], got {fraction}")
        if self.integrity in (Integrity.INTACT, Integrity.OCCLUDED) and fraction != 0:
            raise DeviceInputError(f"an {self.integrity.value} catheter has no tissue fraction")

    @property
    def volume(self) -> Volume:
        """The internal (dead) volume of the catheter lumen."""
        return self.volume_per_cm.scaled(self.length_cm)

    @property
    def flows(self) -> bool:
        """False when the catheter blocks flow (occluded)."""
        return self.integrity is not Integrity.OCCLUDED

    @property
    def to_tissue(self) -> Fraction:
        """Share of the outflow that reaches tissue rather than the CSF."""
        if self.integrity is Integrity.DISCONNECTED:
            return Fraction(1)
        if self.integrity in (Integrity.TORN, Integrity.MIGRATED):
            return self.tissue_fraction
        return Fraction(0)

    def with_integrity(
        self, integrity: Integrity, tissue_fraction: Fraction | None = None
    ) -> Catheter:
        """A copy in a new integrity state (torn default 1/2, migrated default 1)."""
        if tissue_fraction is None:
            tissue_fraction = {
                Integrity.TORN: Fraction(1, 2),
                Integrity.MIGRATED: Fraction(1),
            }.get(integrity, Fraction(0))
        return replace(self, integrity=integrity, tissue_fraction=tissue_fraction)


def _fraction(value: object, what: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | float | Fraction | str):
        raise DeviceInputError(f"{what} must be a number or decimal text, got {value!r}")
    try:
        return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise DeviceInputError(f"{what} must be a number, got {value!r}") from None

"""Faults a simulation can inject into a pump: motor stall, catheter damage, battery reset, MRI."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from intrathecal.core.quantities import Duration
from intrathecal.device.catheter import Integrity
from intrathecal.device.errors import DeviceInputError


@dataclass(frozen=True)
class MotorStall:
    """The rotor stops (wear, corrosion, foreign particle). Detected: critical alarm, logged.

    With ``recover_after`` the rotor restarts by itself after that time (an intermittent
    stall, logged as a recovery); without it the stall is permanent until ``clear_fault``.
    """

    recover_after: Duration | None = None

    def __post_init__(self) -> None:
        if self.recover_after is not None and (
            self.recover_after.is_negative() or self.recover_after.is_zero()
        ):
            raise DeviceInputError("a stall recovery delay must be above zero")


@dataclass(frozen=True)
class CatheterFault:
    """The catheter changes state (kink, tear, disconnection, migration). Not detected."""

    integrity: Integrity
    tissue_fraction: Fraction | None = None


@dataclass(frozen=True)
class LowBatteryReset:
    """A battery reset: the pump falls back to its minimum rate. Detected: critical alarm."""


@dataclass(frozen=True)
class MagneticExposure:
    """An MRI scan of ``duration``; what happens depends on the pump's mechanism.

    Peristaltic pumps: the rotor stops for the scan and restarts ``recovery_delay`` after it
    (reported delays 2 to 24 h), logged as a stall and a recovery. Valve-gated pumps with a
    flow-activated valve: a small bolus (at most the valve's closing volume) is delivered
    and the valve stays closed, with no delivery, until ``clear_fault`` (a manual reset).
    Fixed-rate pumps: no effect.
    """

    duration: Duration
    recovery_delay: Duration = field(default_factory=Duration.zero)

    def __post_init__(self) -> None:
        if self.duration.is_negative() or self.duration.is_zero():
            raise DeviceInputError("an MRI exposure needs a duration above zero")
        if self.recovery_delay.is_negative():
            raise DeviceInputError("a recovery delay cannot be negative")


Fault = MotorStall | CatheterFault | LowBatteryReset | MagneticExposure

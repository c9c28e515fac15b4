"""The patient-bolus gate: programmed dose, lockout and the rolling 24 h maximum.

Lockout counts from the start of the last granted bolus. The daily maximum is over a
rolling 24 h window (a calendar day would allow twice the maximum across midnight). Times
are float seconds on the pump's clock; the pump adds its own state checks (stopped,
stalled, end of service, reservoir) around this gate.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from intrathecal.core.program import PatientBolus
from intrathecal.core.quantities import Volume

DAY_S = 86_400.0
_EPS_T = 1e-6


@dataclass(frozen=True)
class PatientLimits:
    """Programmed patient-bolus settings in base units."""

    volume: Volume
    volume_text: str
    volume_ml: float
    duration_s: float
    lockout_s: float
    max_per_day: int

    @property
    def rate(self) -> float:
        """Bolus flow in mL/s."""
        return self.volume_ml / self.duration_s

    @classmethod
    def of(cls, settings: PatientBolus | None) -> PatientLimits | None:
        """Base-unit limits from a prescription's setting (None when there is none)."""
        if settings is None:
            return None
        return cls(
            settings.volume,
            str(settings.volume),
            float(settings.volume.to("mL")),
            float(settings.duration.seconds()),
            float(settings.lockout.seconds()),
            settings.max_per_day,
        )


class BolusGate:
    """Grant history and the lockout / daily-maximum decision."""

    def __init__(self) -> None:
        self._grants: deque[float] = deque()
        self._last = -math.inf

    def count(self, t: float) -> int:
        """Boluses granted in the 24 h before ``t``."""
        grants = self._grants
        while grants and grants[0] <= t - DAY_S + _EPS_T:
            grants.popleft()
        return len(grants)

    def refusal(self, t: float, limits: PatientLimits) -> str | None:
        """``"lockout"`` or ``"daily maximum"`` when the gate is shut at ``t``, else None."""
        if t - self._last < limits.lockout_s - _EPS_T:
            return "lockout"
        if self.count(t) >= limits.max_per_day:
            return "daily maximum"
        return None

    def next_allowed(self, t: float, limits: PatientLimits | None) -> float | None:
        """The earliest time a bolus could be granted (None before any grant)."""
        if limits is None or math.isinf(self._last):
            return None
        earliest = self._last + limits.lockout_s
        if self.count(t) >= limits.max_per_day:
            earliest = max(earliest, self._grants[0] + DAY_S)
        return max(earliest, t)

    def grant(self, t: float) -> None:
        """Record a granted bolus at ``t``."""
        self._grants.append(t)
        self._last = t

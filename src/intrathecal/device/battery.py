"""Battery service-life model: linear in time and pumped volume, ERI then EOS a fixed time later.

The maker states a service life of 5 to 7 years depending on the programmed dose, a hard
maximum, and End of Service a fixed period after the Elective Replacement Indicator. The
model spends a fraction of the capacity to ERI at ``alpha`` per second plus ``beta`` per
programmed mL, calibrated so that at no flow ERI comes at (hard max - ERI-to-EOS) and at the
reference rate at (life at reference - ERI-to-EOS). The linear form and the reference rate
are project assumptions (unverified); the life span figures are sourced in pumps.yaml.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from intrathecal.device.models import BatterySpec

_DAY = 86_400.0


@dataclass(frozen=True)
class BatteryModel:
    """Consumption coefficients in base units (fraction of ERI capacity per s and per mL)."""

    alpha: float
    beta: float
    eri_to_eos_s: float
    hard_max_s: float

    @classmethod
    def from_spec(cls, spec: BatterySpec) -> BatteryModel:
        """Calibrate from the model's sourced service-life figures."""
        eri_to_eos = float(spec.eri_to_eos.value.to("s"))
        hard_max = float(spec.service_life_hard_max.value.to("s"))
        at_ref = float(spec.service_life_at_reference_rate.value.to("s"))
        ref_rate = float(spec.reference_rate.value.to("mL/s"))
        alpha = 1.0 / (hard_max - eri_to_eos)
        beta = (1.0 / (at_ref - eri_to_eos) - alpha) / ref_rate if ref_rate > 0 else 0.0
        return cls(alpha, max(beta, 0.0), eri_to_eos, hard_max)

    def life_to_eos_days(self, rate_ml_per_day: float) -> float:
        """Service life (implant to EOS) at a constant rate, in days."""
        per_s = self.alpha + self.beta * rate_ml_per_day / _DAY
        return min(1.0 / per_s + self.eri_to_eos_s, self.hard_max_s) / _DAY


def _two_sum(a: float, b: float) -> tuple[float, float]:
    """``a + b`` as a float and its exact rounding error (Knuth)."""
    s = a + b
    v = s - a
    return s, (a - (s - v)) + (b - v)


class BatteryClock:
    """One pump's battery: capacity used (compensated sum), ERI and EOS times, hard caps.

    Use accrues per regime from the regime's start; the running total is kept as a float
    plus its rounding error so that thousands of regimes over years add no drift to the ERI
    time (without it the ERI time drifted by microseconds by year six).
    """

    def __init__(self, model: BatteryModel | None, start: float) -> None:
        """``start``: when the battery started, in pump seconds (at or before 0)."""
        self.model = model
        self.eri_t: float | None = None
        self.eos_t: float | None = None
        self.eri_cap: float | None = None
        self.eos_cap = math.inf
        self._used = self._err = 0.0
        if model is not None:
            self._used = -start * model.alpha
            self.eri_cap = start + model.hard_max_s - model.eri_to_eos_s
            self.eos_cap = start + model.hard_max_s
        self._t0 = 0.0
        self._used0 = self._err0 = 0.0

    @property
    def tracking(self) -> bool:
        """Whether use still counts (a battery before its ERI)."""
        return self.model is not None and self.eri_t is None

    def anchor(self, t: float) -> None:
        """A new regime starts at ``t``: later use is measured from here."""
        self._t0, self._used0, self._err0 = t, self._used, self._err

    def move(self, t: float, programmed: float) -> None:
        """Use at ``t`` after ``programmed`` mL since the regime's start."""
        model = self.model
        if model is not None and self.eri_t is None:
            delta = model.alpha * (t - self._t0) + model.beta * programmed
            self._used, err = _two_sum(self._used0, delta)
            self._err = self._err0 + err

    def left(self) -> float:
        """Capacity to ERI left at the regime's start."""
        return (1.0 - self._used0) - self._err0

    def reaches_eri(self, t: float, programmed: float) -> bool:
        """Whether the capacity to ERI is used up by ``t`` (``programmed`` mL since the start)."""
        model = self.model
        if model is None or self.eri_t is not None:
            return False
        used = self._used0 + model.alpha * (t - self._t0) + model.beta * programmed
        return used >= 1.0 - 1e-12

    def elective_replacement(self, t: float) -> float:
        """ERI at ``t``; returns the EOS time it sets."""
        assert self.model is not None
        self.eri_t = t
        self.eos_t = min(t + self.model.eri_to_eos_s, self.eos_cap)
        return self.eos_t

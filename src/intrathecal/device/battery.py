"""Battery service-life model: linear in time and pumped volume, ERI then EOS a fixed time later.

The maker states a service life of 5 to 7 years depending on the programmed dose, a hard
maximum, and End of Service a fixed period after the Elective Replacement Indicator. The
model spends a fraction of the capacity to ERI at ``alpha`` per second plus ``beta`` per
programmed mL, calibrated so that at no flow ERI comes at (hard max - ERI-to-EOS) and at the
reference rate at (life at reference - ERI-to-EOS). The linear form and the reference rate
are project assumptions (unverified); the life span figures are sourced in pumps.yaml.
"""

from __future__ import annotations

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

"""How serious a refill's residual discrepancy is: the drug it stands for, and whether a
syringe can even read it.

The core residual check says whether a discrepancy passes the ASRA limits (2 mL or the
pump's accuracy). Here it is weighed: below the syringe's resolution it is not measurable
and not flagged; a residual short by at least ``critical_unaccounted_days`` of the
prescribed dose (drug possibly infused too fast or into the pocket) is critical.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction

from intrathecal.core.program import Prescription
from intrathecal.core.program_math import daily_dose
from intrathecal.core.quantities import Volume
from intrathecal.core.sourced_data import Sourced, load_data_file, section, sourced


@dataclass(frozen=True)
class ReviewSettings:
    """Syringe resolution and the critical amount of unaccounted drug (in days of dose)."""

    syringe_resolution: Sourced[Volume]
    critical_unaccounted_days: Sourced[Fraction]


@dataclass(frozen=True)
class DiscrepancyReview:
    """Whether the discrepancy goes on the worklist, how urgently, and why (worded)."""

    flagged: bool
    critical: bool
    note: str


@functools.cache
def review_settings() -> ReviewSettings:
    """The packaged settings (``data/clinic.yaml``: ``refill_review``)."""
    body = section(load_data_file("clinic.yaml"), "refill_review", "clinic.yaml")
    where = "clinic.yaml: refill_review"
    return ReviewSettings(
        syringe_resolution=sourced(
            section(body, "syringe_resolution", where), f"{where}.syringe_resolution", Volume.parse
        ),
        critical_unaccounted_days=sourced(
            section(body, "critical_unaccounted_days", where),
            f"{where}.critical_unaccounted_days",
            lambda raw: Fraction(str(raw)),
        ),
    )


def review(discrepancy: Volume, investigate: bool, program: Prescription) -> DiscrepancyReview:
    """Weigh ``discrepancy`` (measured minus expected) of a fill of ``program``'s solution."""
    if not investigate:
        return DiscrepancyReview(False, False, "")
    s = review_settings()
    size = abs(discrepancy)
    if size < s.syringe_resolution.value:
        return DiscrepancyReview(
            False,
            False,
            f"{discrepancy.format('mL', 3)} is below the syringe resolution "
            f"{s.syringe_resolution.value} {s.syringe_resolution.tag()}: not measurable",
        )
    doses = daily_dose(program)
    parts, days = [], Fraction(0)
    for component in program.solution.components:
        amount = component.concentration * size
        per_day = doses[component.drug].to("mg/day")
        share = amount.to("mg") / per_day if per_day else Fraction(0)
        days = max(days, share)
        parts.append(f"{amount.format('mg', 4)} {component.drug}")
    drug = ", ".join(parts)
    if discrepancy.is_negative():
        critical = days >= s.critical_unaccounted_days.value
        note = (
            f"residual {discrepancy.format('mL', 4)} short of expected: about {drug} "
            f"unaccounted ({float(days):.1f} days of the prescribed dose) - possible "
            "over-delivery or pocket fill: check for overdose signs"
        )
        if critical:
            note += (
                f" (critical from {s.critical_unaccounted_days.value} day(s) of dose "
                f"{s.critical_unaccounted_days.tag()})"
            )
        return DiscrepancyReview(True, critical, note)
    note = (
        f"residual {discrepancy.format('mL', 4)} above expected: about {drug} not delivered "
        f"({float(days):.1f} days of the prescribed dose) - possible under-delivery "
        "(occlusion, catheter fault): check for withdrawal signs"
    )
    return DiscrepancyReview(True, False, note)

"""Candidacy for an intrathecal trial: a pure decision with every reason spelled out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from intrathecal.clinic.config import ClinicSettings
from intrathecal.clinic.records import ConservativeTherapy

#: Contraindications from the consensus/payer lists (shared/reference/clinical.md, 1.1-1.3).
CONTRAINDICATIONS: Mapping[str, str] = {
    "active_infection": "active infection",
    "sepsis": "sepsis",
    "coagulopathy": "coagulopathy",
    "uncontrolled_anticoagulation": "anticoagulation that cannot be managed",
    "untreated_addiction": "untreated addiction",
    "uncontrolled_mental_illness": "uncontrolled mental illness",
}


@dataclass(frozen=True)
class Eligibility:
    """The decision and why."""

    eligible: bool
    reasons: tuple[str, ...]


def assess(
    indication: str,
    therapies: Iterable[ConservativeTherapy],
    surgery_is_option: bool,
    psych_evaluation_done: bool,
    psych_cleared: bool,
    contraindications: Iterable[str],
    life_expectancy_months: int | None,
    settings: ClinicSettings,
) -> Eligibility:
    """Eligible for a trial only when no rule below produces a blocking reason."""
    blocking: list[str] = []
    notes: list[str] = []
    for code in contraindications:
        blocking.append(f"contraindication: {CONTRAINDICATIONS[code]}")
    if not psych_evaluation_done:
        blocking.append("psychological evaluation not done")
    elif not psych_cleared:
        blocking.append("psychological evaluation did not clear the patient")
    if surgery_is_option:
        blocking.append("surgery is still an option: a pump is for when surgery is not")
    failed = [t for t in therapies if t.outcome == "failed"]
    if not failed:
        blocking.append("no failed conservative therapy recorded")
    if indication == "non_cancer":
        need = settings.conservative_care_min_months
        longest = max((t.months for t in failed), default=0)
        if longest < need.value:
            blocking.append(
                f"conservative care failed for {longest} months; at least {need.value} months "
                f"are required for non-cancer pain {_tag(need.unverified)}"
            )
        else:
            notes.append(f"conservative care failed for {longest} months (>= {need.value})")
    elif indication == "cancer":
        need = settings.cancer_life_expectancy_min_months
        if life_expectancy_months is None:
            blocking.append("life expectancy not recorded (required for cancer pain)")
        elif life_expectancy_months < need.value:
            blocking.append(
                f"life expectancy {life_expectancy_months} months is below the "
                f"{need.value} months required {_tag(need.unverified)}"
            )
        else:
            notes.append(f"life expectancy {life_expectancy_months} months (>= {need.value})")
    if blocking:
        return Eligibility(False, tuple(blocking))
    return Eligibility(True, ("eligible for a screening trial", *notes))


def _tag(unverified: bool) -> str:
    return "(unverified default)" if unverified else "(sourced)"

"""From an effective screening bolus to a first daily dose (the baclofen label rule).

A drug whose catalogue entry has ``screening_start`` (baclofen) starts at ``short_factor``
times the effective screening bolus per day when the bolus's effect lasted less than the
threshold (8 h), and at ``long_factor`` times it when the effect lasted at least that long.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from intrathecal.core.catalogue import Catalogue, RuleSet, ScreeningStart, load_catalogue
from intrathecal.core.errors import InvalidInput
from intrathecal.core.quantities import DoseRate, Duration, Mass, days, format_fraction
from intrathecal.core.sourced_data import Sourced


@dataclass(frozen=True)
class ScreeningStartDose:
    """The proposed first daily dose, the factor applied, and the sourced rule behind it."""

    drug: str
    daily_dose: DoseRate
    factor: Fraction
    rule: Sourced[ScreeningStart]
    explanation: str


def starting_dose_from_screening(
    drug: str,
    effective_dose: Mass,
    effect_duration: Duration,
    *,
    catalogue: Catalogue | None = None,
    rule_set: RuleSet | None = None,
) -> ScreeningStartDose:
    """The first daily dose from an effective screening bolus and how long its effect lasted."""
    entry = (catalogue or load_catalogue()).get(drug, rule_set)
    rule = entry.screening_start
    if rule is None:
        raise InvalidInput(f"drug: {entry.name} has no screening-to-start rule in the catalogue")
    if effective_dose.is_negative() or effective_dose.is_zero():
        raise InvalidInput(f"effective_dose: must be above zero, got {effective_dose}")
    if effect_duration.is_negative() or effect_duration.is_zero():
        raise InvalidInput(f"effect_duration: must be above zero, got {effect_duration}")
    short = effect_duration < rule.value.threshold
    factor = rule.value.short_factor if short else rule.value.long_factor
    unit = entry.dose_unit
    daily = (effective_dose.scaled(factor) / days(1)).in_unit(unit)
    lasted = "less than" if short else "at least"
    explanation = (
        f"{entry.name}: effect of the {effective_dose} screening bolus lasted {lasted} "
        f"{rule.value.threshold.format('h')}, so start at {format_fraction(factor)} × the bolus "
        f"per day = {daily} ({rule.attribution()}); titrate from there by the 24 h limits"
    )
    return ScreeningStartDose(entry.name, daily, factor, rule, explanation)

"""Dose and concentration rules: daily maxima, worst case, concentration, unit slips."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

from intrathecal.core.program_math import daily_dose, daily_volume, worst_case_daily_dose
from intrathecal.core.quantities import DoseRate
from intrathecal.core.safety._text import percent, shown, times
from intrathecal.core.safety.context import Proposal, RuleContext
from intrathecal.core.safety.findings import Finding, Severity


def max_daily_dose(proposal: Proposal, ctx: RuleContext) -> Iterator[Finding]:
    """Each component's mean daily dose must not exceed the drug's maximum (or ceiling)."""
    for name, dose in daily_dose(proposal.proposed).items():
        limit = ctx.drug(name).max_daily_dose
        maximum = limit.value
        if maximum is not None and dose > maximum:
            severity, note = ctx.ceiling("max_daily_dose", limit, dose.ratio(maximum))
            yield ctx.finding(
                "max_daily_dose",
                Severity.HARD,
                f"{name} {shown(dose, maximum)} exceeds the {shown(maximum)} maximum "
                f"({limit.attribution()}){note}",
                limit,
                {"daily_dose": dose.in_unit(maximum.unit), "maximum": maximum},
                drug=name,
                decided=severity,
            )


def worst_case_daily_dose_rule(proposal: Proposal, ctx: RuleContext) -> Iterator[Finding]:
    """With every permitted patient bolus taken, no component may exceed its maximum."""
    p = proposal.proposed
    if p.patient_bolus is None:
        return
    mean = daily_dose(p)
    for name, worst in worst_case_daily_dose(p).items():
        limit = ctx.drug(name).max_daily_dose
        maximum = limit.value
        if maximum is None or mean[name] > maximum or worst <= maximum:
            continue  # no limit, already refused by max_daily_dose, or within it
        severity, note = ctx.ceiling("worst_case_daily_dose", limit, worst.ratio(maximum))
        yield ctx.finding(
            "worst_case_daily_dose",
            Severity.HARD,
            f"{name} reaches {shown(worst, maximum)} if every permitted patient bolus is "
            f"taken, above the {shown(maximum)} maximum ({limit.attribution()}){note}",
            limit,
            {
                "worst_case_daily_dose": worst.in_unit(maximum.unit),
                "daily_dose": mean[name].in_unit(maximum.unit),
                "maximum": maximum,
            },
            drug=name,
            decided=severity,
        )


def max_concentration(proposal: Proposal, ctx: RuleContext) -> Iterator[Finding]:
    """Each component's concentration must not exceed the drug's maximum."""
    for component in proposal.proposed.solution.components:
        limit = ctx.drug(component.drug).max_concentration
        if component.concentration > limit.value:
            yield ctx.finding(
                "max_concentration",
                Severity.SOFT,
                f"{component.drug} {shown(component.concentration, limit.value)} is above the "
                f"{shown(limit.value)} maximum concentration ({limit.attribution()})",
                limit,
                {"concentration": component.concentration, "maximum": limit.value},
                drug=component.drug,
            )


def unit_slip(proposal: Proposal, ctx: RuleContext) -> Iterator[Finding]:
    """A concentration far from every known strength of the drug is a likely mg/mcg slip."""
    threshold = ctx.settings.unit_slip_ratio
    for component in proposal.proposed.solution.components:
        known = ctx.drug(component.drug).concentrations
        if not known:
            continue
        nearest = min(known, key=lambda k: _distance(component.concentration.ratio(k.value)))
        ratio = component.concentration.ratio(nearest.value)
        if _distance(ratio) < threshold.value:
            continue
        yield ctx.finding(
            "unit_slip",
            Severity.SOFT,
            f"{component.drug} {shown(component.concentration)} is {times(ratio)} the nearest "
            f"known strength {shown(nearest.value)} ({nearest.attribution()}): likely a unit "
            f"slip (mg vs mcg); confirm the concentration",
            threshold,
            {"concentration": component.concentration, "nearest_known": nearest.value},
            drug=component.drug,
        )


def granuloma_risk(proposal: Proposal, ctx: RuleContext) -> Iterator[Finding]:
    """Flag (never block) opioid concentrations and doses linked with catheter-tip masses."""
    doses = daily_dose(proposal.proposed)
    for component in proposal.proposed.solution.components:
        drug = ctx.drug(component.drug)
        by_concentration = drug.granuloma_concentration
        if by_concentration is not None and component.concentration >= by_concentration.value:
            yield ctx.finding(
                "granuloma_risk",
                Severity.INFO,
                f"{drug.name} at {shown(component.concentration, by_concentration.value)} is at "
                f"or above {shown(by_concentration.value)}, where catheter-tip granuloma risk "
                f"rises ({by_concentration.attribution()}); watch for loss of effect",
                by_concentration,
                {"concentration": component.concentration, "threshold": by_concentration.value},
                drug=drug.name,
            )
        by_dose = drug.granuloma_daily_dose
        dose = doses[drug.name]
        if by_dose is not None and dose >= by_dose.value:
            yield ctx.finding(
                "granuloma_risk",
                Severity.INFO,
                f"{drug.name} {shown(dose, by_dose.value)} is at or above "
                f"{shown(by_dose.value)}, a high dose for granuloma risk "
                f"({by_dose.attribution()})",
                by_dose,
                {"daily_dose": dose.in_unit(by_dose.value.unit), "threshold": by_dose.value},
                drug=drug.name,
            )


def patient_bolus_size(proposal: Proposal, ctx: RuleContext) -> Iterator[Finding]:
    """A patient bolus well above the usual share of the daily dose is pointed out."""
    p = proposal.proposed
    rule = ctx.settings.patient_bolus_fraction
    if p.patient_bolus is None or rule is None:
        return
    daily = daily_volume(p)
    if daily.is_zero():
        return
    share = p.patient_bolus.volume.ratio(daily)
    if share <= rule.value:
        return
    yield ctx.finding(
        "patient_bolus_size",
        Severity.INFO,
        f"each patient bolus ({shown(p.patient_bolus.volume)}) is {percent(share)} of the "
        f"daily volume ({shown(daily, p.patient_bolus.volume)}); the usual size is about "
        f"{percent(rule.value)} of the daily dose ({rule.attribution()})",
        rule,
        {"bolus_volume": p.patient_bolus.volume, "daily_volume": daily},
    )


def starting_dose(proposal: Proposal, ctx: RuleContext) -> Iterator[Finding]:
    """A drug new to the program above its usual starting range needs an override."""
    for name, dose in new_drug_doses(proposal).items():
        usual = ctx.drug(name).starting_daily_dose
        if usual is None or dose <= usual.value.high:
            continue
        yield ctx.finding(
            "starting_dose",
            Severity.SOFT,
            f"{name} is new in this program at {shown(dose, usual.value.high)}, above the usual "
            f"starting range {usual.value.format()} ({usual.attribution()})",
            usual,
            {"daily_dose": dose.in_unit(usual.value.high.unit), "usual_high": usual.value.high},
            drug=name,
        )


def new_drug_doses(proposal: Proposal) -> dict[str, DoseRate]:
    """Worst-case daily doses of the drugs the running program does not deliver."""
    running = daily_dose(proposal.current) if proposal.current is not None else {}
    return {
        name: dose
        for name, dose in worst_case_daily_dose(proposal.proposed).items()
        if name not in running or running[name].is_zero()
    }


def _distance(ratio: Fraction) -> Fraction:
    """How many times apart two values are, whichever is larger."""
    return ratio if ratio >= 1 else 1 / ratio

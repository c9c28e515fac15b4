"""Administration rules: continuous-only drugs, first fill, admixtures, flex-step slips."""

from __future__ import annotations

from collections.abc import Iterator

from intrathecal.core.program import Flex
from intrathecal.core.quantities import VolumeRate, days
from intrathecal.core.safety._text import shown, times
from intrathecal.core.safety.context import Proposal, RuleContext
from intrathecal.core.safety.findings import Finding, Severity
from intrathecal.core.safety.rules_dose import new_drug_doses


def continuous_only(proposal: Proposal, ctx: RuleContext) -> Iterator[Finding]:
    """A drug labelled for continuous infusion only refuses patient and periodic boluses."""
    p = proposal.proposed
    if p.patient_bolus is None and not p.periodic:
        return
    kinds = [
        k for k, on in (("patient bolus", p.patient_bolus), ("periodic bolus", p.periodic)) if on
    ]
    for name in p.solution.drugs:
        rule = ctx.drug(name).continuous_only
        if rule is None:
            continue
        yield ctx.finding(
            "continuous_only",
            Severity.HARD,
            f"{name} is for {rule.value} ({rule.attribution()}); this program has a "
            f"{' and a '.join(kinds)}",
            rule,
            {},
            drug=name,
        )


def first_fill_undiluted(proposal: Proposal, ctx: RuleContext) -> Iterator[Finding]:
    """A drug whose first fill must be undiluted is started at that strength only."""
    new = new_drug_doses(proposal)
    for component in proposal.proposed.solution.components:
        rule = ctx.drug(component.drug).first_fill_concentration
        if rule is None or component.drug not in new or component.concentration == rule.value:
            continue
        yield ctx.finding(
            "first_fill_undiluted",
            Severity.SOFT,
            f"{component.drug} first fill at {shown(component.concentration, rule.value)}; the "
            f"first fill should be undiluted {shown(rule.value)} ({rule.attribution()}"
            f"{'; ' + rule.note if rule.note else ''})",
            rule,
            {"concentration": component.concentration, "expected": rule.value},
            drug=component.drug,
        )


def no_admixture(proposal: Proposal, ctx: RuleContext) -> Iterator[Finding]:
    """A drug that must not be mixed refuses any solution with another drug."""
    drugs = proposal.proposed.solution.drugs
    if len(drugs) < 2:
        return
    for name in drugs:
        rule = ctx.drug(name).no_admixture
        if rule is None:
            continue
        others = ", ".join(d for d in drugs if d != name)
        yield ctx.finding(
            "no_admixture",
            Severity.HARD,
            f"{name} is mixed with {others}: {rule.value} ({rule.attribution()})",
            rule,
            {},
            drug=name,
        )


def flex_steps(proposal: Proposal, ctx: RuleContext) -> Iterator[Finding]:
    """Each flex step on its own: no step may run a drug above its daily maximum, and a
    step far faster than the others is named as a likely per-hour vs per-day slip."""
    basal = proposal.proposed.basal
    if not isinstance(basal, Flex):
        return
    solution = proposal.proposed.solution
    slowest = min(s.rate for s in basal.steps)
    slip = ctx.settings.unit_slip_ratio
    for step in basal.steps:
        label = f"flex step at {shown(step.start.in_unit('h'))} ({_rate(step.rate)})"
        for component in solution.components:
            limit = ctx.drug(component.drug).max_daily_dose
            maximum = limit.value
            dose = (component.concentration * step.rate).in_unit(
                maximum.unit if maximum is not None else "mg/day"
            )
            if maximum is None or dose <= maximum:
                continue
            yield ctx.finding(
                "flex_step_dose",
                Severity.HARD,
                f"{label} runs {component.drug} at {shown(dose)} while it lasts, above the "
                f"{shown(maximum)} maximum ({limit.attribution()}); was a per-day rate entered "
                "per hour?",
                limit,
                {"step_rate": step.rate, "step_daily_dose": dose, "maximum": maximum},
                drug=component.drug,
            )
        ratio = step.rate.ratio(slowest)
        if ratio >= slip.value:
            yield ctx.finding(
                "flex_step_slip",
                Severity.SOFT,
                f"{label} is {times(ratio)} the slowest step ({_rate(slowest)}): a likely "
                "per-hour vs per-day slip; confirm the rate",
                slip,
                {"step_rate": step.rate, "slowest_rate": slowest},
            )


def _rate(rate: VolumeRate) -> str:
    """A flow in mL/h and mL/day, so a per-hour slip is visible."""
    return f"{rate.format('mL/h')} = {(rate * days(1)).format('mL')}/day"

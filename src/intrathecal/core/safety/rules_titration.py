"""Change rules: dose increases, label titration limits, and patient contraindications."""

from __future__ import annotations

from collections.abc import Iterator

from intrathecal.core.program_math import daily_dose, worst_case_daily_dose
from intrathecal.core.quantities import DoseRate, Duration
from intrathecal.core.safety._text import percent, shown
from intrathecal.core.safety.context import Proposal, RuleContext, from_timedelta
from intrathecal.core.safety.findings import Finding, Severity


def _changes(
    proposal: Proposal, *, worst_case: bool = False
) -> Iterator[tuple[str, DoseRate | None, DoseRate]]:
    """(drug, current daily dose or None if new, proposed daily dose) per component.

    ``worst_case`` counts every permitted patient bolus (labels that limit a start or a
    step in dose units mean everything the patient can receive in a day).
    """
    dose = worst_case_daily_dose if worst_case else daily_dose
    before = dose(proposal.current) if proposal.current is not None else {}
    for name, after in dose(proposal.proposed).items():
        yield name, before.get(name), after


def dose_increase(proposal: Proposal, ctx: RuleContext) -> Iterator[Finding]:
    """A rise above the allowed fraction of the current dose needs an override.

    Drugs whose label limits increases in dose units (ziconotide) are left to
    ``titration_step``, drugs with a 24 h window (baclofen) to ``titration_window_24h``.
    The drug's own fraction wins over the general default.
    """
    for name, before, after in _changes(proposal):
        drug = ctx.drug(name)
        if before is None or before.is_zero() or drug.titration.has_absolute_steps:
            continue
        if drug.titration.increase_per_24h:
            continue
        limit = drug.titration.max_increase_fraction or ctx.settings.dose_increase_fraction
        ceiling = before.scaled(1 + limit.value)
        if after <= ceiling:
            continue
        rise = after.ratio(before) - 1
        before = before.in_unit(drug.dose_unit)
        yield ctx.finding(
            "dose_increase",
            Severity.SOFT,
            f"{name} rises {percent(rise)} from {shown(before)} to {shown(after, before)}, "
            f"above the {percent(limit.value)} per-change limit ({limit.attribution()})",
            limit,
            {
                "current": before,
                "proposed": after.in_unit(before.unit),
                "ceiling": ceiling.in_unit(before.unit),
            },
            drug=name,
        )


def dose_decrease(proposal: Proposal, ctx: RuleContext) -> Iterator[Finding]:
    """A cut (or stop) beyond a drug's labelled decrease needs an override (baclofen).

    Only drugs whose label limits decreases carry the rule; removing the drug from the
    solution counts as a 100 % cut.
    """
    if proposal.current is None:
        return
    after_doses = daily_dose(proposal.proposed)
    for name, before in daily_dose(proposal.current).items():
        drug = ctx.drug(name)
        limit = drug.titration.max_decrease_fraction
        if limit is None or before.is_zero():
            continue
        after = after_doses.get(name, DoseRate.zero())
        floor = before.scaled(1 - limit.value)
        if after >= floor:
            continue
        cut = 1 - after.ratio(before)
        shown_before = before.in_unit(drug.dose_unit)
        yield ctx.finding(
            "dose_decrease",
            Severity.SOFT,
            f"{name} falls {percent(cut)} from {shown(shown_before)} to "
            f"{shown(after, shown_before)}, beyond the {percent(limit.value)} decrease limit "
            f"({limit.attribution()}). {limit.note or 'Confirm the reduction is intended.'}",
            limit,
            {
                "current": shown_before,
                "proposed": after.in_unit(shown_before.unit),
                "floor": floor.in_unit(shown_before.unit),
            },
            drug=name,
        )


def titration_start(proposal: Proposal, ctx: RuleContext) -> Iterator[Finding]:
    """A drug new to the program must start at or below its labelled starting dose.

    The start counts every permitted patient bolus.
    """
    for name, before, after in _changes(proposal, worst_case=True):
        limit = ctx.drug(name).titration.start_max
        if limit is None or (before is not None and not before.is_zero()):
            continue
        if after > limit.value:
            yield ctx.finding(
                "titration_start",
                Severity.HARD,
                f"{name} would start at {shown(after, limit.value)}, above the "
                f"{shown(limit.value)} starting maximum ({limit.attribution()})",
                limit,
                {"proposed": after.in_unit(limit.value.unit), "maximum": limit.value},
                drug=name,
            )


def titration_step(proposal: Proposal, ctx: RuleContext) -> Iterator[Finding]:
    """One increase may not exceed the labelled step size (patient boluses counted)."""
    for name, before, after in _changes(proposal, worst_case=True):
        limit = ctx.drug(name).titration.step_max
        if limit is None or before is None or before.is_zero():
            continue
        step = after - before
        if step > limit.value:
            yield ctx.finding(
                "titration_step",
                Severity.HARD,
                f"{name} {shown(before, limit.value)} → {shown(after, limit.value)} is a step of "
                f"{shown(step, limit.value)}, above the {shown(limit.value)} maximum step "
                f"({limit.attribution()})",
                limit,
                {
                    "current": before.in_unit(limit.value.unit),
                    "proposed": after.in_unit(limit.value.unit),
                    "step": step.in_unit(limit.value.unit),
                    "maximum_step": limit.value,
                },
                drug=name,
            )


def titration_frequency(proposal: Proposal, ctx: RuleContext) -> Iterator[Finding]:
    """Increases may not come more often than the label allows (count per window, gap)."""
    history = ctx.history
    for name, before, after in _changes(proposal):
        rules = ctx.drug(name).titration
        if before is None or before.is_zero() or after <= before:
            continue
        limits = [rules.max_steps, rules.min_interval, rules.recommended_interval]
        if not any(limits):
            continue
        if history.now is None:
            yield ctx.finding(
                "titration_history_missing",
                Severity.SOFT,
                f"{name} increase: the time of this change and of past increases were not "
                "given, so the label's limits on how often the dose may rise were not checked",
                next(limit for limit in limits if limit is not None),
                {},
                drug=name,
            )
            continue
        if rules.max_steps is not None:
            allowed = rules.max_steps.value
            recent = history.steps_within(name, allowed.per)
            if len(recent) + 1 > allowed.count:
                yield ctx.finding(
                    "titration_frequency",
                    Severity.HARD,
                    f"{name}: this would be increase {len(recent) + 1} within "
                    f"{shown(allowed.per)}; at most {allowed.count} are allowed "
                    f"({rules.max_steps.attribution()})",
                    rules.max_steps,
                    {"window": allowed.per},
                    drug=name,
                )
        previous = history.steps_of(name)
        if not previous:
            continue
        elapsed = from_timedelta(history.now - previous[-1].at)
        for code, default, limit in (
            ("titration_interval", Severity.HARD, rules.min_interval),
            ("titration_interval_recommended", Severity.SOFT, rules.recommended_interval),
        ):
            if limit is None or elapsed >= limit.value:
                continue
            yield ctx.finding(
                code,
                default,
                f"{name}: only {shown(elapsed.in_unit('h'))} since the last increase; "
                f"{'at least' if default is Severity.HARD else 'the label recommends'} "
                f"{shown(limit.value.in_unit('h'))} ({limit.attribution()})",
                limit,
                {"elapsed": elapsed.in_unit("h"), "minimum": limit.value},
                drug=name,
            )
            break


def titration_window_24h(proposal: Proposal, ctx: RuleContext) -> Iterator[Finding]:
    """The rise over any 24 h may not exceed the drug's limit for the spasticity origin.

    The baseline is the lowest non-zero dose in force at any moment of the 24 h before the
    change (from the dose history of every drug), so two steps a few hours apart add up, a
    cut and a rebound within a day count from the cut, and a drug started within the day
    counts from its first dose. When the origin is not recorded, the stricter (cerebral)
    limit applies and the message says so.
    """
    for name, before, after in _changes(proposal):
        limits = ctx.drug(name).titration.increase_per_24h
        if not limits or before is None or before.is_zero():
            continue
        origin = ctx.profile.spasticity_origin
        if origin is not None and origin.value in limits:
            key, assumed = origin.value, ""
        else:
            key = min(limits, key=lambda k: limits[k].value)
            assumed = f" (origin not recorded: the stricter {key} limit applies)"
        limit = limits[key]
        baseline = ctx.history.lowest_dose_within(name, Duration(24, "h"), before)
        ceiling = baseline.scaled(1 + limit.value)
        if after <= ceiling:
            continue
        rise = after.ratio(baseline) - 1
        unit = ctx.drug(name).dose_unit
        yield ctx.finding(
            "titration_window_24h",
            Severity.SOFT,
            f"{name} rises {percent(rise)} within 24 h, from {shown(baseline.in_unit(unit))} "
            f"(the lowest dose in force in the last 24 h) to {shown(after.in_unit(unit))}; "
            f"the {key}-origin limit is {percent(limit.value)} "
            f"per 24 h ({limit.attribution()}){assumed}",
            limit,
            {
                "lowest_in_24h": baseline.in_unit(unit),
                "proposed": after.in_unit(unit),
                "ceiling": ceiling.in_unit(unit),
            },
            drug=name,
        )


def contraindication(proposal: Proposal, ctx: RuleContext) -> Iterator[Finding]:
    """A recorded patient condition that contraindicates a drug refuses it.

    When conditions were not recorded, the contraindication is shown as a reminder.
    """
    flags = ctx.profile.conditions()
    for name in proposal.proposed.solution.drugs:
        for flag, condition in ctx.drug(name).contraindications.items():
            if flags is None:
                yield ctx.finding(
                    "contraindication_reminder",
                    Severity.INFO,
                    f"{name} is contraindicated with {condition.value} "
                    f"({condition.attribution()}); patient history not recorded for this check",
                    condition,
                    {},
                    drug=name,
                )
            elif flag in flags:
                yield ctx.finding(
                    "contraindication",
                    Severity.HARD,
                    f"{name} is contraindicated: the patient has {condition.value} "
                    f"({condition.attribution()})",
                    condition,
                    {},
                    drug=name,
                )

"""Opioid rules: naive/tolerant starts, the combined ceiling, and switches between opioids.

Intrathecal morphine equivalents (``morphine_equivalent`` in the catalogue: mg of morphine
per mg of the drug) are uncertain conversion factors; every message that uses them says so.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fractions import Fraction

from intrathecal.core.program import Prescription
from intrathecal.core.program_math import daily_dose
from intrathecal.core.quantities import DoseRate
from intrathecal.core.safety._text import percent, shown
from intrathecal.core.safety.context import Proposal, RuleContext
from intrathecal.core.safety.findings import Finding, Severity
from intrathecal.core.safety.profile import OpioidStatus
from intrathecal.core.safety.rules_dose import new_drug_doses

ME_UNIT = "mg/day"


def opioid_doses(p: Prescription, ctx: RuleContext) -> dict[str, DoseRate]:
    """Mean daily dose of each opioid in ``p``."""
    return {n: d for n, d in daily_dose(p).items() if ctx.drug(n).is_opioid}


def morphine_equivalent(doses: Mapping[str, DoseRate], ctx: RuleContext) -> DoseRate:
    """Total intrathecal morphine equivalent of ``doses`` (opioids without a factor add 0)."""
    total = DoseRate.zero()
    for name, dose in doses.items():
        factor = ctx.drug(name).morphine_equivalent
        if factor is not None:
            total = total + dose.scaled(factor.value)
    return total.in_unit(ME_UNIT)


def _factors(doses: Mapping[str, DoseRate], ctx: RuleContext) -> str:
    parts = []
    for name in doses:
        factor = ctx.drug(name).morphine_equivalent
        if factor is not None and name != "morphine":
            parts.append(f"{name} ×{factor.value} ({factor.attribution()})")
    return ", ".join(parts)


def opioid_start(proposal: Proposal, ctx: RuleContext) -> Iterator[Finding]:
    """An opioid new to the program must start within the label range for the patient.

    Above the opioid-naive range is refused unless opioid tolerance is recorded; a
    tolerant patient is held to the tolerant range.
    """
    status = ctx.profile.opioid_status
    for name, dose in new_drug_doses(proposal).items():
        drug = ctx.drug(name)
        if status is OpioidStatus.TOLERANT:
            rule, band, who = "opioid_tolerant_start", drug.tolerant_daily_dose, "tolerant"
        else:
            rule, band, who = "opioid_naive_start", drug.naive_daily_dose, "naive"
        if band is None or dose <= band.value.high:
            continue
        hint = (
            ""
            if status is OpioidStatus.TOLERANT
            else f"; opioid status recorded: {status.value} (record tolerance to use the "
            "tolerant range)"
        )
        yield ctx.finding(
            rule,
            Severity.HARD,
            f"{name} would start at {shown(dose, band.value.high)}, above the "
            f"{band.value.format()} range for opioid-{who} patients ({band.attribution()}){hint}",
            band,
            {"daily_dose": dose.in_unit(band.value.high.unit), "maximum": band.value.high},
            drug=name,
        )


def opioid_combined_ceiling(proposal: Proposal, ctx: RuleContext) -> Iterator[Finding]:
    """Several opioids together may not exceed their ceilings: the shares must sum to ≤ 1.

    Each opioid's share is its dose over its own maximum, so no factor conversion is
    needed; the morphine equivalent is shown for reference.
    """
    doses = opioid_doses(proposal.proposed, ctx)
    if len(doses) < 2:
        return
    shares: dict[str, Fraction] = {}
    for name, dose in doses.items():
        maximum = ctx.drug(name).max_daily_dose.value
        if maximum is None:
            return
        if dose > maximum:
            return  # refused for that drug alone by max_daily_dose
        shares[name] = dose.ratio(maximum)
    total = sum(shares.values(), Fraction(0))
    if total <= 1:
        return
    limits = [ctx.drug(n).max_daily_dose for n in doses]
    weakest = next((lim for lim in limits if lim.unverified), limits[0])
    severity, note = ctx.ceiling("opioid_combined_ceiling", weakest, total)
    parts = "; ".join(
        f"{n} {percent(share)} of its {ctx.drug(n).max_daily_dose.attribution()} maximum"
        for n, share in shares.items()
    )
    equivalent = morphine_equivalent(doses, ctx)
    yield ctx.finding(
        "opioid_combined_ceiling",
        Severity.HARD,
        f"opioids together reach {percent(total)} of their ceilings ({parts}); about "
        f"{shown(equivalent)} intrathecal morphine equivalent (uncertain factors: "
        f"{_factors(doses, ctx)}){note}",
        weakest,
        {"morphine_equivalent": equivalent},
        decided=severity,
    )


def opioid_switch(proposal: Proposal, ctx: RuleContext) -> Iterator[Finding]:
    """An opioid added or swapped in must come in below the current morphine equivalent.

    The new total may not exceed the current total less the cross-tolerance reduction,
    so a switch never steps around the increase rule.
    """
    if proposal.current is None:
        return
    before = opioid_doses(proposal.current, ctx)
    after = opioid_doses(proposal.proposed, ctx)
    added = [n for n in after if n not in before]
    reduction = ctx.settings.opioid_switch_reduction
    if not before or not added or reduction is None:
        return
    old = morphine_equivalent(before, ctx)
    new = morphine_equivalent(after, ctx)
    allowed = old.scaled(1 - reduction.value)
    if new <= allowed:
        return
    yield ctx.finding(
        "opioid_switch",
        Severity.SOFT,
        f"switching {', '.join(before)} → {', '.join(after)}: about {shown(new)} intrathecal "
        f"morphine equivalent against {shown(old)} now; after the {percent(reduction.value)} "
        f"reduction for incomplete cross-tolerance ({reduction.attribution()}) at most "
        f"{shown(allowed)}. The conversion is uncertain (factors: {_factors(after | before, ctx)})",
        reduction,
        {"current_equivalent": old, "proposed_equivalent": new, "allowed": allowed},
        drug=added[0],
    )

"""Pump rules: every programmed flow must lie within the pump's deliverable range."""

from __future__ import annotations

from collections.abc import Iterator

from intrathecal.core.program import Continuous
from intrathecal.core.program_math import peak_rate
from intrathecal.core.quantities import VolumeRate
from intrathecal.core.safety._text import shown
from intrathecal.core.safety.context import Proposal, RuleContext
from intrathecal.core.safety.findings import Finding, Severity


def pump_rate_range(proposal: Proposal, ctx: RuleContext) -> Iterator[Finding]:
    """Basal rates outside the pump's range, or a bolus peak above its ceiling, are refused."""
    p = proposal.proposed
    if ctx.pump_limits is None:
        return
    low, high = ctx.pump_limits.min_rate, ctx.pump_limits.max_rate
    basal: list[tuple[str, VolumeRate]] = (
        [("basal rate", p.basal.rate)]
        if isinstance(p.basal, Continuous)
        else [(f"flex step at {shown(s.start)}", s.rate) for s in p.basal.steps]
    )
    for label, rate in basal:
        if rate < low.value or rate > high.value:
            limit, word = (
                (low, "below the pump minimum")
                if rate < low.value
                else (high, "above the pump maximum")
            )
            yield ctx.finding(
                "pump_rate_range",
                Severity.HARD,
                f"{label} {shown(rate, limit.value)} is {word} {shown(limit.value)} "
                f"({limit.attribution()})",
                limit,
                {"rate": rate.in_unit(limit.value.unit), "limit": limit.value},
            )
    if not p.periodic and p.patient_bolus is None:
        return
    ceiling = ctx.pump_limits.peak_ceiling
    peak = peak_rate(p)
    if peak > ceiling.value:
        yield ctx.finding(
            "pump_rate_range",
            Severity.HARD,
            f"peak flow {shown(peak, ceiling.value)} (basal plus overlapping boluses) is above "
            f"the pump's {shown(ceiling.value)} limit ({ceiling.attribution()})",
            ceiling,
            {"peak_rate": peak.in_unit(ceiling.value.unit), "limit": ceiling.value},
        )

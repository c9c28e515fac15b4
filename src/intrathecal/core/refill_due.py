"""When the next refill is due: before the low-reservoir alarm with a margin, within stability.

The due date is the earlier of (alarm date - margin) and (fill date + the shortest drug
stability limit of the drugs in the pump). The result names the limit that decided it.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from intrathecal.core.quantities import Duration
from intrathecal.core.refill_config import RefillConfig
from intrathecal.core.refill_math import moment_after
from intrathecal.core.sourced_data import Sourced


class DueReason(enum.Enum):
    """Which limit set the next refill date."""

    ALARM_MARGIN = "alarm_margin"
    DRUG_STABILITY = "drug_stability"


@dataclass(frozen=True)
class StabilityLimit:
    """How long one drug may stay in the pump, and on what basis (e.g. "first fill")."""

    drug: str
    basis: str
    limit: Sourced[Duration]


@dataclass(frozen=True)
class StabilityLookup:
    """The stability limits found for the drugs in the pump, and what was assumed or missing."""

    limits: tuple[StabilityLimit, ...]
    missing: tuple[str, ...]
    assumptions: tuple[str, ...]


def stability_limits(
    drugs: Sequence[str],
    config: RefillConfig,
    *,
    first_fill: bool = False,
    ziconotide_diluted: bool | None = None,
) -> StabilityLookup:
    """Look up each drug's in-pump stability limit; ziconotide depends on fill and dilution."""
    limits: list[StabilityLimit] = []
    missing: list[str] = []
    assumptions: list[str] = []
    for drug in drugs:
        if drug == "ziconotide" and config.ziconotide is not None:
            zic = config.ziconotide
            if first_fill:
                limits.append(StabilityLimit(drug, "first fill of the pump", zic.first_fill))
            elif ziconotide_diluted is False:
                limits.append(StabilityLimit(drug, "undiluted", zic.undiluted))
            else:
                if ziconotide_diluted is None:
                    assumptions.append(
                        "ziconotide dilution not given: assumed diluted (the shorter limit)"
                    )
                limits.append(StabilityLimit(drug, "diluted", zic.diluted))
        elif drug in config.drug_stability:
            limits.append(StabilityLimit(drug, "in-pump stability", config.drug_stability[drug]))
        else:
            missing.append(drug)
    limits.append(
        StabilityLimit(", ".join(drugs), "the maximum refill interval", config.max_refill_interval)
    )
    return StabilityLookup(tuple(limits), tuple(missing), tuple(assumptions))


@dataclass(frozen=True)
class RefillDue:
    """The next refill date and the limit that decided it."""

    at: datetime
    after: Duration
    reason: DueReason
    alarm_at: datetime
    margin: Sourced[Duration]
    binding_stability: StabilityLimit | None
    explanation: str


def next_refill_due(
    filled_at: datetime,
    alarm_after: Duration,
    margin: Sourced[Duration],
    stability: Sequence[StabilityLimit] = (),
) -> RefillDue:
    """The earlier of (alarm - margin) and (fill + shortest stability limit), never before fill."""
    by_alarm = alarm_after - margin.value
    if by_alarm.is_negative():
        by_alarm = Duration.zero()
    shortest = min(stability, key=lambda s: s.limit.value.to("day"), default=None)
    alarm_at = moment_after(filled_at, alarm_after)
    if shortest is not None and shortest.limit.value < by_alarm:
        after = shortest.limit.value
        reason = DueReason.DRUG_STABILITY
        explanation = (
            f"{shortest.drug} ({shortest.basis}) may stay in the pump at most "
            f"{shortest.limit.value} {shortest.limit.tag()}, which ends before the alarm "
            f"date less the {margin.value} margin"
        )
    else:
        after = by_alarm
        reason = DueReason.ALARM_MARGIN
        explanation = (
            f"{margin.value} {margin.tag()} before the low-reservoir alarm on "
            f"{alarm_at:%Y-%m-%d %H:%M}"
        )
    return RefillDue(
        at=moment_after(filled_at, after),
        after=after.in_unit("day"),
        reason=reason,
        alarm_at=alarm_at,
        margin=margin,
        binding_stability=shortest if reason is DueReason.DRUG_STABILITY else None,
        explanation=explanation,
    )

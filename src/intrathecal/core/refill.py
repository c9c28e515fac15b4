"""The refill plan: one value bundling reservoir milestones, due date and volume checks.

``plan_refill`` takes what the clinician knows at a refill (volume filled, when, the new
program's mean and worst-case daily volume, optionally the residual found and the last
fill) and returns a ``RefillPlan``: when the low-reservoir alarm will sound and when the
pump will be empty (at the worst-case rate when patient boluses are allowed, as the
Prometra controller assumes), when to refill next and why, the residual and post-refill
checks, and findings that name their level and source. Pure: no I/O beyond the packaged
data file, no clock.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime

from intrathecal.core.errors import InvalidInput
from intrathecal.core.program import BridgeBolus, PrimingBolus, Solution
from intrathecal.core.quantities import Duration, Volume, VolumeRate
from intrathecal.core.refill_checks import (
    PostRefillCheck,
    ResidualCheck,
    check_post_refill,
    check_residual,
)
from intrathecal.core.refill_config import PumpFamily, RefillConfig, load_refill_config
from intrathecal.core.refill_due import (
    RefillDue,
    StabilityLookup,
    next_refill_due,
    stability_limits,
)
from intrathecal.core.refill_math import (
    CatheterSegment,
    bridge_bolus,
    duration_between,
    moment_after,
    priming_bolus,
    time_until,
)
from intrathecal.core.sourced_data import Sourced


class Level(enum.Enum):
    """How much attention a refill finding needs."""

    INFO = "info"
    WARNING = "warning"
    INVESTIGATE = "investigate"


@dataclass(frozen=True)
class RefillFinding:
    """One thing the clinician should know about this refill, with its source."""

    rule: str
    level: Level
    message: str
    source: str = ""


@dataclass(frozen=True)
class LastFill:
    """The previous fill, to compare the residual found now with the expected one.

    ``daily_volume`` is the mean daily volume actually run since then (including patient
    boluses taken); when ``None`` the new program's mean daily volume is used.
    """

    volume: Volume
    at: datetime
    measured_residual: Volume
    daily_volume: VolumeRate | None = None


@dataclass(frozen=True)
class PostRefillMeasurement:
    """Volume injected at this refill and the reservoir volume measured afterwards."""

    injected: Volume
    measured: Volume


@dataclass(frozen=True)
class BridgeRequest:
    """A concentration change at this refill: the old infusate still in pump and catheter."""

    catheter: CatheterSegment
    pump_internal_volume: Volume
    old_daily_volume: VolumeRate
    old_solution: Solution


@dataclass(frozen=True)
class PrimingRequest:
    """An empty catheter segment (after catheter work) to fill at the device's priming rate."""

    empty_segment: CatheterSegment
    pump_path_volume: Volume
    priming_rate: VolumeRate


@dataclass(frozen=True)
class RefillRequest:
    """Everything ``plan_refill`` needs; quantities carry their units."""

    filled: Volume
    filled_at: datetime
    mean_daily_volume: VolumeRate
    worst_case_daily_volume: VolumeRate | None = None
    reservoir: Volume | None = None
    pump_family: str = "synchromed-ii"
    alarm_volume: Volume | None = None
    drugs: tuple[str, ...] = ()
    first_fill: bool = False
    ziconotide_diluted: bool | None = None
    last_fill: LastFill | None = None
    post_refill: PostRefillMeasurement | None = None
    bridge: BridgeRequest | None = None
    priming: PrimingRequest | None = None


@dataclass(frozen=True)
class Milestone:
    """A reservoir event: how long after the fill, and when."""

    after: Duration
    at: datetime


@dataclass(frozen=True)
class RefillPlan:
    """The result of planning a refill (see the module docstring)."""

    pump: PumpFamily
    filled: Volume
    filled_at: datetime
    reservoir: Volume | None
    drugs: tuple[str, ...]
    mean_daily_volume: VolumeRate
    planning_daily_volume: VolumeRate
    worst_case_used: bool
    alarm_volume: Volume
    alarm_volume_default: Sourced[Volume] | None
    alarm: Milestone
    empty: Milestone
    alarm_at_mean_rate: Milestone
    empty_at_mean_rate: Milestone
    due: RefillDue
    residual_check: ResidualCheck | None
    post_refill_check: PostRefillCheck | None
    bridge_bolus: BridgeBolus | None
    priming_bolus: PrimingBolus | None
    config_version: str
    findings: tuple[RefillFinding, ...] = ()

    @property
    def needs_investigation(self) -> bool:
        """True when any finding asks for an investigation (not only a note)."""
        return any(f.level is Level.INVESTIGATE for f in self.findings)


def _milestone(filled: Volume, target: Volume, rate: VolumeRate, at: datetime) -> Milestone:
    after = time_until(filled, target, rate).in_unit("day")
    return Milestone(after, moment_after(at, after))


def _validate(req: RefillRequest, alarm: Volume) -> None:
    if req.filled.is_negative() or req.filled.is_zero():
        raise InvalidInput(f"the filled volume must be above zero, got {req.filled}")
    if req.mean_daily_volume.is_negative() or req.mean_daily_volume.is_zero():
        raise InvalidInput(
            f"a refill plan needs a mean daily volume above zero, got {req.mean_daily_volume}"
        )
    worst = req.worst_case_daily_volume
    if worst is not None and worst < req.mean_daily_volume:
        raise InvalidInput(
            f"the worst-case daily volume {worst} is below the mean {req.mean_daily_volume}"
        )
    if alarm.is_negative():
        raise InvalidInput(f"the alarm volume must not be negative, got {alarm}")
    if req.reservoir is not None:
        if req.filled > req.reservoir:
            raise InvalidInput(
                f"the filled volume {req.filled} exceeds the reservoir capacity {req.reservoir}"
            )
        if alarm >= req.reservoir:
            raise InvalidInput(
                f"the alarm volume {alarm} must be below the reservoir capacity {req.reservoir}"
            )
    if req.post_refill is not None and req.reservoir is None:
        raise InvalidInput("the post-refill volume check needs the reservoir capacity")
    if req.last_fill is not None and req.reservoir is not None:
        for value, what in (
            (req.last_fill.volume, "last fill volume"),
            (req.last_fill.measured_residual, "measured residual"),
        ):
            if value > req.reservoir:
                raise InvalidInput(
                    f"the {what} {value} exceeds the reservoir capacity {req.reservoir}"
                )


def _residual(req: RefillRequest, config: RefillConfig, pump: PumpFamily) -> ResidualCheck | None:
    last = req.last_fill
    if last is None:
        return None
    return check_residual(
        last_fill=last.volume,
        daily_volume=last.daily_volume or req.mean_daily_volume,
        elapsed=duration_between(last.at, req.filled_at),
        measured=last.measured_residual,
        absolute_limit=config.residual_discrepancy_limit,
        accuracy_percent=pump.accuracy_percent,
    )


def _findings(
    plan: RefillPlan, lookup: StabilityLookup, config: RefillConfig
) -> tuple[RefillFinding, ...]:
    """Everything worth telling the clinician about a plan, most routine first."""
    findings: list[RefillFinding] = []
    if plan.filled <= plan.alarm_volume:
        findings.append(
            RefillFinding(
                "fill_at_or_below_alarm",
                Level.WARNING,
                f"the fill {plan.filled} is at or below the alarm volume {plan.alarm_volume}: "
                "the low-reservoir alarm will sound at once",
            )
        )
    if plan.due.after.is_zero():
        findings.append(
            RefillFinding(
                "refill_due_now",
                Level.WARNING,
                "the refill margin is longer than the time to the alarm: the next refill is "
                "due at once",
                config.refill_margin.source.citation,
            )
        )
    if config.refill_margin.unverified:
        findings.append(
            RefillFinding(
                "refill_margin_unverified",
                Level.INFO,
                f"refill margin {config.refill_margin.value} is an unverified default; "
                "set it to local practice",
                config.refill_margin.source.citation,
            )
        )
    if plan.worst_case_used:
        findings.append(
            RefillFinding(
                "worst_case_rate",
                Level.INFO,
                "dates assume every allowed patient bolus is taken "
                f"({plan.planning_daily_volume}); at the mean {plan.mean_daily_volume} the "
                "alarm comes on "
                f"{plan.alarm_at_mean_rate.at:%Y-%m-%d}",
            )
        )
    findings.extend(
        RefillFinding(
            "no_stability_limit",
            Level.WARNING,
            f"no in-pump stability limit on file for {drug}: the due date rests on the alarm "
            "margin only; check the drug's label or compounding pharmacy",
        )
        for drug in lookup.missing
    )
    findings.extend(
        RefillFinding("stability_assumption", Level.WARNING, text) for text in lookup.assumptions
    )
    if not plan.drugs:
        findings.append(
            RefillFinding(
                "no_drug_given",
                Level.WARNING,
                "no drug given: drug stability limits were not applied",
            )
        )
    residual = plan.residual_check
    if residual is not None:
        if residual.needs_investigation:
            findings.append(
                RefillFinding(
                    "residual_discrepancy",
                    Level.INVESTIGATE,
                    residual.message,
                    config.residual_discrepancy_limit.source.citation,
                )
            )
        if residual.expected_empty:
            findings.append(
                RefillFinding(
                    "expected_empty_before_refill",
                    Level.WARNING,
                    "the last program was expected to have emptied the pump before this "
                    "refill: ask about withdrawal symptoms and review the refill interval",
                )
            )
    post = plan.post_refill_check
    if post is not None and (post.exceeds_limit or post.limit is None):
        findings.append(
            RefillFinding(
                "post_refill_gap",
                Level.INVESTIGATE if post.exceeds_limit else Level.WARNING,
                post.message,
                post.limit.limit.source.citation if post.limit is not None else "",
            )
        )

    bridge = plan.bridge_bolus
    if bridge is not None:
        findings.append(
            RefillFinding(
                "bridge_bolus",
                Level.INFO,
                f"concentration change: bridge bolus of {bridge.volume.format('mL', 4)} over "
                f"{bridge.duration.format('h', 4)} pushes the old "
                f"{', '.join(bridge.old_solution.drugs)} out at the old rate",
            )
        )
    priming = plan.priming_bolus
    if priming is not None:
        findings.append(
            RefillFinding(
                "priming_bolus",
                Level.WARNING,
                f"priming bolus of {priming.volume.format('mL', 4)} over "
                f"{priming.duration.format('h', 4)}: drug and catheter fluid mix, so the "
                "patient may get drug early and then a weaker infusate; give it only under "
                "medical supervision",
                "Medtronic, Important labeling updates related to priming bolus with the "
                "SynchroMed II infusion system",
            )
        )

    return tuple(findings)


def plan_refill(request: RefillRequest, config: RefillConfig | None = None) -> RefillPlan:
    """Plan the interval after a refill and check the volumes recorded at it."""
    config = config or load_refill_config()
    pump = config.pump_family(request.pump_family)
    default_alarm = None if request.alarm_volume is not None else pump.low_reservoir_alarm
    alarm = request.alarm_volume or pump.low_reservoir_alarm.value
    _validate(request, alarm)

    worst = request.worst_case_daily_volume
    worst_used = worst is not None and worst > request.mean_daily_volume
    planning = worst if worst is not None and worst_used else request.mean_daily_volume
    at = request.filled_at
    alarm_ms = _milestone(request.filled, alarm, planning, at)
    empty_ms = _milestone(request.filled, Volume.zero(), planning, at)
    alarm_mean = _milestone(request.filled, alarm, request.mean_daily_volume, at)
    empty_mean = _milestone(request.filled, Volume.zero(), request.mean_daily_volume, at)

    lookup = stability_limits(
        request.drugs,
        config,
        first_fill=request.first_fill,
        ziconotide_diluted=request.ziconotide_diluted,
    )
    due = next_refill_due(at, alarm_ms.after, config.refill_margin, lookup.limits)
    residual = _residual(request, config, pump)
    post = None
    if request.post_refill is not None and request.reservoir is not None:
        post = check_post_refill(
            request.post_refill.injected,
            request.post_refill.measured,
            request.reservoir,
            config.gap_limit_for(request.reservoir),
        )

    bridge = None
    if request.bridge is not None:
        b = request.bridge
        bridge = bridge_bolus(
            b.catheter, b.pump_internal_volume, b.old_daily_volume, b.old_solution
        )
    priming = None
    if request.priming is not None:
        pr = request.priming
        priming = priming_bolus(pr.empty_segment, pr.pump_path_volume, pr.priming_rate)

    plan = RefillPlan(
        pump=pump,
        filled=request.filled,
        filled_at=at,
        reservoir=request.reservoir,
        drugs=request.drugs,
        mean_daily_volume=request.mean_daily_volume,
        planning_daily_volume=planning,
        worst_case_used=worst_used,
        alarm_volume=alarm,
        alarm_volume_default=default_alarm,
        alarm=alarm_ms,
        empty=empty_ms,
        alarm_at_mean_rate=alarm_mean,
        empty_at_mean_rate=empty_mean,
        due=due,
        residual_check=residual,
        post_refill_check=post,
        bridge_bolus=bridge,
        priming_bolus=priming,
        config_version=config.version,
    )
    return replace(plan, findings=_findings(plan, lookup, config))

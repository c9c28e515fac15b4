"""What the pump ran since a fill: the prescription versions in force over an interval.

A version runs from its creation once the pump holds its solution. A version with another
drug or concentration (prescribed ahead of the refill that brings the new solution, as the
refill requires) waits for that refill: until then the pump keeps running the last version
whose solution it holds. The expected residual integrates these versions, not the current
one over the whole interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from intrathecal.clinic.records import Implant, PrescriptionVersion
from intrathecal.core.program import Prescription
from intrathecal.core.program_math import mean_rate
from intrathecal.core.quantities import Concentration, Volume, VolumeRate
from intrathecal.core.refill_math import duration_between


@dataclass(frozen=True)
class FillInPump:
    """The last fill: volume, when, and the drug and concentration it put in the reservoir."""

    volume: Volume
    at: datetime
    drug: str
    concentration: Concentration


@dataclass(frozen=True)
class Segment:
    """One stretch of the interval and the program the pump ran during it."""

    start: datetime
    end: datetime
    program: Prescription


#: Version statuses the pump may have run (a pending or withdrawn version never ran).
RUN_STATUSES = ("active", "superseded")


def in_force(history: Sequence[PrescriptionVersion], implant: Implant) -> list[PrescriptionVersion]:
    """The versions of ``history`` programmed for ``implant`` that were put in force."""
    return [p for p in history if p.implant_id == implant.id and p.status in RUN_STATUSES]


def holds(program: Prescription, drug: str, concentration: Concentration) -> bool:
    """True when ``program``'s solution has ``drug`` at ``concentration``."""
    solution = program.solution
    return drug in solution.drugs and solution.concentration_of(drug) == concentration


def segments(
    history: Sequence[PrescriptionVersion], fill: FillInPump, until: datetime
) -> tuple[Segment, ...]:
    """The programs run from ``fill.at`` to ``until``, oldest first (empty: none on record)."""
    runnable = sorted(
        (p for p in history if holds(p.program, fill.drug, fill.concentration)),
        key=lambda p: (p.created_at, p.version),
    )
    if not runnable:
        return ()
    before = [p for p in runnable if p.created_at <= fill.at]
    # A version programmed after the fill (the first program after an implant fill) runs
    # from the fill: the pump was filled and programmed in one visit.
    current = before[-1] if before else runnable[0]
    start = fill.at
    out: list[Segment] = []
    for version in runnable:
        if version.created_at <= start or version is current:
            continue
        if version.created_at >= until:
            break
        out.append(Segment(start, version.created_at, current.program))
        current, start = version, version.created_at
    out.append(Segment(start, until, current.program))
    return tuple(out)


def delivered_daily_volume(runs: Sequence[Segment]) -> VolumeRate | None:
    """The mean daily volume over ``runs`` (each program's mean rate, time-weighted)."""
    if not runs:
        return None
    total = duration_between(runs[0].start, runs[-1].end)
    if total.is_zero():
        return None
    volume = Volume.zero()
    for run in runs:
        volume = volume + mean_rate(run.program) * duration_between(run.start, run.end)
    rate: VolumeRate = (volume / total).in_unit("mL/day")
    return rate

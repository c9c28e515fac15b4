"""Keeping the worklist read model (CareStatus) current: pure functions of the new facts.

Each use case that changes something the worklist looks at calls one of these and stores
the result in the same transaction, so the worklist query never has to scan history.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from intrathecal.clinic.config import ClinicSettings
from intrathecal.clinic.records import CareStatus, Implant, Refill
from intrathecal.core.quantities import Concentration, DoseRate


def after_implant(status: CareStatus, implant: Implant, settings: ClinicSettings) -> CareStatus:
    """A new pump: estimated ERI date and the first wound check."""
    years = settings.eri_estimate_years.value
    return dataclasses.replace(
        status,
        implanted_on=implant.implanted_on,
        eri_due=_add_years(implant.implanted_on, years),
        wound_check_due=implant.implanted_on
        + timedelta(days=settings.wound_check_after_days.value),
        alarm_date=None,
        refill_due=None,
        discrepancy_flag=False,
        discrepancy_ml=None,
        discrepancy_critical=False,
        discrepancy_note="",
        eri_reported=False,
        eos_due=None,
    )


def after_prescription(
    status: CareStatus,
    history: Sequence[tuple[datetime, Mapping[str, DoseRate]]],
    concentration: Concentration,
    is_baclofen: bool,
    opioids: frozenset[str],
    granuloma_reason: str,
    settings: ClinicSettings,
) -> CareStatus:
    """Every current drug, granuloma flag, yearly dose trend and endocrine review.

    ``history`` holds each version's time and the daily dose of every drug in it, oldest
    first. The yearly rise is the largest over the opioids (over every drug when none is an
    opioid), so a drug listed second in an admixture is tracked like the first. The stored
    dose and ``concentration`` columns describe the first drug; ``drug`` names them all.
    """
    at, doses = history[-1]
    first = next(iter(doses))
    on_opioid = bool(opioids)
    tracked = [d for d in doses if d in opioids] or list(doses)
    rises = [r for r in (_yearly_rise_percent(history, d) for d in tracked) if r is not None]
    rise = max(rises, default=None)
    endocrine_due = status.endocrine_due
    if on_opioid and endocrine_due is None:
        start = status.implanted_on or at.date()
        endocrine_due = start + timedelta(days=settings.endocrine_review_interval_days.value)
    if not on_opioid:
        endocrine_due = None
    return dataclasses.replace(
        status,
        drug=" + ".join(doses)[:40],
        is_baclofen=is_baclofen,
        on_opioid=on_opioid,
        daily_dose_mcg=float(doses[first].to("mcg/day")),
        concentration_mcg_per_ml=float(concentration.to("mcg/mL")),
        granuloma_risk=bool(granuloma_reason),
        granuloma_reason=granuloma_reason[:300],
        dose_rise_pct=rise,
        rising_dose=on_opioid
        and rise is not None
        and rise > settings.rising_dose_percent_per_year.value,
        endocrine_due=endocrine_due,
    )


def after_refill(status: CareStatus, refill: Refill) -> CareStatus:
    """New alarm and due dates; the discrepancy flag reflects the latest refill only."""
    return dataclasses.replace(
        after_fill(status, refill.alarm_date, refill.next_due),
        discrepancy_flag=refill.discrepancy_flag,
        discrepancy_ml=float(refill.discrepancy.to("mL")),
        discrepancy_critical=refill.discrepancy_flag and refill.discrepancy_critical,
        discrepancy_note=refill.discrepancy_note if refill.discrepancy_flag else "",
    )


def after_fill(status: CareStatus, alarm: date, due: date) -> CareStatus:
    """The low-reservoir alarm and refill due dates of the fill now in the pump."""
    return dataclasses.replace(status, alarm_date=alarm, refill_due=due)


def after_visit(status: CareStatus, kind: str, on: date, settings: ClinicSettings) -> CareStatus:
    """A completed wound check or endocrine review clears or moves its item."""
    if kind == "wound_check":
        return dataclasses.replace(status, wound_check_due=None)
    if kind == "endocrine_review" and status.on_opioid:
        interval = timedelta(days=settings.endocrine_review_interval_days.value)
        return dataclasses.replace(status, endocrine_due=on + interval)
    return status


def _yearly_rise_percent(
    history: Sequence[tuple[datetime, Mapping[str, DoseRate]]], drug: str
) -> float | None:
    """Dose rise of ``drug`` against the version in force a year earlier (or the oldest
    version holding it within that year)."""
    at, doses = history[-1]
    same = [(when, d[drug]) for when, d in history if drug in d]
    cutoff = at - timedelta(days=365)
    before = [entry for entry in same if entry[0] <= cutoff]
    baseline = before[-1] if before else same[0]
    if baseline[0] == at:
        return None
    old = baseline[1].to("mcg/day")
    if old == 0:
        return None
    return float((doses[drug].to("mcg/day") - old) / old * 100)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)

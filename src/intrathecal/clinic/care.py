"""Keeping the worklist read model (CareStatus) current: pure functions of the new facts.

Each use case that changes something the worklist looks at calls one of these and stores
the result in the same transaction, so the worklist query never has to scan history.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, timedelta

from intrathecal.clinic.config import ClinicSettings
from intrathecal.clinic.records import CareStatus, Implant, PrescriptionVersion, Refill


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
    )


def after_prescription(
    status: CareStatus,
    history: Sequence[PrescriptionVersion],
    is_baclofen: bool,
    on_opioid: bool,
    granuloma_reason: str,
    settings: ClinicSettings,
) -> CareStatus:
    """The current drug and dose, granuloma flag, yearly dose trend and endocrine review."""
    current = history[-1]
    day = current.created_at.date()
    dose_mcg = float(current.daily_dose.to("mcg/day"))
    rise = _yearly_rise_percent(history)
    endocrine_due = status.endocrine_due
    if on_opioid and endocrine_due is None:
        start = status.implanted_on or day
        endocrine_due = start + timedelta(days=settings.endocrine_review_interval_days.value)
    if not on_opioid:
        endocrine_due = None
    return dataclasses.replace(
        status,
        drug=current.drug,
        is_baclofen=is_baclofen,
        on_opioid=on_opioid,
        daily_dose_mcg=dose_mcg,
        concentration_mcg_per_ml=float(current.concentration.to("mcg/mL")),
        granuloma_risk=bool(granuloma_reason),
        granuloma_reason=granuloma_reason[:300],
        dose_rise_pct=rise,
        rising_dose=on_opioid
        and rise is not None
        and rise > settings.rising_dose_percent_per_year.value,
    )


def after_refill(status: CareStatus, refill: Refill) -> CareStatus:
    """New alarm and due dates; the discrepancy flag reflects the latest refill only."""
    return dataclasses.replace(
        status,
        alarm_date=refill.alarm_date,
        refill_due=refill.next_due,
        discrepancy_flag=refill.discrepancy_flag,
        discrepancy_ml=float(refill.discrepancy.to("mL")),
    )


def after_visit(status: CareStatus, kind: str, on: date, settings: ClinicSettings) -> CareStatus:
    """A completed wound check or endocrine review clears or moves its item."""
    if kind == "wound_check":
        return dataclasses.replace(status, wound_check_due=None)
    if kind == "endocrine_review" and status.on_opioid:
        interval = timedelta(days=settings.endocrine_review_interval_days.value)
        return dataclasses.replace(status, endocrine_due=on + interval)
    return status


def _yearly_rise_percent(history: Sequence[PrescriptionVersion]) -> float | None:
    """Dose rise of the current drug against the version in force a year earlier (or the
    oldest version of the same drug within that year)."""
    current = history[-1]
    same = [p for p in history if p.drug == current.drug]
    cutoff = current.created_at - timedelta(days=365)
    before = [p for p in same if p.created_at <= cutoff]
    baseline = before[-1] if before else same[0]
    if baseline is current:
        return None
    old = baseline.daily_dose.to("mcg/day")
    if old == 0:
        return None
    return float((current.daily_dose.to("mcg/day") - old) / old * 100)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)

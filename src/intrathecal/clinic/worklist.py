"""The clinic worklist: what needs doing, most urgent first, worded for the clinician.

The storage query does the filtering and ranking over the CareStatus read model (one
indexed range per rule); this module sets the horizons from ``data/clinic.yaml`` and words
each item. Critical items for baclofen patients (abrupt withdrawal is life-threatening)
come first.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from intrathecal.clinic import config
from intrathecal.clinic.permissions import require
from intrathecal.clinic.records import Actor, WorklistItem, WorklistQuery, WorklistRow
from intrathecal.clinic.uow import UnitOfWork

SEVERITY = {4: "critical", 3: "high", 2: "medium", 1: "low"}


def worklist_query(today: date, limit: int = 200, patient_id: int | None = None) -> WorklistQuery:
    """The query for ``today`` with the configured horizons."""
    s = config.settings()
    return WorklistQuery(
        today=today,
        refill_horizon=today + timedelta(days=s.refill_horizon_days.value),
        eri_horizon=today + timedelta(days=s.eri_horizon_days.value),
        endocrine_horizon=today + timedelta(days=s.endocrine_horizon_days.value),
        wound_horizon=today + timedelta(days=s.wound_horizon_days.value),
        limit=limit,
        patient_id=patient_id,
    )


def worklist(
    uow: UnitOfWork, actor: Actor, today: date | None = None, limit: int = 200
) -> list[WorklistItem]:
    """The ranked worklist (audited with the patients it showed)."""
    require(actor, "worklist.read")
    query = worklist_query(today or datetime.now(UTC).date(), limit)
    with uow.for_reads():
        rows = uow.care_status.worklist(query)
        uow.audit.append_read(
            actor,
            "worklist.read",
            None,
            {"items": len(rows), "patients": sorted({r.patient_id for r in rows})},
        )
        uow.commit()
    return [describe(row, query.today) for row in rows]


def describe(row: WorklistRow, today: date) -> WorklistItem:
    """Word one row: severity label and a reason with the numbers behind it."""
    s = row.status
    severity = "critical" if row.critical else SEVERITY[row.rank]
    settings = config.settings()
    reason = {
        "device_alert": lambda: f"device alert since {s.device_alert_since}: {s.device_alert}",
        "refill": lambda: _refill_reason(row, today),
        "eri": lambda: _eri_reason(row),
        "discrepancy": lambda: (
            s.discrepancy_note
            or (
                f"last refill residual differed from expected by "
                f"{s.discrepancy_ml:+.2f} mL: investigate delivery"
            )
        ),
        "adverse_event_workup": lambda: (
            f"urgent work-up: {s.workup_reason} - rule out a catheter-tip granuloma or "
            "infection (see the emergency protocols)"
        ),
        "granuloma_risk": lambda: s.granuloma_reason or "granuloma risk flagged by the dose rules",
        "rising_dose": lambda: (
            f"{s.drug} dose rose {s.dose_rise_pct:.0f}% over the last year "
            f"(flag above {settings.rising_dose_percent_per_year.value}% "
            f"{settings.rising_dose_percent_per_year.tag()}): review tolerance and granuloma"
        ),
        "endocrine_review": lambda: (
            f"yearly endocrine review on intrathecal opioids due "
            f"{s.endocrine_due} (interval {settings.endocrine_review_interval_days.value} days "
            f"{settings.endocrine_review_interval_days.tag()})"
        ),
        "wound_check": lambda: (
            f"post-implant wound check due {s.wound_check_due} (implanted {s.implanted_on})"
        ),
    }[row.kind]()
    if s.is_baclofen and row.critical:
        reason = "BACLOFEN - abrupt withdrawal is life-threatening: " + reason
    return WorklistItem(
        patient_id=row.patient_id,
        patient_name=f"{row.family_name}, {row.given_name}",
        kind=row.kind,
        due=row.due,
        severity=severity,
        reason=reason,
        baclofen_critical=row.critical and s.is_baclofen,
    )


def _eri_reason(row: WorklistRow) -> str:
    s = row.status
    if s.eri_reported:
        stops = (
            f"; end of service (the pump stops) {s.eos_due}: replace the pump before then"
            if s.eos_due is not None
            else ""
        )
        return f"battery replacement indicator (ERI) reported by the pump on {s.eri_due}{stops}"
    years = config.settings().eri_estimate_years
    return (
        f"battery replacement (ERI) expected {s.eri_due} "
        f"(estimated {years.value} years after implant {years.tag()}; confirm with the pump)"
    )


def _refill_reason(row: WorklistRow, today: date) -> str:
    s = row.status
    if s.alarm_date is not None and s.alarm_date <= today:
        return f"low-reservoir alarm date {s.alarm_date} has passed: refill now ({s.drug})"
    if s.refill_due is not None and s.refill_due < today:
        return f"refill overdue since {s.refill_due} (alarm {s.alarm_date}, {s.drug})"
    return f"refill due {s.refill_due}, before the low-reservoir alarm on {s.alarm_date}"

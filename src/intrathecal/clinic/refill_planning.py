"""Refill planning: which pumps need a refill visit soon, by when, and where they are seen.

A read over the worklist model (care status), each patient's latest refill and their last
visit's location. The refill intervals come from the last refill's own plan (alarm and due
dates after a full fill), so the numbers are the ones the refill recorded, not recomputed.
Scheduling itself (CP-SAT) happens outside the clinic layer; this module only says what is
needed, and ``refill_clinic_settings`` the local capacity defaults from the data file.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta

from intrathecal.clinic.config import whole_number
from intrathecal.clinic.permissions import require
from intrathecal.clinic.records import Actor
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.core.sourced_data import Sourced, load_data_file, section, sourced


@dataclass(frozen=True)
class RefillNeed:
    """One pump to keep filled: when it must be refilled and its usual cycle and location."""

    patient_id: int
    needed_by: date
    alarm_date: date | None
    cycle_days: int
    baclofen: bool
    drug: str | None
    location: str | None


@dataclass(frozen=True)
class RefillClinicSettings:
    """Capacity and margins for proposing a refill schedule (local, unverified defaults)."""

    weekdays: Sourced[tuple[int, ...]]
    nurses_per_location: Sourced[int]
    nurse_minutes_per_day: Sourced[int]
    visit_minutes: Sourced[int]
    travel_minutes_to_other_location: Sourced[int]
    margin_days: Sourced[int]
    baclofen_margin_days: Sourced[int]


def _weekdays(raw: object) -> tuple[int, ...]:
    if not isinstance(raw, list) or not raw or not all(whole_number(d) <= 6 for d in raw):
        raise ValueError(f"expected a list of weekdays 0-6, got {raw!r}")
    return tuple(int(d) for d in raw)


@functools.cache
def refill_clinic_settings() -> RefillClinicSettings:
    """The packaged refill clinic defaults (``data/refill_clinic.yaml``)."""
    data = load_data_file("refill_clinic.yaml")
    where = "refill_clinic.yaml"
    whole = {
        key: sourced(section(data, key, where), f"{where}: {key}", whole_number)
        for key in (
            "nurses_per_location",
            "nurse_minutes_per_day",
            "visit_minutes",
            "travel_minutes_to_other_location",
            "margin_days",
            "baclofen_margin_days",
        )
    }
    weekdays = sourced(section(data, "weekdays", where), f"{where}: weekdays", _weekdays)
    return RefillClinicSettings(weekdays=weekdays, **whole)


def refill_needs(uow: UnitOfWork, actor: Actor, until: date) -> list[RefillNeed]:
    """Pumps whose refill falls due by ``until``, earliest first (one audited read).

    ``needed_by`` is the refill's own due date, brought forward where the planning margin
    (wider for baclofen) before the alarm asks for more; ``cycle_days`` is how long a full
    refill lasts to its alarm, capped by the drug's stability.
    """
    require(actor, "refill.plan")
    margin = refill_clinic_settings()
    needs: list[RefillNeed] = []
    with uow:
        for status in uow.care_status.refills_due_by(until):
            last = uow.refills.latest(status.patient_id)
            if last is None or status.refill_due is None:
                continue
            filled = last.performed_at.date()
            extra = margin.baclofen_margin_days if status.is_baclofen else margin.margin_days
            alarm_gap = (last.alarm_date - filled).days
            due_gap = (last.next_due - filled).days + extra.value
            visits = uow.visits.for_patient(status.patient_id)
            located = [v for v in visits if v.location_code]
            recent = max(located, key=lambda v: v.scheduled_at) if located else None
            needed_by = status.refill_due
            if status.alarm_date is not None:
                needed_by = min(needed_by, status.alarm_date - timedelta(days=extra.value))
            needs.append(
                RefillNeed(
                    patient_id=status.patient_id,
                    needed_by=needed_by,
                    alarm_date=status.alarm_date,
                    cycle_days=max(1, min(alarm_gap, due_gap)),
                    baclofen=status.is_baclofen,
                    drug=status.drug,
                    location=recent.location_code if recent else None,
                )
            )
        uow.audit.append(
            actor,
            "refill.plan.read",
            None,
            {"until": until.isoformat(), "patients": [n.patient_id for n in needs]},
        )
        uow.commit()
    return sorted(needs, key=lambda n: (n.needed_by, n.patient_id))


def solver_alarm_day(need: RefillNeed, start: date, margin_days: int) -> int:
    """The day (from ``start``) to give the scheduler as the alarm, so that alarm minus the
    margin is the refill's own due date (which already holds the drug's stability limit).
    """
    return (need.needed_by + timedelta(days=margin_days) - start).days

"""The worklist query: one indexed branch per rule, each cut to the top N, merged and ranked.

Built once with bind parameters (dates, limit, optional patient) and reused, so a call
costs one round trip. Ranks: 4 device alert or alarm date passed, 3 overdue / needs investigation,
2 due within the horizon, 1 upcoming review. ``critical`` marks baclofen patients with a device
alert, an overdue refill or battery, or an off residual: they sort first.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    cast,
    false,
    literal,
    null,
    or_,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.types import NullType

from intrathecal.clinic.records import CareStatus
from intrathecal.storage import tables as t

PARAMS = ("today", "refill_horizon", "eri_horizon", "endocrine_horizon", "wound_horizon")

#: The care_status column each kind's due date comes from (None: no date; "today": the day).
DUE_COLUMN: dict[str, str | None] = {
    "device_alert": "device_alert_since",
    "adverse_event_workup": "workup_due",
    "refill": "refill_due",
    "eri": "eri_due",
    "discrepancy": "today",
    "granuloma_risk": None,
    "rising_dose": None,
    "endocrine_review": "endocrine_due",
    "wound_check": "wound_check_due",
}


def item_due(kind: str, status: CareStatus, today: date) -> date | None:
    """An item's due date, read from its typed care_status column.

    The query's merged ``due`` column only orders the items: on SQLite a date that passed
    through the union comes back untyped (text from a bound parameter, NULL, or a value
    SQLAlchemy already converted), so the row's date is never parsed from it.
    """
    column = DUE_COLUMN[kind]
    if column is None:
        return None
    if column == "today":
        return today
    due: date | None = getattr(status, column)
    return due


def order_by(items: Any) -> list[Any]:
    """Critical first, then rank, then earliest due (undated last), then patient and kind."""
    return [
        items.c.critical.desc(),
        items.c.rank.desc(),
        items.c.due.is_(None),
        items.c.due,
        items.c.patient_id,
        items.c.kind,
    ]


@functools.cache
def worklist_statement(by_patient: bool) -> Select[Any]:
    """The ranked worklist statement (bind ``today``, the horizons, ``limit``, ``patient_id``).

    Each rule is split into parts whose rank and criticality are constant or fall as the
    due date rises, so a part's own top N is simply its first N rows in (due, patient)
    order: an index range scan that stops early instead of a sort of every candidate.
    """
    cs = t.care_status
    today = bindparam("today", type_=Date)
    limit = bindparam("limit", type_=Integer)
    bac = cs.c.is_baclofen == true()
    not_bac = cs.c.is_baclofen == false()
    no_date = cast(null(), Date)

    def part(kind: str, due: Any, rank: Any, critical: bool, where: Any, order: Any) -> Any:
        conditions = [where]
        if by_patient:
            conditions.append(cs.c.patient_id == bindparam("patient_id", type_=Integer))
        return (
            select(
                cs.c.patient_id.label("patient_id"),
                literal(kind).label("kind"),
                due.label("due"),
                rank.label("rank"),
                (true() if critical else false()).label("critical"),
            )
            .where(and_(*conditions))
            .order_by(*order, cs.c.patient_id)
            .limit(limit)
            .subquery()
            .select()
        )

    rd, alarm = cs.c.refill_due, cs.c.alarm_date
    alarm_passed = alarm <= today
    alarm_ahead = or_(alarm.is_(None), alarm > today)
    in_refill = rd <= bindparam("refill_horizon", type_=Date)
    eri = cs.c.eri_due
    in_eri = eri <= bindparam("eri_horizon", type_=Date)
    endo, wound = cs.c.endocrine_due, cs.c.wound_check_due
    flag = cs.c.discrepancy_flag == true()
    weighty = cs.c.discrepancy_critical == true()
    not_weighty = cs.c.discrepancy_critical == false()
    workup = cs.c.workup_due
    since = cs.c.device_alert_since
    parts = [
        # device alert (critical pump alarm, catheter fault): baclofen patients first
        part("device_alert", since, literal(4), True, and_(since.is_not(None), bac), [since]),
        part("device_alert", since, literal(4), False, and_(since.is_not(None), not_bac), [since]),
        # an adverse event needing an urgent work-up (neurological deficit, infection...)
        part("adverse_event_workup", workup, literal(4), True, workup.is_not(None), [workup]),
        # refill: baclofen overdue (critical), then alarm passed, then overdue, then due soon
        part("refill", rd, literal(4), True, and_(bac, rd < today, alarm_passed), [rd]),
        part("refill", rd, literal(3), True, and_(bac, rd < today, alarm_ahead), [rd]),
        part(
            "refill",
            rd,
            literal(4),
            False,
            and_(or_(not_bac, rd >= today), alarm_passed, in_refill),
            [rd],
        ),
        part(
            "refill",
            rd,
            case((rd < today, 3), else_=2),
            False,
            and_(or_(not_bac, rd >= today), alarm_ahead, in_refill),
            [rd],
        ),
        # battery: baclofen past ERI (critical), then the rest within the horizon
        part("eri", eri, literal(3), True, and_(bac, eri < today), [eri]),
        part(
            "eri",
            eri,
            case((eri < today, 3), else_=2),
            False,
            and_(or_(not_bac, eri >= today), in_eri),
            [eri],
        ),
        # residual discrepancy at the last refill: critical for baclofen patients (withdrawal)
        # and when the missing drug is weighty (overdose or pocket fill)
        part("discrepancy", today, literal(4), True, and_(flag, weighty), []),
        part("discrepancy", today, literal(3), True, and_(flag, not_weighty, bac), []),
        part("discrepancy", today, literal(3), False, and_(flag, not_weighty, not_bac), []),
        part("granuloma_risk", no_date, literal(2), False, cs.c.granuloma_risk == true(), []),
        part("rising_dose", no_date, literal(2), False, cs.c.rising_dose == true(), []),
        part(
            "endocrine_review",
            endo,
            case((endo < today, 2), else_=1),
            False,
            and_(endo <= bindparam("endocrine_horizon", type_=Date), cs.c.on_opioid == true()),
            [endo],
        ),
        part(
            "wound_check",
            wound,
            case((wound < today, 3), else_=2),
            False,
            wound <= bindparam("wound_horizon", type_=Date),
            [wound],
        ),
    ]
    items = union_all(*parts).subquery("items")
    top = select(items).order_by(*order_by(items)).limit(limit).subquery("top")
    # The merged ``due`` orders the items but is handed back unconverted (NullType): on
    # SQLite its values may be text or whatever a union yields, so no date parser touches
    # it; ``item_due`` reads each row's date from its typed care_status column instead.
    merged_due = type_coerce(top.c.due, NullType()).label("due")
    return (
        select(
            top.c.patient_id,
            top.c.kind,
            merged_due,
            top.c.rank,
            top.c.critical,
            t.patients.c.family_name,
            t.patients.c.given_name,
            *cs.c,
        )
        .join(t.patients, t.patients.c.id == top.c.patient_id)
        .join(cs, cs.c.patient_id == top.c.patient_id)
        .order_by(*order_by(top))
    )

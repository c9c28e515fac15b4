"""Refill use case: discrepancy flag, dates from the core plan, and all-or-nothing writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from intrathecal.clinic.commands import RecordRefill
from intrathecal.clinic.errors import ValidationFailed
from intrathecal.clinic.refills import record_refill
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.core.quantities import Concentration, Volume
from tests.clinic.builders import programmed
from tests.clinic.conftest import Staff

START = datetime.now(UTC) - timedelta(days=8)


def refill(pid: int, at: datetime, residual: str, added: str = "18 mL", **kw: Any) -> RecordRefill:
    return RecordRefill(
        patient_id=pid,
        performed_at=at,
        drug="morphine",
        lot="LOT-42",
        concentration=Concentration.parse("10 mg/mL"),
        measured_residual=Volume.parse(residual),
        volume_added=Volume.parse(added),
        **kw,
    )


def test_refill_flags_discrepancy_when_residual_exceeds_expected_by_more_than_2_ml(
    uow: UnitOfWork, staff: Staff
) -> None:
    pid = programmed(uow, staff).id or 0
    record_refill(uow, refill(pid, START, "0 mL"), staff.nurse)
    # 0.05 mL/day for 7 days from 18 mL: expected 17.65 mL; found 20 mL -> +2.35 mL
    result = record_refill(uow, refill(pid, START + timedelta(days=7), "20 mL"), staff.nurse)
    stored = result.refill
    assert stored.expected_residual == Volume(Decimal("17.65"), "mL")
    assert stored.discrepancy == Volume(Decimal("2.35"), "mL")
    assert stored.discrepancy_flag
    with uow:
        status = uow.care_status.get(pid)
    assert status is not None
    assert status.discrepancy_flag
    assert status.refill_due == stored.next_due < stored.alarm_date


def test_refill_within_accuracy_is_not_flagged(uow: UnitOfWork, staff: Staff) -> None:
    pid = programmed(uow, staff).id or 0
    record_refill(uow, refill(pid, START, "0 mL"), staff.nurse)
    result = record_refill(uow, refill(pid, START + timedelta(days=7), "17.6 mL"), staff.nurse)
    assert not result.refill.discrepancy_flag


def test_refill_with_wrong_concentration_is_refused(uow: UnitOfWork, staff: Staff) -> None:
    pid = programmed(uow, staff).id or 0
    wrong = RecordRefill(
        pid,
        START,
        "morphine",
        "L1",
        Concentration.parse("25 mg/mL"),
        Volume.parse("1 mL"),
        Volume.parse("18 mL"),
    )
    with pytest.raises(ValidationFailed, match="concentration"):
        record_refill(uow, wrong, staff.nurse)


def test_scheduler_may_not_record_a_refill(uow: UnitOfWork, staff: Staff) -> None:
    from intrathecal.clinic.errors import PermissionDenied

    pid = programmed(uow, staff).id or 0
    with pytest.raises(PermissionDenied):
        record_refill(uow, refill(pid, START, "0 mL"), staff.scheduler)


class Boom(RuntimeError):
    """The injected crash."""


def test_crash_after_first_insert_leaves_database_as_before(uow: UnitOfWork, staff: Staff) -> None:
    pid = programmed(uow, staff).id or 0
    with uow:
        before = (
            uow.refills.for_patient(pid),
            uow.care_status.get(pid),
            uow.audit.count(),
        )

    # Fail when the use case writes the worklist model, i.e. after the refill row was inserted.
    original_enter = type(uow).__enter__

    def crashing_enter(self: Any) -> Any:
        opened = original_enter(self)

        def put(_status: object) -> None:
            assert self.refills.for_patient(pid), "the refill row should be inserted by now"
            raise Boom("disk on fire")

        self.care_status.put = put
        return opened

    type(uow).__enter__ = crashing_enter  # type: ignore[method-assign]
    try:
        with pytest.raises(Boom):
            record_refill(uow, refill(pid, START, "0 mL"), staff.nurse)
    finally:
        type(uow).__enter__ = original_enter  # type: ignore[method-assign]

    with uow:
        after = (uow.refills.for_patient(pid), uow.care_status.get(pid), uow.audit.count())
    assert after == before

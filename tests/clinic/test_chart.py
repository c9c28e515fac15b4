"""The patient chart use case: every record in one read, audited once, policy applied."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from intrathecal.clinic.chart import patient_chart
from intrathecal.clinic.commands import RecordRefill
from intrathecal.clinic.errors import NotFound, PermissionDenied
from intrathecal.clinic.records import Actor
from intrathecal.clinic.refills import record_refill
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.core.quantities import Concentration, Volume
from tests.clinic.builders import programmed, register
from tests.clinic.conftest import Staff


def _refill(pid: int) -> RecordRefill:
    return RecordRefill(
        patient_id=pid,
        performed_at=datetime.now(UTC) - timedelta(days=2),
        drug="morphine",
        lot="LOT-1",
        concentration=Concentration.parse("10 mg/mL"),
        measured_residual=Volume.parse("0 mL"),
        volume_added=Volume.parse("18 mL"),
    )


def test_chart_holds_every_record_of_the_patient_and_audits_them_once(
    uow: UnitOfWork, staff: Staff
) -> None:
    pid = programmed(uow, staff).id or 0
    refill = record_refill(uow, _refill(pid), staff.nurse).refill
    chart = patient_chart(uow, staff.physician, pid)
    assert chart.patient.id == pid
    assert [len(chart.evaluations), len(chart.trials), len(chart.implants)] == [1, 1, 1]
    assert chart.current_prescription is not None
    assert chart.current_prescription.version == 1
    assert chart.active_implant is not None
    assert [r.id for r in chart.refills] == [refill.id]
    assert chart.care_status is not None
    assert chart.care_status.refill_due == refill.next_due
    assert chart.audit[0].action == "refill.recorded"
    with uow:
        newest = uow.audit.for_patient(pid, 1)[0]
    assert newest.action == "chart.read"
    assert newest.actor_username == staff.physician.username
    assert newest.details["refills"] == [refill.id]
    assert newest.details["prescriptions"] == [1]


def test_patient_sees_own_chart_without_the_audit_trail(uow: UnitOfWork, staff: Staff) -> None:
    pid = register(uow, staff).id or 0
    me = Actor(99, "pat", "patient", patient_id=pid)
    chart = patient_chart(uow, me, pid)
    assert chart.patient.id == pid
    assert chart.audit == ()
    with pytest.raises(PermissionDenied):
        patient_chart(uow, Actor(98, "other", "patient", patient_id=pid + 1), pid)


@pytest.mark.parametrize("role", ["scheduler", "admin"])
def test_roles_without_clinical_access_cannot_open_a_chart(
    uow: UnitOfWork, staff: Staff, role: str
) -> None:
    pid = register(uow, staff).id or 0
    with pytest.raises(PermissionDenied):
        patient_chart(uow, Actor(7, role, role), pid)


def test_chart_of_unknown_patient_is_not_found(uow: UnitOfWork, staff: Staff) -> None:
    with pytest.raises(NotFound):
        patient_chart(uow, staff.nurse, 4242)

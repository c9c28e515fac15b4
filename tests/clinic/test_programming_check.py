"""Checking a program without storing it: the same report programming acts on, audited."""

from __future__ import annotations

import pytest

from intrathecal.clinic.commands import ProgramPrescription
from intrathecal.clinic.errors import PermissionDenied
from intrathecal.clinic.programming import check_prescription
from intrathecal.clinic.uow import UnitOfWork
from tests.clinic.builders import morphine_program, programmed
from tests.clinic.conftest import Staff


def test_check_reports_hard_and_soft_findings_and_stores_nothing(
    uow: UnitOfWork, staff: Staff
) -> None:
    pid = programmed(uow, staff).id or 0
    hard = check_prescription(
        uow, ProgramPrescription(pid, morphine_program("1 mL/day", "25 mg/mL"), 1), staff.physician
    )
    assert hard.refused
    assert "max_daily_dose" in hard.rules()
    soft = check_prescription(
        uow, ProgramPrescription(pid, morphine_program("0.0625 mL/day"), 1), staff.physician
    )
    assert not soft.refused
    assert soft.needs_override
    assert "dose_increase" in soft.rules()
    with uow:
        assert [p.version for p in uow.prescriptions.history(pid)] == [1]
        entry = uow.audit.for_patient(pid, 1)[0]
    assert entry.action == "prescription.checked"
    assert "dose_increase" in entry.details["findings"]


def test_only_physicians_may_check_a_program(uow: UnitOfWork, staff: Staff) -> None:
    pid = programmed(uow, staff).id or 0
    with pytest.raises(PermissionDenied):
        check_prescription(uow, ProgramPrescription(pid, morphine_program(), 1), staff.nurse)

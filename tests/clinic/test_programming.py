"""Programming: safety refusal, two-clinician overrides, versions and optimistic locking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from intrathecal.api.schemas.programming import ProgramIn
from intrathecal.clinic.commands import ConfirmOnPump, OverrideRequest, ProgramPrescription
from intrathecal.clinic.errors import Conflict, SafetyRefused, ValidationFailed
from intrathecal.clinic.programming import confirm_on_pump, program_prescription
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.core.quantities import DoseRate
from tests.clinic.builders import implanted, morphine_program, programmed
from tests.clinic.conftest import Staff


def test_first_program_is_version_one_with_unit_typed_summary(
    uow: UnitOfWork, staff: Staff
) -> None:
    patient = programmed(uow, staff)
    with uow:
        current = uow.prescriptions.current(patient.id or 0)
    assert current is not None
    assert current.version == 1
    assert current.daily_dose == DoseRate(500, "mcg/day")
    assert current.program.solution.drugs == ("morphine",)


def test_hard_finding_refuses_and_writes_nothing(uow: UnitOfWork, staff: Staff) -> None:
    patient = implanted(uow, staff)
    assert patient.id is not None
    with uow:
        before = uow.audit.head()
    with pytest.raises(SafetyRefused, match="max_daily_dose"):
        program_prescription(
            uow,
            ProgramPrescription(patient.id, morphine_program("1 mL/day", "25 mg/mL"), 0),
            staff.physician,
        )
    with uow:
        assert uow.prescriptions.current(patient.id) is None
        assert uow.audit.head() == before


def test_soft_finding_needs_override_by_a_second_different_clinician(
    uow: UnitOfWork, staff: Staff
) -> None:
    patient = programmed(uow, staff)
    pid = patient.id or 0
    raise_25 = morphine_program("0.0625 mL/day")  # 0.5 -> 0.625 mg/day: +25 %
    with pytest.raises(SafetyRefused, match="dose_increase"):
        program_prescription(uow, ProgramPrescription(pid, raise_25, 1), staff.physician)
    same_person = OverrideRequest(
        frozenset({"dose_increase"}), "pain uncontrolled", staff.physician.user_id or 0
    )
    with pytest.raises(ValidationFailed, match="different"):
        program_prescription(
            uow, ProgramPrescription(pid, raise_25, 1, override=same_person), staff.physician
        )
    ok = OverrideRequest(
        frozenset({"dose_increase"}), "pain uncontrolled", staff.physician2.user_id or 0
    )
    result = program_prescription(
        uow, ProgramPrescription(pid, raise_25, 1, override=ok), staff.physician
    )
    assert result.prescription.version == 2
    assert result.prescription.override_by == staff.physician2.user_id
    assert result.prescription.override_reason == "pain uncontrolled"
    with uow:
        history = uow.prescriptions.history(pid)
    assert [p.status for p in history] == ["superseded", "active"]


def test_stale_version_is_a_conflict_never_a_silent_overwrite(
    uow: UnitOfWork, staff: Staff
) -> None:
    patient = programmed(uow, staff)
    pid = patient.id or 0
    lower = morphine_program("0.048 mL/day")
    program_prescription(uow, ProgramPrescription(pid, lower, 1), staff.physician)
    with pytest.raises(Conflict, match="version 2"):
        program_prescription(uow, ProgramPrescription(pid, lower, 1), staff.physician2)
    with uow:
        assert [p.version for p in uow.prescriptions.history(pid)] == [1, 2]


def test_programming_without_implant_is_refused(uow: UnitOfWork, staff: Staff) -> None:
    from tests.clinic.builders import register

    patient = register(uow, staff)
    with pytest.raises(ValidationFailed, match="implant"):
        program_prescription(
            uow, ProgramPrescription(patient.id or 0, morphine_program(), 0), staff.physician
        )


def test_program_breaking_a_core_rule_is_refused_at_the_edge_naming_the_program() -> None:
    body = ProgramIn.model_validate(
        {
            "solution": [
                {"drug": "morphine", "concentration": "10 mg/mL"},
                {"drug": "morphine", "concentration": "5 mg/mL"},
            ],
            "basal": {"continuous": "0.1 mL/day"},
        }
    )
    with pytest.raises(ValidationFailed, match=r"^program: "):
        body.prescription()


def test_confirm_on_pump_records_once(uow: UnitOfWork, staff: Staff) -> None:
    patient = programmed(uow, staff)
    confirmed = confirm_on_pump(uow, ConfirmOnPump(patient.id or 0, 1), staff.nurse)
    assert confirmed.pump_confirmed_by == staff.nurse.user_id
    with pytest.raises(Conflict):
        confirm_on_pump(uow, ConfirmOnPump(patient.id or 0, 1), staff.nurse)


def test_yearly_rise_sets_rising_dose_flag(uow: UnitOfWork, staff: Staff) -> None:
    year_ago = datetime.now(UTC) - timedelta(days=400)
    patient = programmed(uow, staff, at=year_ago)
    pid = patient.id or 0
    ok = OverrideRequest(frozenset({"dose_increase"}), "titration", staff.physician2.user_id or 0)
    program_prescription(
        uow,
        ProgramPrescription(pid, morphine_program("0.1 mL/day"), 1, override=ok),
        staff.physician,
    )
    with uow:
        status = uow.care_status.get(pid)
    assert status is not None
    assert status.rising_dose
    assert status.dose_rise_pct == 100.0

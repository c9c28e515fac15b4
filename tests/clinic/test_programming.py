"""Programming: safety refusal, overrides co-signed in the second physician's own session,
versions and optimistic locking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from intrathecal.api.schemas.programming import ProgramIn
from intrathecal.clinic.commands import (
    ConfirmOnPump,
    DecideOverride,
    OverrideRequest,
    ProgramPrescription,
)
from intrathecal.clinic.errors import Conflict, PermissionDenied, SafetyRefused, ValidationFailed
from intrathecal.clinic.programming import (
    confirm_on_pump,
    cosign_worklist,
    decide_override,
    program_prescription,
)
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


def test_hard_finding_refuses_and_writes_only_the_audited_refusal(
    uow: UnitOfWork, staff: Staff
) -> None:
    patient = implanted(uow, staff)
    assert patient.id is not None
    with uow:
        before = uow.audit.count()
    with pytest.raises(SafetyRefused, match="max_daily_dose"):
        program_prescription(
            uow,
            ProgramPrescription(patient.id, morphine_program("1 mL/day", "25 mg/mL"), 0),
            staff.physician,
        )
    with uow:
        assert uow.prescriptions.history(patient.id) == []
        assert uow.audit.count() == before + 1
        refusal = uow.audit.recent(1)[0]
    assert (refusal.action, refusal.actor_username) == ("prescription.refused", "dr.ada")
    assert "[hard] max_daily_dose" in refusal.details["findings"]
    assert refusal.details["program"]["solution"][0]["concentration"] == "25 mg/mL"


def test_soft_finding_is_stored_pending_until_another_physician_confirms(
    uow: UnitOfWork, staff: Staff
) -> None:
    patient = programmed(uow, staff)
    pid = patient.id or 0
    raise_25 = morphine_program("0.0625 mL/day")  # 0.5 -> 0.625 mg/day: +25 %
    with pytest.raises(SafetyRefused, match="dose_increase"):
        program_prescription(uow, ProgramPrescription(pid, raise_25, 1), staff.physician)
    request = OverrideRequest(frozenset({"dose_increase"}), "pain uncontrolled")
    result = program_prescription(
        uow, ProgramPrescription(pid, raise_25, 1, override=request), staff.physician
    )
    stored = result.prescription
    assert (stored.version, stored.status, stored.override_by) == (2, "pending", None)
    with uow:
        assert uow.prescriptions.current(pid).version == 1  # type: ignore[union-attr]
    with pytest.raises(PermissionDenied, match="own"):
        decide_override(uow, DecideOverride(pid, 2, "confirm"), staff.physician)
    with pytest.raises(PermissionDenied):
        decide_override(uow, DecideOverride(pid, 2, "confirm"), staff.nurse)
    assert [p.version for p in cosign_worklist(uow, staff.physician2)] == [2]
    assert cosign_worklist(uow, staff.physician) == []
    confirmed = decide_override(uow, DecideOverride(pid, 2, "confirm"), staff.physician2)
    assert (confirmed.status, confirmed.override_by) == ("active", staff.physician2.user_id)
    assert confirmed.override_decided_at is not None
    assert confirmed.override_reason == "pain uncontrolled"
    with uow:
        history = uow.prescriptions.history(pid)
        actions = [e.action for e in uow.audit.for_patient(pid)][:2]
    assert [p.status for p in history] == ["superseded", "active"]
    assert actions == ["prescription.override_confirmed", "prescription.override_requested"]
    with pytest.raises(Conflict, match="active"):
        decide_override(uow, DecideOverride(pid, 2, "reject"), staff.physician2)


def test_an_override_request_must_name_every_soft_finding_and_a_real_cosigner(
    uow: UnitOfWork, staff: Staff
) -> None:
    pid = programmed(uow, staff).id or 0
    raise_25 = morphine_program("0.0625 mL/day")
    wrong_code = OverrideRequest(frozenset({"something_else"}), "reason")
    with pytest.raises(SafetyRefused, match="dose_increase"):
        program_prescription(
            uow, ProgramPrescription(pid, raise_25, 1, override=wrong_code), staff.physician
        )
    for cosigner in (staff.physician.user_id, staff.nurse.user_id, 9999):
        bad = OverrideRequest(frozenset({"dose_increase"}), "reason", cosigner)
        with pytest.raises(ValidationFailed, match=r"co-signer|not found"):
            program_prescription(
                uow, ProgramPrescription(pid, raise_25, 1, override=bad), staff.physician
            )
    with uow:
        assert [p.version for p in uow.prescriptions.history(pid)] == [1]


def test_a_pending_request_overtaken_by_a_newer_version_cannot_be_confirmed(
    uow: UnitOfWork, staff: Staff
) -> None:
    pid = programmed(uow, staff).id or 0
    request = OverrideRequest(frozenset({"dose_increase"}), "reason", staff.physician2.user_id)
    program_prescription(
        uow,
        ProgramPrescription(pid, morphine_program("0.0625 mL/day"), 1, override=request),
        staff.physician,
    )
    program_prescription(
        uow, ProgramPrescription(pid, morphine_program("0.048 mL/day"), 1), staff.physician
    )
    with pytest.raises(Conflict, match="withdrawn"):
        decide_override(uow, DecideOverride(pid, 2, "confirm"), staff.physician2)
    with uow:
        assert [(p.version, p.status) for p in uow.prescriptions.history(pid)] == [
            (1, "superseded"),
            (2, "withdrawn"),
            (3, "active"),
        ]


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
    ok = OverrideRequest(frozenset({"dose_increase"}), "titration")
    program_prescription(
        uow,
        ProgramPrescription(pid, morphine_program("0.1 mL/day"), 1, override=ok),
        staff.physician,
    )
    with uow:
        assert uow.care_status.get(pid).rising_dose is False  # type: ignore[union-attr]
    decide_override(uow, DecideOverride(pid, 2, "confirm"), staff.physician2)
    with uow:
        status = uow.care_status.get(pid)
    assert status is not None
    assert status.rising_dose
    assert status.dose_rise_pct == 100.0

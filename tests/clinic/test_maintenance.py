"""Clinic maintenance: implant fill, refills over the program history, bridge bolus, fixed-rate
pumps, weighed discrepancies, reported ERI and end of service, adverse-event work-ups, guided
refill steps and interrogation reports (memory, SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from intrathecal.clinic.commands import (
    ProgramPrescription,
    RecordAdverseEvent,
    RecordPumpStatus,
    RecordRefill,
    UpdateAdverseEvent,
)
from intrathecal.clinic.errors import ValidationFailed
from intrathecal.clinic.events import record_adverse_event, update_adverse_event
from intrathecal.clinic.programming import program_prescription
from intrathecal.clinic.refills import RefillResult, record_refill
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.clinic.vocabulary import REFILL_STEPS
from intrathecal.clinic.worklist import worklist
from intrathecal.core.program import Prescription
from intrathecal.core.program_spec import prescription_from_dict
from intrathecal.core.quantities import Concentration, Volume
from tests.clinic.builders import cosigned_program, implanted, morphine_program
from tests.clinic.conftest import Staff

TODAY = datetime.now(UTC).date()
IMPLANTED = TODAY - timedelta(days=60)
FILLED_AT = datetime.combine(IMPLANTED, time(12), UTC)


def program(drug: str, conc: str, rate: str, **extra: object) -> Prescription:
    return prescription_from_dict(
        {"solution": [{"drug": drug, "concentration": conc}], "basal": {"continuous": rate}} | extra
    )


def fitted(
    uow: UnitOfWork, staff: Staff, rx: Prescription, fill: str = "18 mL", **implant: object
) -> int:
    """Implanted 60 days ago, filled with ``fill`` and programmed with ``rx`` that day."""
    patient = implanted(
        uow,
        staff,
        implanted_on=IMPLANTED,
        initial_fill=Volume.parse(fill),
        **implant,  # type: ignore[arg-type]
    )
    pid = patient.id or 0
    cosigned_program(uow, staff, pid, rx, FILLED_AT + timedelta(hours=1))
    return pid


def refill(
    pid: int, at: datetime, residual: str, conc: str = "10 mg/mL", drug: str = "morphine"
) -> RecordRefill:
    return RecordRefill(
        patient_id=pid,
        performed_at=at,
        drug=drug,
        lot="LOT-7",
        concentration=Concentration.parse(conc),
        measured_residual=Volume.parse(residual),
        volume_added=Volume.parse("18 mL"),
        steps=REFILL_STEPS,
    )


def items(uow: UnitOfWork, staff: Staff, today: date) -> dict[str, tuple[str, str]]:
    """Worklist kind -> (severity, reason)."""
    return {i.kind: (i.severity, i.reason) for i in worklist(uow, staff.nurse, today)}


# --- implant fill ----------------------------------------------------------------------------


def test_implant_fill_dates_the_first_refill_and_puts_it_on_the_worklist(
    uow: UnitOfWork, staff: Staff
) -> None:
    pid = fitted(uow, staff, morphine_program("0.3 mL/day"))
    with uow:
        status = uow.care_status.get(pid)
    assert status is not None
    # 18 mL at 0.3 mL/day reaches the 2 mL alarm after 53.3 days; refill 7 days earlier
    assert status.alarm_date == (FILLED_AT + timedelta(days=53, hours=8)).date()
    assert status.refill_due == (FILLED_AT + timedelta(days=46, hours=8)).date()
    assert "refill" in items(uow, staff, TODAY)


def test_ziconotide_first_refill_is_due_14_days_after_the_implant_fill(
    uow: UnitOfWork, staff: Staff
) -> None:
    pid = fitted(uow, staff, program("ziconotide", "25 mcg/mL", "0.048 mL/day"))
    with uow:
        status = uow.care_status.get(pid)
    assert status is not None
    assert status.refill_due == IMPLANTED + timedelta(days=14)


def test_new_baclofen_pump_is_tracked_and_overdue_refill_is_critical(
    uow: UnitOfWork, staff: Staff
) -> None:
    pid = fitted(uow, staff, program("baclofen", "500 mcg/mL", "0.4 mL/day"))
    with uow:
        status = uow.care_status.get(pid)
    assert status is not None
    assert status.refill_due is not None
    found = {i.kind: i for i in worklist(uow, staff.nurse, status.refill_due + timedelta(days=1))}
    assert found["refill"].baclofen_critical
    assert found["refill"].severity == "critical"


# --- refills over the program history --------------------------------------------------------


def test_same_dose_concentration_change_prescribed_before_the_refill_is_not_a_discrepancy(
    uow: UnitOfWork, staff: Staff
) -> None:
    # 20 mL at 0.3 mL/day for 59.5 to 60.5 days (the time of day the test runs): the
    # expected residual stays above zero at any hour
    pid = fitted(uow, staff, morphine_program("0.3 mL/day", "10 mg/mL"), fill="20 mL")
    at = datetime.now(UTC) - timedelta(hours=1)
    program_prescription(
        uow,
        ProgramPrescription(pid, morphine_program("0.15 mL/day", "20 mg/mL"), 1, at=at),
        staff.physician,
    )
    elapsed = (at + timedelta(minutes=30) - FILLED_AT).total_seconds() / 86400
    residual = Decimal(20) - Decimal("0.3") * Decimal(str(elapsed))
    result = record_refill(
        uow,
        refill(pid, at + timedelta(minutes=30), f"{residual:.2f} mL", conc="20 mg/mL"),
        staff.nurse,
    )
    assert not result.refill.discrepancy_flag
    assert abs(result.refill.discrepancy) < Volume.parse("0.01 mL")
    # the old 10 mg/mL still in the catheter and pump gets a bridge bolus at the old rate
    assert result.refill.bridge_volume == Volume.parse("0.3 mL")
    assert result.plan.bridge_bolus is not None
    changed = {r.label for r in result.review if r.changed}
    assert "morphine concentration" in changed
    assert "morphine daily dose" not in changed


def test_refill_without_a_change_has_no_bridge_bolus(uow: UnitOfWork, staff: Staff) -> None:
    pid = fitted(uow, staff, morphine_program("0.3 mL/day"))
    result = record_refill(uow, refill(pid, datetime.now(UTC), "0.1 mL"), staff.nurse)
    assert result.refill.bridge_volume is None


# --- fixed-rate pumps ------------------------------------------------------------------------


def test_fixed_rate_pump_refuses_patient_boluses_and_plans_refills(
    uow: UnitOfWork, staff: Staff
) -> None:
    fixed = {"pump_model": "codman-3000", "reservoir": Volume.parse("30 mL")}
    patient = implanted(
        uow, staff, implanted_on=IMPLANTED, initial_fill=Volume.parse("30 mL"), **fixed
    )
    pid = patient.id or 0
    pca = program(
        "morphine",
        "10 mg/mL",
        "1 mL/day",
        patient_bolus={
            "volume": "0.02 mL",
            "duration": "5 min",
            "lockout": "4 h",
            "max_per_day": 4,
        },
    )
    with pytest.raises(ValidationFailed, match="cannot deliver patient boluses;"):
        program_prescription(uow, ProgramPrescription(pid, pca, 0), staff.physician)
    cosigned_program(uow, staff, pid, program("morphine", "1 mg/mL", "1 mL/day"), FILLED_AT)
    result = record_refill(
        uow, refill(pid, FILLED_AT + timedelta(days=25), "5 mL", "1 mg/mL"), staff.nurse
    )
    assert not result.refill.discrepancy_flag
    # 18 mL at the fixed 1 mL/day reach the 2 mL residual after 16 days; refill 7 days earlier
    assert result.refill.next_due == (FILLED_AT + timedelta(days=25 + 9)).date()


# --- discrepancy severity --------------------------------------------------------------------


def test_large_missing_morphine_is_critical_and_a_small_surplus_is_high(
    uow: UnitOfWork, staff: Staff
) -> None:
    pid = fitted(uow, staff, morphine_program("0.05 mL/day"), fill="20 mL")
    at = FILLED_AT + timedelta(days=15)
    # expected 20 - 15 x 0.05 = 19.25 mL; 2.85 mL found: 16.4 mL (164 mg morphine) missing
    short = record_refill(uow, refill(pid, at, "2.85 mL"), staff.nurse).refill
    assert short.discrepancy == Volume.parse("-16.4 mL")
    assert short.discrepancy_flag
    assert short.discrepancy_critical
    assert "164 mg morphine" in short.discrepancy_note
    severity, reason = items(uow, staff, TODAY)["discrepancy"]
    assert severity == "critical"
    assert "pocket fill" in reason
    # next: 18 mL filled, 40 days later 16 mL expected, 18.5 found: +2.5 mL, high not critical
    over = record_refill(uow, refill(pid, at + timedelta(days=40), "18.5 mL"), staff.nurse).refill
    assert over.discrepancy == Volume.parse("2.5 mL")
    assert over.discrepancy_flag
    assert not over.discrepancy_critical
    assert items(uow, staff, TODAY)["discrepancy"][0] == "high"


def test_discrepancy_below_syringe_resolution_is_not_flagged(uow: UnitOfWork, staff: Staff) -> None:
    pid = fitted(uow, staff, program("ziconotide", "25 mcg/mL", "0.048 mL/day"), fill="20 mL")
    at = FILLED_AT + timedelta(days=13)
    # expected 20 - 13 x 0.048 = 19.376 mL; found 19.096 mL: -0.28 mL (45 % of what left)
    result = record_refill(
        uow, refill(pid, at, "19.096 mL", "25 mcg/mL", "ziconotide"), staff.nurse
    )
    assert result.refill.discrepancy == Volume.parse("-0.28 mL")
    assert result.plan.residual_check is not None
    assert result.plan.residual_check.needs_investigation
    assert not result.refill.discrepancy_flag
    assert "syringe resolution" in result.refill.discrepancy_note


# --- ERI and end of service ------------------------------------------------------------------


def test_reported_eri_replaces_the_estimate_and_dates_end_of_service(
    uow: UnitOfWork, staff: Staff
) -> None:
    from intrathecal.clinic.devices import record_pump_status

    pid = fitted(uow, staff, morphine_program("0.3 mL/day"))
    with uow:
        estimate = uow.care_status.get(pid)
    assert estimate is not None
    assert estimate.eri_due is not None
    now = datetime.now(UTC)
    status = record_pump_status(
        uow,
        RecordPumpStatus(pid, now, battery="eri", eri_on=TODAY - timedelta(days=3)),
        staff.nurse,
    )
    assert status.eri_due == TODAY - timedelta(days=3)
    assert status.eri_reported
    assert status.eos_due == TODAY + timedelta(days=87)
    _severity, reason = items(uow, staff, TODAY)["eri"]
    assert "reported by the pump" in reason
    assert f"end of service (the pump stops) {TODAY + timedelta(days=87)}" in reason
    assert "estimated" not in reason
    # a later report replaces an earlier one (no min() of the two)
    later = record_pump_status(uow, RecordPumpStatus(pid, now, eri_on=TODAY), staff.nurse)
    assert later.eri_due == TODAY
    with uow:
        reports = uow.interrogations.for_patient(pid)
    assert [r.battery for r in reports] == ["eri", "eri"]


def test_interrogation_report_is_stored_with_reservoir_program_and_event_log(
    uow: UnitOfWork, staff: Staff
) -> None:
    from intrathecal.clinic.devices import record_pump_status

    pid = fitted(uow, staff, morphine_program("0.3 mL/day"))
    record_pump_status(
        uow,
        RecordPumpStatus(
            pid,
            datetime.now(UTC),
            alarms=("low_reservoir",),
            reservoir_estimate=Volume.parse("3.2 mL"),
            active_program=morphine_program("0.3 mL/day"),
            event_log=("refill 2026-10-01", "alarm low reservoir"),
        ),
        staff.nurse,
    )
    with uow:
        (report,) = uow.interrogations.for_patient(pid)
    assert report.reservoir_estimate == Volume.parse("3.2 mL")
    assert report.active_program == morphine_program("0.3 mL/day")
    assert report.event_log == ("refill 2026-10-01", "alarm low reservoir")
    assert report.battery == "ok"


def test_reservoir_estimate_above_the_reservoir_is_refused(uow: UnitOfWork, staff: Staff) -> None:
    from intrathecal.clinic.devices import record_pump_status

    pid = fitted(uow, staff, morphine_program())
    cmd = RecordPumpStatus(pid, datetime.now(UTC), reservoir_estimate=Volume.parse("25 mL"))
    with pytest.raises(ValidationFailed, match=r"^reservoir_estimate: "):
        record_pump_status(uow, cmd, staff.nurse)


# --- adverse events ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "category", ["neurological_deficit", "nerve_damage", "granuloma", "infection"]
)
def test_adverse_event_needing_a_work_up_is_urgent_until_resolved(
    uow: UnitOfWork, staff: Staff, category: str
) -> None:
    pid = fitted(uow, staff, morphine_program())
    event = record_adverse_event(
        uow,
        RecordAdverseEvent(
            pid, category, "moderate", TODAY - timedelta(days=1), "new leg weakness"
        ),
        staff.physician,
    )
    found = {i.kind: i for i in worklist(uow, staff.nurse, TODAY)}
    assert found["adverse_event_workup"].severity == "critical"
    assert "urgent work-up" in found["adverse_event_workup"].reason
    assert next(iter(found)) == "adverse_event_workup"
    update_adverse_event(
        uow,
        UpdateAdverseEvent(pid, event.id or 0, 1, outcome="resolved", resolved_on=TODAY),
        staff.physician,
    )
    assert "adverse_event_workup" not in items(uow, staff, TODAY)


def test_other_adverse_events_raise_no_work_up(uow: UnitOfWork, staff: Staff) -> None:
    pid = fitted(uow, staff, morphine_program())
    record_adverse_event(
        uow, RecordAdverseEvent(pid, "seroma", "mild", TODAY, "small seroma"), staff.physician
    )
    assert "adverse_event_workup" not in items(uow, staff, TODAY)


# --- strict inputs ----------------------------------------------------------------------------


def test_refill_dated_in_the_future_is_refused_naming_the_field(
    uow: UnitOfWork, staff: Staff
) -> None:
    pid = fitted(uow, staff, morphine_program())
    future = datetime(2062, 1, 5, 10, tzinfo=UTC)
    with pytest.raises(ValidationFailed, match=r"^performed_at: .* lies in the future"):
        record_refill(uow, refill(pid, future, "1 mL"), staff.nurse)
    with uow:
        assert uow.refills.for_patient(pid) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reservoir": Volume.parse("999999 mL")}, "reservoir"),
        ({"initial_fill": Volume.parse("25 mL")}, "initial_fill"),
        ({"catheter_volume": Volume.parse("20 mL")}, "catheter_volume"),
    ],
)
def test_implant_volumes_are_bounded_by_the_pump_model(
    uow: UnitOfWork, staff: Staff, changes: dict[str, Volume], field: str
) -> None:
    with pytest.raises(ValidationFailed, match=f"^{field}: "):
        implanted(uow, staff, **changes)


@pytest.mark.parametrize("level", ["Z99", "T13", "t10", "T10-T11"])
def test_catheter_tip_must_be_one_vertebra(uow: UnitOfWork, staff: Staff, level: str) -> None:
    with pytest.raises(ValidationFailed, match=r"^catheter_tip_level: expected one vertebra"):
        implanted(uow, staff, catheter_tip_level=level)


# --- guided refill ----------------------------------------------------------------------------


def test_refill_missing_guided_steps_is_stored_and_flagged(uow: UnitOfWork, staff: Staff) -> None:
    pid = fitted(uow, staff, morphine_program("0.3 mL/day"))
    cmd = refill(pid, datetime.now(UTC), "0.1 mL")
    partial = RecordRefill(**{**cmd.__dict__, "steps": ("interrogate", "aspirate_residual")})
    result: RefillResult = record_refill(uow, partial, staff.nurse)
    assert result.refill.steps == ("interrogate", "aspirate_residual")
    assert "counsel_patient" in result.refill.missing_steps
    assert "inject_through_filter" in result.refill.missing_steps


def test_unknown_refill_step_is_refused(uow: UnitOfWork, staff: Staff) -> None:
    pid = fitted(uow, staff, morphine_program("0.3 mL/day"))
    cmd = refill(pid, datetime.now(UTC), "0.1 mL")
    bad = RecordRefill(**{**cmd.__dict__, "steps": ("shake_pump",)})
    with pytest.raises(ValidationFailed, match=r"^steps\[0\]: "):
        record_refill(uow, bad, staff.nurse)


def test_a_rate_increase_brings_the_alarm_and_the_refill_forward_at_once(
    uow: UnitOfWork, staff: Staff
) -> None:
    pid = fitted(uow, staff, morphine_program("0.3 mL/day", "1 mg/mL"))
    with uow:
        before = uow.care_status.get(pid)
    assert before is not None
    assert before.alarm_date is not None
    assert before.refill_due is not None
    # 20 days after the fill at 0.3 mL/day: 18 - 6 = 12 mL left; at 0.35 mL/day the 2 mL
    # alarm comes 28.57 days later (the old rate would have given 33.3 more days)
    changed_at = FILLED_AT + timedelta(days=20)
    with uow:
        version = uow.prescriptions.current(pid)
    assert version is not None
    program_prescription(
        uow,
        ProgramPrescription(
            pid, morphine_program("0.35 mL/day", "1 mg/mL"), version.version, at=changed_at
        ),
        staff.physician,
    )
    with uow:
        after = uow.care_status.get(pid)
    assert after is not None
    assert after.alarm_date == (changed_at + timedelta(days=10 / 0.35)).date()
    assert after.alarm_date < before.alarm_date
    assert after.refill_due is not None
    assert after.refill_due < before.refill_due

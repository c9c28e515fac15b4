"""The refill use case: residual check, new drug, next alarm and due dates (core refill plan)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from intrathecal.clinic import care
from intrathecal.clinic import validation as v
from intrathecal.clinic.commands import RecordRefill
from intrathecal.clinic.errors import ValidationFailed
from intrathecal.clinic.permissions import require
from intrathecal.clinic.records import Actor, CareStatus, Implant, Refill
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.core.errors import CoreError
from intrathecal.core.program import Prescription
from intrathecal.core.program_math import mean_rate, worst_case_daily_volume
from intrathecal.core.quantities import Duration
from intrathecal.core.refill import (
    LastFill,
    PostRefillMeasurement,
    RefillPlan,
    RefillRequest,
    plan_refill,
)
from intrathecal.core.refill_config import load_refill_config


@dataclass(frozen=True)
class RefillResult:
    """The stored refill and the plan (dates, checks, findings) it was computed from."""

    refill: Refill
    plan: RefillPlan


def pump_family(implant: Implant) -> str:
    """The refill-config pump family of an implanted model (``synchromed-ii-20`` ->
    ``synchromed-ii``)."""
    families = load_refill_config().pump_families
    for key in sorted(families, key=len, reverse=True):
        if implant.pump_model.startswith(key):
            return key
    raise ValidationFailed(
        f"pump model {implant.pump_model!r} has no refill planning data "
        f"(known families: {', '.join(sorted(families))})"
    )


def record_refill(uow: UnitOfWork, cmd: RecordRefill, actor: Actor) -> RefillResult:
    """Store a refill; the drug and concentration must match the current prescription."""
    require(actor, "refill.record", cmd.patient_id)
    performed_at = v.aware(cmd.performed_at, "performed_at")
    v.not_negative(cmd.measured_residual, "measured_residual")
    v.positive(cmd.volume_added, "volume_added")
    lot = v.text(cmd.lot, "lot", 60)
    with uow:
        uow.patients.lock(cmd.patient_id)
        implant = uow.implants.active_for(cmd.patient_id)
        if implant is None or implant.id is None:
            raise ValidationFailed("the patient has no active implant to refill")
        prescription = uow.prescriptions.current(cmd.patient_id)
        if prescription is None:
            raise ValidationFailed("no prescription on record: program the pump before a refill")
        program = prescription.program
        drug = cmd.drug.strip().lower()
        if drug not in program.solution.drugs:
            raise ValidationFailed(
                f"drug: {cmd.drug!r} is not in the current prescription "
                f"({', '.join(program.solution.drugs)})"
            )
        prescribed = program.solution.concentration_of(drug)
        if cmd.concentration != prescribed:
            raise ValidationFailed(
                f"concentration: {cmd.concentration} differs from the prescribed {prescribed}; "
                "a wrong concentration is a known overdose cause - correct the entry or the "
                "prescription first"
            )
        last = uow.refills.latest(cmd.patient_id)
        if last is not None and last.implant_id == implant.id and performed_at <= last.performed_at:
            raise ValidationFailed("performed_at: must be after the previous refill")
        plan = _plan(cmd, implant, program, last, performed_at)
        check = plan.residual_check
        expected = check.expected if check is not None else cmd.measured_residual
        refill = uow.refills.add(
            Refill(
                id=None,
                patient_id=cmd.patient_id,
                implant_id=implant.id,
                performed_at=performed_at,
                drug=drug,
                lot=lot,
                concentration=cmd.concentration,
                expected_residual=expected,
                measured_residual=cmd.measured_residual,
                discrepancy=cmd.measured_residual - expected,
                discrepancy_flag=plan.needs_investigation,
                volume_added=cmd.volume_added,
                alarm_date=plan.alarm.at.date(),
                next_due=plan.due.at.date(),
                performed_by=actor.user_id,
                notes=cmd.notes,
            )
        )
        status = uow.care_status.get(cmd.patient_id) or CareStatus(cmd.patient_id)
        uow.care_status.put(care.after_refill(status, refill))
        uow.audit.append(
            actor,
            "refill.recorded",
            cmd.patient_id,
            {
                "refill_id": refill.id,
                "lot": lot,
                "volume_added": refill.volume_added.format(),
                "discrepancy": refill.discrepancy.format(),
                "flag": refill.discrepancy_flag,
                "next_due": refill.next_due.isoformat(),
            },
        )
        uow.commit()
    return RefillResult(refill, plan)


def _plan(
    cmd: RecordRefill,
    implant: Implant,
    program: Prescription,
    last: Refill | None,
    performed_at: datetime,
) -> RefillPlan:
    same_pump = last is not None and last.implant_id == implant.id
    last_fill = None
    if last is not None and same_pump:
        last_fill = LastFill(
            volume=last.volume_added, at=last.performed_at, measured_residual=cmd.measured_residual
        )
    elif cmd.previous_fill is not None and cmd.previous_fill_at is not None:
        first_at = v.aware(cmd.previous_fill_at, "previous_fill_at")
        if first_at >= performed_at:
            raise ValidationFailed("previous_fill_at: must be before this refill")
        last_fill = LastFill(
            volume=cmd.previous_fill, at=first_at, measured_residual=cmd.measured_residual
        )
    elif (cmd.previous_fill is None) != (cmd.previous_fill_at is None):
        raise ValidationFailed("previous_fill and previous_fill_at go together")
    post = None
    if cmd.measured_after is not None:
        post = PostRefillMeasurement(injected=cmd.volume_added, measured=cmd.measured_after)
    try:
        return plan_refill(
            RefillRequest(
                filled=cmd.volume_added,
                filled_at=performed_at,
                mean_daily_volume=mean_rate(program),
                worst_case_daily_volume=worst_case_daily_volume(program) / Duration(1, "day"),
                reservoir=implant.reservoir,
                pump_family=pump_family(implant),
                alarm_volume=cmd.alarm_volume,
                drugs=program.solution.drugs,
                first_fill=last_fill is None,
                last_fill=last_fill,
                post_refill=post,
            )
        )
    except CoreError as exc:
        raise ValidationFailed(f"refill: {exc}") from None

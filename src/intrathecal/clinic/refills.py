"""The refill use case: residual over the programs in force, bridge bolus, weighed
discrepancy, guided steps, next alarm and due dates (core refill plan)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from intrathecal.clinic import care, implanted_pump
from intrathecal.clinic import validation as v
from intrathecal.clinic.commands import RecordRefill, shared_fields
from intrathecal.clinic.discrepancy import review
from intrathecal.clinic.errors import ValidationFailed
from intrathecal.clinic.fill_history import (
    FillInPump,
    Segment,
    delivered_daily_volume,
    holds,
    in_force,
    segments,
)
from intrathecal.clinic.permissions import require
from intrathecal.clinic.program_review import SettingRow, compare_programs
from intrathecal.clinic.records import Actor, CareStatus, Implant, PrescriptionVersion, Refill
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.clinic.vocabulary import REFILL_STEPS
from intrathecal.core.errors import CoreError
from intrathecal.core.program import Prescription
from intrathecal.core.program_math import mean_rate, worst_case_daily_volume
from intrathecal.core.quantities import Duration, Volume
from intrathecal.core.refill import (
    BridgeRequest,
    LastFill,
    Level,
    PostRefillMeasurement,
    RefillPlan,
    RefillRequest,
    plan_refill,
)
from intrathecal.core.refill_config import load_refill_config
from intrathecal.core.refill_math import duration_between


@dataclass(frozen=True)
class RefillResult:
    """The stored refill, the plan (dates, checks, findings) it was computed from, and the
    settings the pump ran before against the prescription it was filled for."""

    refill: Refill
    plan: RefillPlan
    review: tuple[SettingRow, ...] = ()


def pump_family(implant: Implant) -> str:
    """The refill-config pump family of an implanted model (``synchromed-ii-20`` ->
    ``synchromed-ii``)."""
    config = load_refill_config()
    family = config.family_of(implant.pump_model)
    if family is None:
        raise ValidationFailed(
            f"pump model {implant.pump_model!r} has no refill planning data "
            f"(known families: {', '.join(sorted(config.pump_families))})"
        )
    return family


def record_refill(uow: UnitOfWork, cmd: RecordRefill, actor: Actor) -> RefillResult:
    """Store a refill; the drug and concentration must match the current prescription.

    The expected residual integrates the programs in force since the last fill (the implant
    fill for a pump's first refill); a drug or concentration change gets a bridge bolus
    sized from the implant's catheter; the discrepancy is weighed by the drug it stands for.
    """
    require(actor, "refill.record", cmd.patient_id)
    performed_at = v.aware(cmd.performed_at, "performed_at")
    v.not_future_moment(performed_at, "performed_at")
    v.not_negative(cmd.measured_residual, "measured_residual")
    v.positive(cmd.volume_added, "volume_added")
    lot = v.text(cmd.lot, "lot", 60)
    steps = tuple(v.one_of(s, REFILL_STEPS, f"steps[{i}]") for i, s in enumerate(cmd.steps))
    missing = tuple(s for s in REFILL_STEPS if s not in steps)
    with uow:
        uow.patients.lock(cmd.patient_id)
        implant = uow.implants.active_for(cmd.patient_id)
        if implant is None or implant.id is None:
            raise ValidationFailed("the patient has no active implant to refill")
        prescription = uow.prescriptions.current(cmd.patient_id)
        if prescription is None:
            raise ValidationFailed("no prescription on record: program the pump before a refill")
        program = prescription.program
        drug = _prescribed_drug(cmd, program)
        history = in_force(uow.prescriptions.history(cmd.patient_id), implant)
        fill = _last_fill(implant, uow.refills.latest(cmd.patient_id), history)
        if fill is not None and performed_at <= fill.at:
            raise ValidationFailed(
                f"performed_at: must be after the previous refill or fill ({fill.at.isoformat()})"
            )
        runs = () if fill is None else segments(history, fill, performed_at)
        in_pump = runs[-1].program if runs else None
        plan = _plan(cmd, implant, program, fill, runs, performed_at)
        check = plan.residual_check
        expected = check.expected if check is not None else cmd.measured_residual
        discrepancy = (cmd.measured_residual - expected).in_unit("mL")
        weighed = review(
            discrepancy, check is not None and check.needs_investigation, in_pump or program
        )
        pocket = any(
            f.rule == "post_refill_gap" and f.level is Level.INVESTIGATE for f in plan.findings
        )
        bridge = plan.bridge_bolus
        refill = uow.refills.add(
            Refill(
                id=None,
                implant_id=implant.id,
                performed_at=performed_at,
                drug=drug,
                lot=lot,
                expected_residual=expected,
                discrepancy=discrepancy,
                discrepancy_flag=weighed.flagged or pocket,
                alarm_date=plan.alarm.at.date(),
                next_due=plan.due.at.date(),
                performed_by=actor.user_id,
                discrepancy_critical=weighed.critical,
                discrepancy_note=weighed.note[:400],
                bridge_volume=None if bridge is None else bridge.volume,
                bridge_duration=None if bridge is None else bridge.duration,
                steps=steps,
                missing_steps=missing,
                program_version=prescription.version,
                **shared_fields(cmd, Refill, given=("performed_at", "drug", "lot", "steps")),
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
                "critical": refill.discrepancy_critical,
                "bridge_volume": None if bridge is None else bridge.volume.format(),
                "missing_steps": list(missing),
                "next_due": refill.next_due.isoformat(),
            },
        )
        uow.commit()
    return RefillResult(refill, plan, tuple(compare_programs(in_pump, program)))


def _prescribed_drug(cmd: RecordRefill, program: Prescription) -> str:
    """The refill's drug, which must be in the prescription at the prescribed concentration."""
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
    return drug


def _last_fill(
    implant: Implant, last: Refill | None, history: list[PrescriptionVersion]
) -> FillInPump | None:
    """The previous refill on this pump, else the implant fill (in the first program's
    solution), else nothing on record."""
    if last is not None and last.implant_id == implant.id:
        return FillInPump(last.volume_added, last.performed_at, last.drug, last.concentration)
    if implant.initial_fill is None or implant.initial_fill_at is None or not history:
        return None
    first = history[0]
    return FillInPump(
        implant.initial_fill, implant.initial_fill_at, first.drug, first.concentration
    )


def _plan(
    cmd: RecordRefill,
    implant: Implant,
    program: Prescription,
    fill: FillInPump | None,
    runs: tuple[Segment, ...],
    performed_at: datetime,
) -> RefillPlan:
    last_fill = None
    if fill is not None:
        last_fill = LastFill(
            volume=fill.volume,
            at=fill.at,
            measured_residual=cmd.measured_residual,
            daily_volume=delivered_daily_volume(runs),
        )
    post = None
    if cmd.measured_after is not None:
        post = PostRefillMeasurement(injected=cmd.volume_added, measured=cmd.measured_after)
    in_pump = runs[-1].program if runs else None
    bridge = None
    if in_pump is not None and in_pump.solution != program.solution:
        bridge = BridgeRequest(
            catheter=implanted_pump.catheter_of(implant),
            pump_internal_volume=implanted_pump.internal_volume(implant),
            old_daily_volume=mean_rate(in_pump),
            old_solution=in_pump.solution,
        )
    return _checked_plan(
        RefillRequest(
            filled=cmd.volume_added,
            filled_at=performed_at,
            mean_daily_volume=mean_rate(program),
            worst_case_daily_volume=worst_case_daily_volume(program) / Duration(1, "day"),
            reservoir=implant.reservoir,
            pump_family=pump_family(implant),
            alarm_volume=cmd.alarm_volume,
            drugs=program.solution.drugs,
            last_fill=last_fill,
            post_refill=post,
            bridge=bridge,
        )
    )


def _checked_plan(request: RefillRequest) -> RefillPlan:
    try:
        return plan_refill(request)
    except CoreError as exc:
        raise ValidationFailed(f"refill: {exc}") from None


def track_fill(
    uow: UnitOfWork, implant: Implant, history: list[PrescriptionVersion], at: datetime
) -> None:
    """When a program is put in force at ``at``, date the next refill from what is in the pump.

    From the last fill (the last refill, else the implant fill), the versions the pump ran
    until ``at`` give the volume left; the program it runs from ``at`` gives the alarm. A
    rate increase thus brings the alarm and the refill forward at once. The due date never
    moves later than the one already set, which holds the drug's stability from the fill
    (first-fill stability applies before the first refill: ziconotide within 14 days).
    """
    if implant.id is None:
        return
    versions = in_force(history, implant)
    fill = _last_fill(implant, uow.refills.latest(implant.patient_id), versions)
    if fill is None:
        return
    runnable = [p for p in versions if holds(p.program, fill.drug, fill.concentration)]
    if not runnable:
        return
    program = runnable[-1].program
    ran_before = len(runnable) > 1 and at > fill.at  # else this program runs from the fill
    daily = delivered_daily_volume(segments(versions, fill, at)) if ran_before else None
    left, since = fill.volume, fill.at
    if daily is not None:
        left = (fill.volume - daily * duration_between(fill.at, at)).in_unit("mL")
        since = at
    first_fill = not any(
        r.implant_id == implant.id for r in uow.refills.for_patient(implant.patient_id)
    )
    plan = _checked_plan(
        RefillRequest(
            filled=left if not left.is_negative() else Volume.zero(),
            filled_at=since,
            mean_daily_volume=mean_rate(program),
            worst_case_daily_volume=worst_case_daily_volume(program) / Duration(1, "day"),
            reservoir=implant.reservoir,
            pump_family=pump_family(implant),
            drugs=program.solution.drugs,
            first_fill=first_fill,
        )
    )
    status = uow.care_status.get(implant.patient_id) or CareStatus(implant.patient_id)
    due = plan.due.at.date()
    if since != fill.at and status.refill_due is not None:
        due = min(due, status.refill_due)
    uow.care_status.put(care.after_fill(status, plan.alarm.at.date(), due))

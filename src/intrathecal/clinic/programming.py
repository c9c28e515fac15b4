"""Programming use cases: a new prescription version (safety-checked) and pump confirmation.

HARD findings refuse the program; SOFT findings need an override naming their codes, a
reason and a second clinician who is a different, active clinician. The version the
clinician edited must still be current (optimistic lock), and two writers racing for the
same next version collide on a unique key: one of them gets Conflict, nothing is lost.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from intrathecal.clinic import care, config
from intrathecal.clinic import validation as v
from intrathecal.clinic.commands import ConfirmOnPump, OverrideRequest, ProgramPrescription
from intrathecal.clinic.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    SafetyRefused,
    ValidationFailed,
)
from intrathecal.clinic.permissions import Action, allowed, require
from intrathecal.clinic.records import (
    Actor,
    CareStatus,
    FindingNote,
    PrescriptionVersion,
)
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.core.catalogue import DrugClass, load_catalogue
from intrathecal.core.errors import CoreError
from intrathecal.core.program import Prescription
from intrathecal.core.program_math import daily_dose_of
from intrathecal.core.safety import DoseStep, History, Override, SafetyReport, check


@dataclass(frozen=True)
class ProgrammingResult:
    """The stored version and the full safety report it passed."""

    prescription: PrescriptionVersion
    report: SafetyReport


def program_prescription(
    uow: UnitOfWork, cmd: ProgramPrescription, actor: Actor
) -> ProgrammingResult:
    """Check and store a new prescription version for the patient's active pump."""
    require(actor, "prescription.program", cmd.patient_id)
    at = v.aware(cmd.at, "at") if cmd.at is not None else datetime.now(UTC)
    proposed = cmd.program
    with uow:
        uow.patients.lock(cmd.patient_id)
        implant = uow.implants.active_for(cmd.patient_id)
        if implant is None:
            raise ValidationFailed("the patient has no active implant to program")
        history = uow.prescriptions.history(cmd.patient_id)
        current = history[-1] if history else None
        current_version = current.version if current else 0
        if cmd.expected_version != current_version:
            raise Conflict(
                f"the prescription is at version {current_version}, you edited version "
                f"{cmd.expected_version}; reload and retry"
            )
        report = _report(proposed, history, cmd.rule_set, at)
        if report.refused:
            raise SafetyRefused(_refusal("refused", report, None), report.findings)
        override = None
        if report.needs_override:
            override = _override(uow, cmd.override, actor, report)
        drug = proposed.solution.drugs[0]
        stored = uow.prescriptions.add(
            PrescriptionVersion(
                id=None,
                patient_id=cmd.patient_id,
                implant_id=implant.id,
                version=current_version + 1,
                program=proposed,
                drug=drug,
                daily_dose=daily_dose_of(proposed, drug),
                concentration=proposed.solution.concentration_of(drug),
                findings=tuple(
                    FindingNote(f.rule, f.severity.value, f.message, f.source)
                    for f in report.findings
                ),
                prescribed_by=actor.user_id,
                created_at=at,
                override_reason=None if override is None else override.reason,
                override_by=None if override is None else int(override.second_clinician_id),
            )
        )
        if current is not None:
            uow.prescriptions.update(replace(current, status="superseded"))
        _update_care_status(uow, cmd.patient_id, proposed, report, [*history, stored])
        uow.audit.append(
            actor,
            "prescription.programmed",
            cmd.patient_id,
            {
                "version": stored.version,
                "drug": drug,
                "daily_dose": stored.daily_dose.format(),
                "findings": sorted(report.rules()),
                "override_by": stored.override_by,
                "override_reason": stored.override_reason,
            },
        )
        uow.commit()
    return ProgrammingResult(stored, report)


def check_prescription(uow: UnitOfWork, cmd: ProgramPrescription, actor: Actor) -> SafetyReport:
    """The safety report ``program_prescription`` would act on, without storing anything.

    For findings shown while a clinician types; the same check, the same history, the same
    errors. The check is audited with the rules that fired.
    """
    require(actor, "prescription.program", cmd.patient_id)
    at = v.aware(cmd.at, "at") if cmd.at is not None else datetime.now(UTC)
    with uow:
        uow.patients.get(cmd.patient_id)
        report = _report(cmd.program, uow.prescriptions.history(cmd.patient_id), cmd.rule_set, at)
        uow.audit.append(
            actor, "prescription.checked", cmd.patient_id, {"findings": sorted(report.rules())}
        )
        uow.commit()
    return report


def _report(
    proposed: Prescription, history: list[PrescriptionVersion], rule_set: str | None, at: datetime
) -> SafetyReport:
    """The one safety check of a proposed program against the patient's history."""
    current = history[-1] if history else None
    current_program = current.program if current else None
    try:
        return check(
            proposed,
            current_program,
            rule_set=rule_set,
            history=History(now=at, steps=_dose_steps(history, at)),
        )
    except CoreError as exc:
        raise ValidationFailed(f"program: {exc}") from None


def _dose_steps(history: list[PrescriptionVersion], at: datetime) -> tuple[DoseStep, ...]:
    return tuple(
        DoseStep(after.drug, after.created_at)
        for before, after in itertools.pairwise(history)
        if before.drug == after.drug
        and after.daily_dose > before.daily_dose
        and after.created_at <= at
    )


def _override(
    uow: UnitOfWork, request: OverrideRequest | None, actor: Actor, report: SafetyReport
) -> Override:
    if request is None:
        raise SafetyRefused(_refusal("needs an override", report, None), report.findings)
    if actor.user_id is None:
        raise PermissionDenied("an override needs a signed-in clinician")
    try:
        second = uow.users.get(request.second_clinician_id)
    except NotFound:
        raise ValidationFailed(
            f"override: second clinician {request.second_clinician_id} not found"
        ) from None
    if not second.active or not allowed(second.role, Action.OVERRIDE_COSIGN):
        raise ValidationFailed("override: the second clinician must be an active clinician")
    try:
        override = Override(
            codes=frozenset(request.codes),
            reason=request.reason,
            clinician_id=str(actor.user_id),
            second_clinician_id=str(second.id),
        )
    except CoreError as exc:
        raise ValidationFailed(f"override: {exc}") from None
    if not report.accepts(override):
        raise SafetyRefused(_refusal("needs an override", report, override), report.findings)
    return override


def _refusal(what: str, report: SafetyReport, override: Override | None) -> str:
    blocking = report.unaccepted(override)
    listed = "; ".join(f"[{f.severity.value}] {f.rule}: {f.message}" for f in blocking)
    return f"prescription {what}: {listed}"


def _update_care_status(
    uow: UnitOfWork,
    patient_id: int,
    proposed: Prescription,
    report: SafetyReport,
    history: list[PrescriptionVersion],
) -> None:
    catalogue = load_catalogue()
    classes = {catalogue.get(d).drug_class for d in proposed.solution.drugs}
    granuloma = "; ".join(f.message for f in report.findings if f.rule == "granuloma_risk")
    status = uow.care_status.get(patient_id) or CareStatus(patient_id)
    uow.care_status.put(
        care.after_prescription(
            status,
            history,
            is_baclofen=DrugClass.GABA_B_AGONIST in classes,
            on_opioid=DrugClass.OPIOID in classes,
            granuloma_reason=granuloma,
            settings=config.settings(),
        )
    )


def confirm_on_pump(uow: UnitOfWork, cmd: ConfirmOnPump, actor: Actor) -> PrescriptionVersion:
    """Record that the pump now runs this (current) version."""
    require(actor, "prescription.confirm", cmd.patient_id)
    with uow:
        uow.patients.lock(cmd.patient_id)
        current = uow.prescriptions.current(cmd.patient_id)
        if current is None or current.version != cmd.version:
            raise Conflict(
                f"version {cmd.version} is not the current prescription; reload and retry"
            )
        if current.pump_confirmed_at is not None:
            raise Conflict(f"version {cmd.version} was already confirmed on the pump")
        confirmed = replace(
            current, pump_confirmed_at=datetime.now(UTC), pump_confirmed_by=actor.user_id
        )
        uow.prescriptions.update(confirmed)
        uow.audit.append(actor, "prescription.confirmed", cmd.patient_id, {"version": cmd.version})
        uow.commit()
    return confirmed

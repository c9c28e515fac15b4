"""Programming use cases: a new prescription version (safety-checked) and pump confirmation.

HARD findings refuse the program; SOFT findings need an override request naming their codes
and a reason, and the version then waits (``pending``) until a second physician confirms it
in their own session. The version the
clinician edited must still be current (optimistic lock), and two writers racing for the
same next version collide on a unique key: one of them gets Conflict, nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import get_args

from intrathecal.clinic import care, config, implanted_pump, refills
from intrathecal.clinic import validation as v
from intrathecal.clinic.commands import (
    ConfirmOnPump,
    DecideOverride,
    OverrideRequest,
    ProgramPrescription,
)
from intrathecal.clinic.dosing_profile import dosing_profile
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
from intrathecal.clinic.vocabulary import CosignDecision
from intrathecal.core.catalogue import DrugClass, load_catalogue, parse_rule_set
from intrathecal.core.errors import CoreError
from intrathecal.core.program import Prescription
from intrathecal.core.program_math import daily_dose, daily_dose_of
from intrathecal.core.program_spec import prescription_to_dict
from intrathecal.core.safety import (
    Finding,
    History,
    Override,
    ProgramRequest,
    SafetyReport,
    Severity,
    check_program,
)
from intrathecal.device.limits import safety_limits


@dataclass(frozen=True)
class ProgrammingResult:
    """The stored version and the full safety report it passed."""

    prescription: PrescriptionVersion
    report: SafetyReport


def program_prescription(
    uow: UnitOfWork, cmd: ProgramPrescription, actor: Actor
) -> ProgrammingResult:
    """Check and store a new prescription version for the patient's active pump.

    Without SOFT findings the version is in force at once. With SOFT findings and an
    override request it is stored ``pending``: not in force, not for the pump, until another
    physician confirms it in their own session (``decide_override``). A refusal is audited
    in its own transaction (who tried to program what, and the findings).
    """
    require(actor, "prescription.program", cmd.patient_id)
    at = v.aware(cmd.at, "at") if cmd.at is not None else datetime.now(UTC)
    proposed = cmd.program
    try:
        return _program(uow, cmd, actor, proposed, at)
    except SafetyRefused as refused:
        with uow:
            uow.audit.append(
                actor,
                "prescription.refused",
                cmd.patient_id,
                {
                    "program": prescription_to_dict(proposed),
                    "findings": [
                        f"[{getattr(f.severity, 'value', f.severity)}] {f.rule}"
                        for f in refused.findings
                        if isinstance(f, Finding)
                    ],
                    "override_requested": cmd.override is not None,
                },
            )
            uow.commit()
        raise


def _program(
    uow: UnitOfWork, cmd: ProgramPrescription, actor: Actor, proposed: Prescription, at: datetime
) -> ProgrammingResult:
    with uow:
        uow.patients.lock(cmd.patient_id)
        implant = uow.implants.active_for(cmd.patient_id)
        if implant is None:
            raise ValidationFailed("the patient has no active implant to program")
        implanted_pump.check_program_fits(implant, proposed)
        history = [p for p in uow.prescriptions.history(cmd.patient_id) if p.status in IN_FORCE]
        current = history[-1] if history else None
        current_version = current.version if current else 0
        if cmd.expected_version != current_version:
            raise Conflict(
                f"the prescription is at version {current_version}, you edited version "
                f"{cmd.expected_version}; reload and retry"
            )
        report = _report(uow, cmd.patient_id, proposed, history, cmd.rule_set, at)
        if report.refused:
            raise SafetyRefused(_refusal("refused", report, None), report.findings)
        pending = report.needs_override
        requested_of = _override_request(uow, cmd.override, actor, report) if pending else None
        _withdraw_pending(uow, cmd.patient_id)
        drug = proposed.solution.drugs[0]
        stored = uow.prescriptions.add(
            PrescriptionVersion(
                id=None,
                patient_id=cmd.patient_id,
                implant_id=implant.id,
                version=uow.prescriptions.latest_version(cmd.patient_id) + 1,
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
                override_reason=cmd.override.reason if pending and cmd.override else None,
                override_requested_of=requested_of,
                status="pending" if pending else "active",
            )
        )
        details = {
            "version": stored.version,
            "drug": drug,
            "daily_dose": stored.daily_dose.format(),
            "findings": sorted(report.rules()),
        }
        if pending:
            details |= {"override_reason": stored.override_reason, "cosigner_id": requested_of}
            uow.audit.append(actor, "prescription.override_requested", cmd.patient_id, details)
        else:
            _put_in_force(uow, stored, current, history)
            uow.audit.append(actor, "prescription.programmed", cmd.patient_id, details)
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
        in_force = [p for p in uow.prescriptions.history(cmd.patient_id) if p.status in IN_FORCE]
        report = _report(uow, cmd.patient_id, cmd.program, in_force, cmd.rule_set, at)
        uow.audit.append(
            actor, "prescription.checked", cmd.patient_id, {"findings": sorted(report.rules())}
        )
        uow.commit()
    return report


def _report(
    uow: UnitOfWork,
    patient_id: int,
    proposed: Prescription,
    history: list[PrescriptionVersion],
    rule_set: str | None,
    at: datetime,
) -> SafetyReport:
    """The one safety check: the active pump model's limits, the patient's dosing profile and
    the dose history of every drug in every version that was in force."""
    implant = uow.implants.active_for(patient_id)
    if implant is None:
        raise ValidationFailed("the patient has no active implant to program")
    current = history[-1] if history else None
    try:
        return check_program(
            ProgramRequest(
                proposed=proposed,
                current=current.program if current else None,
                pump=safety_limits(implant.pump_model),
                patient=dosing_profile(uow, patient_id),
                history=History.of_programs(_programs(history, at), now=at),
                rule_set=None if rule_set is None else parse_rule_set(rule_set),
            )
        )
    except CoreError as exc:
        raise ValidationFailed(f"program: {exc}") from None


def _programs(
    history: list[PrescriptionVersion], at: datetime
) -> list[tuple[datetime, Prescription]]:
    """Every version up to ``at`` with its program (all drugs, not only the first)."""
    return [(v.created_at, v.program) for v in history if v.created_at <= at]


#: Statuses of versions that were in force at some time (the titration history).
IN_FORCE = frozenset({"active", "superseded"})


def _put_in_force(
    uow: UnitOfWork,
    stored: PrescriptionVersion,
    current: PrescriptionVersion | None,
    history: list[PrescriptionVersion],
) -> None:
    if current is not None:
        uow.prescriptions.update(replace(current, status="superseded"))
    program = stored.program
    _update_care_status(uow, stored.patient_id, program, stored.findings, [*history, stored])
    implant = uow.implants.active_for(stored.patient_id)
    if implant is not None:
        refills.track_fill(uow, implant, [*history, stored], stored.created_at)


def _withdraw_pending(uow: UnitOfWork, patient_id: int) -> None:
    """A newer version overtakes any override request still waiting: it can no longer be
    confirmed (it was checked against a prescription that is no longer the latest)."""
    for version in uow.prescriptions.history(patient_id):
        if version.status == "pending":
            uow.prescriptions.update(replace(version, status="withdrawn"))


def decide_override(uow: UnitOfWork, cmd: DecideOverride, actor: Actor) -> PrescriptionVersion:
    """The second physician confirms (puts in force) or rejects a pending override request.

    Only in their own session: never the requesting physician, and only the co-signer named
    in the request when one was named. A request overtaken by a newer version is refused.
    """
    require(actor, "override.cosign", cmd.patient_id)
    v.one_of(cmd.decision, get_args(CosignDecision), "decision")
    note = v.text(cmd.note, "note", 2000, required=False)
    if actor.user_id is None:
        raise PermissionDenied("a co-signature needs a signed-in physician")
    now = datetime.now(UTC)
    with uow:
        uow.patients.lock(cmd.patient_id)
        history = uow.prescriptions.history(cmd.patient_id)
        found = [p for p in history if p.version == cmd.version]
        if not found:
            raise NotFound(f"prescription version {cmd.version} of patient {cmd.patient_id}")
        request = found[0]
        if request.status != "pending":
            raise Conflict(
                f"version {cmd.version} is {request.status}, not waiting for a co-signature"
            )
        if request.prescribed_by == actor.user_id:
            raise PermissionDenied("you cannot co-sign your own override request")
        if request.override_requested_of not in (None, actor.user_id):
            raise PermissionDenied(
                f"this override request is addressed to user {request.override_requested_of}"
            )
        decided = replace(request, override_by=actor.user_id, override_decided_at=now)
        details: dict[str, object] = {
            "version": request.version,
            "requested_by": request.prescribed_by,
            "decided_by": actor.user_id,
            "decided_at": now.isoformat(),
            "note": note,
        }
        if cmd.decision == "confirm":
            codes = frozenset(f.rule for f in request.findings if f.severity == "soft")
            try:
                Override(
                    codes=codes,
                    reason=request.override_reason or "",
                    clinician_id=str(request.prescribed_by),
                    second_clinician_id=str(actor.user_id),
                )
            except CoreError as exc:
                raise ValidationFailed(f"override: {exc}") from None
            decided = replace(decided, status="active")
            uow.prescriptions.update(decided)
            in_force = [p for p in history if p.status in IN_FORCE]
            _put_in_force(uow, decided, in_force[-1] if in_force else None, in_force)
            details["codes"] = sorted(codes)
            uow.audit.append(actor, "prescription.override_confirmed", cmd.patient_id, details)
        else:
            decided = replace(decided, status="rejected")
            uow.prescriptions.update(decided)
            uow.audit.append(actor, "prescription.override_rejected", cmd.patient_id, details)
        uow.commit()
    return decided


def cosign_worklist(uow: UnitOfWork, actor: Actor) -> list[PrescriptionVersion]:
    """Override requests this physician may confirm or reject, oldest first (audited)."""
    require(actor, "override.cosign")
    with uow.for_reads():
        found = [
            p
            for p in uow.prescriptions.pending()
            if p.prescribed_by != actor.user_id and p.override_requested_of in (None, actor.user_id)
        ]
        uow.audit.append_read(
            actor,
            "cosign.worklist.read",
            None,
            {"requests": [[p.patient_id, p.version] for p in found]},
        )
        uow.commit()
    return found


def _override_request(
    uow: UnitOfWork, request: OverrideRequest | None, actor: Actor, report: SafetyReport
) -> int | None:
    """Check a request to accept SOFT findings; the requested co-signer's id (if named)."""
    if request is None:
        raise SafetyRefused(_refusal("needs an override", report, None), report.findings)
    if actor.user_id is None:
        raise PermissionDenied("an override needs a signed-in clinician")
    if not request.reason.strip():
        raise ValidationFailed("override.reason: give the clinical reason for the override")
    uncovered = [f.rule for f in report.of(Severity.SOFT) if f.rule not in request.codes]
    if uncovered:
        raise SafetyRefused(
            _refusal(f"needs an override naming {', '.join(sorted(uncovered))}", report, None),
            report.findings,
        )
    if request.cosigner_id is None:
        return None
    if request.cosigner_id == actor.user_id:
        raise ValidationFailed("override.cosigner_id: the co-signer must be someone else")
    try:
        cosigner = uow.users.get(request.cosigner_id)
    except NotFound:
        raise ValidationFailed(
            f"override.cosigner_id: user {request.cosigner_id} not found"
        ) from None
    if not cosigner.active or not allowed(cosigner.role, Action.OVERRIDE_COSIGN):
        raise ValidationFailed("override.cosigner_id: the co-signer must be an active physician")
    return request.cosigner_id


def _refusal(what: str, report: SafetyReport, override: Override | None) -> str:
    blocking = report.unaccepted(override)
    listed = "; ".join(f"[{f.severity.value}] {f.rule}: {f.message}" for f in blocking)
    return f"prescription {what}: {listed}"


def _update_care_status(
    uow: UnitOfWork,
    patient_id: int,
    proposed: Prescription,
    findings: tuple[FindingNote, ...],
    history: list[PrescriptionVersion],
) -> None:
    catalogue = load_catalogue()
    drugs = {d: catalogue.get(d).drug_class for d in proposed.solution.drugs}
    granuloma = "; ".join(f.message for f in findings if f.rule == "granuloma_risk")
    status = uow.care_status.get(patient_id) or CareStatus(patient_id)
    uow.care_status.put(
        care.after_prescription(
            status,
            [(v.created_at, daily_dose(v.program)) for v in history],
            concentration=proposed.solution.components[0].concentration,
            is_baclofen=DrugClass.GABA_B_AGONIST in drugs.values(),
            opioids=frozenset(d for d, c in drugs.items() if c is DrugClass.OPIOID),
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

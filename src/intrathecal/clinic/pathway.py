"""Care-pathway use cases: candidacy evaluation, screening trial, permanent implant."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from fractions import Fraction

from intrathecal.clinic import care, config, implanted_pump
from intrathecal.clinic import validation as v
from intrathecal.clinic.commands import RecordEvaluation, RecordImplant, RecordTrial
from intrathecal.clinic.dosing_profile import dosing_profile
from intrathecal.clinic.eligibility import assess
from intrathecal.clinic.errors import NotFound, SafetyRefused, ValidationFailed
from intrathecal.clinic.permissions import require
from intrathecal.clinic.records import (
    Actor,
    CareStatus,
    ConservativeTherapy,
    Evaluation,
    Implant,
    Trial,
)
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.clinic.vocabulary import CONTRAINDICATION_CODES, INCISIONS, INDICATIONS
from intrathecal.core.catalogue import load_catalogue
from intrathecal.core.errors import CoreError
from intrathecal.core.safety import Severity, check_trial
from intrathecal.core.sourced_data import load_data_file
from intrathecal.core.trial import Outcome, TrialEvaluation
from intrathecal.core.trial_config import TrialConfig, TrialRule, load_trial_config
from intrathecal.core.trial_record import TrialRecord
from intrathecal.device.catheter import is_vertebral_level

TRIAL_METHODS = ("single_shot", "catheter")


def record_evaluation(uow: UnitOfWork, cmd: RecordEvaluation, actor: Actor) -> Evaluation:
    """Store an evaluation with its computed eligibility and reasons."""
    require(actor, "evaluation.record", cmd.patient_id)
    v.one_of(cmd.indication, INDICATIONS, "indication")
    for code in cmd.contraindications:
        v.one_of(code, CONTRAINDICATION_CODES, "contraindications")
    for i, therapy in enumerate(cmd.conservative_therapies):
        _therapy(therapy, i)
    if cmd.life_expectancy_months is not None and cmd.life_expectancy_months < 0:
        raise ValidationFailed("life_expectancy_months: cannot be negative")
    v.not_future(cmd.evaluated_on, "evaluated_on")
    decision = assess(
        cmd.indication,
        cmd.conservative_therapies,
        cmd.surgery_is_option,
        cmd.psych_evaluation_done,
        cmd.psych_cleared,
        cmd.contraindications,
        cmd.life_expectancy_months,
        config.settings(),
    )
    with uow:
        uow.patients.lock(cmd.patient_id)
        stored = uow.evaluations.add(
            Evaluation(
                id=None,
                patient_id=cmd.patient_id,
                evaluated_on=cmd.evaluated_on,
                evaluator_id=actor.user_id,
                indication=cmd.indication,
                conservative_therapies=cmd.conservative_therapies,
                surgery_is_option=cmd.surgery_is_option,
                psych_evaluation_done=cmd.psych_evaluation_done,
                psych_cleared=cmd.psych_cleared,
                contraindications=tuple(cmd.contraindications),
                life_expectancy_months=cmd.life_expectancy_months,
                eligible=decision.eligible,
                reasons=decision.reasons,
                notes=cmd.notes,
            )
        )
        uow.audit.append(
            actor,
            "evaluation.recorded",
            cmd.patient_id,
            {"evaluation_id": stored.id, "eligible": stored.eligible},
        )
        uow.commit()
    return stored


def _therapy(therapy: ConservativeTherapy, i: int) -> None:
    v.text(therapy.name, f"conservative_therapies[{i}].name", 120)
    if therapy.months < 0:
        raise ValidationFailed(f"conservative_therapies[{i}].months: cannot be negative")
    v.one_of(
        therapy.outcome, ("failed", "partial", "helped"), f"conservative_therapies[{i}].outcome"
    )


@dataclass(frozen=True)
class TrialResult:
    """The stored trial and the core evaluation behind its outcome."""

    trial: Trial
    evaluation: TrialEvaluation


def observed_by_now(record: TrialRecord, started: datetime) -> None:
    """A trial is recorded after the fact: its given start and every injection and
    observation lie in the past (a few minutes of clock skew allowed)."""
    v.not_future_moment(started, "started_at")
    latest = max(record.last_observed(), record.injections[-1].at, key=lambda d: d.seconds())
    elapsed = datetime.now(UTC) + v.CLOCK_SKEW - started
    if latest.seconds() > Fraction(elapsed.total_seconds()):
        raise ValidationFailed(
            f"trial record: an injection or observation {latest.format('h')} after the start "
            f"lies in the future (the trial started {started:%Y-%m-%d %H:%M} UTC)"
        )


def record_trial(uow: UnitOfWork, cmd: RecordTrial, actor: Actor) -> TrialResult:
    """Check the doses and evaluate through the one trial check (``check_trial``), store, refer."""
    require(actor, "trial.record", cmd.patient_id)
    v.one_of(cmd.method, TRIAL_METHODS, "method")
    trial_config = load_trial_config()
    record = cmd.record
    try:
        rule = trial_config.rule(cmd.rule)
    except CoreError as exc:
        raise ValidationFailed(f"rule: {exc}") from None
    for i, effect in enumerate(record.side_effects):
        v.one_of(effect.effect, sorted(trial_config.side_effects), f"side_effects[{i}].effect")
    started = record.started_at or datetime.now(UTC)
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    if record.started_at is not None:
        observed_by_now(record, started)
    with uow:
        uow.patients.lock(cmd.patient_id)
        result = _checked_trial(uow, cmd.patient_id, record, rule, trial_config)
        drug = ", ".join(sorted({i.drug for i in record.injections}))
        evaluation_id = _eligible_evaluation(uow, cmd.patient_id, cmd.evaluation_id)
        referral = None
        if result.outcome is Outcome.SUCCESS:
            referral = (cmd.referral_to or "").strip() or "neurosurgeon (to be named)"
        stored = uow.trials.add(
            Trial(
                id=None,
                patient_id=cmd.patient_id,
                evaluation_id=evaluation_id,
                method=cmd.method,
                drug=drug,
                started_at=started,
                record=record,
                outcome=result.outcome.value,
                outcome_reasons=(*result.reasons, result.recommendation),
                recorded_by=actor.user_id,
                referral_to=referral,
            )
        )
        uow.audit.append(
            actor,
            "trial.recorded",
            cmd.patient_id,
            {"trial_id": stored.id, "outcome": stored.outcome, "referral_to": referral},
        )
        uow.commit()
    return TrialResult(stored, result)


def _checked_trial(
    uow: UnitOfWork, patient_id: int, record: TrialRecord, rule: TrialRule, config: TrialConfig
) -> TrialEvaluation:
    """The one trial check (doses, then outcome); a HARD finding refuses the trial."""
    catalogue = load_catalogue()
    for index, injection in enumerate(record.injections):
        if injection.drug not in catalogue:
            raise ValidationFailed(
                f"injections[{index}].drug: {injection.drug!r} is not in the catalogue"
            )
    checked = check_trial(record, patient=dosing_profile(uow, patient_id), rule=rule, config=config)
    if checked.evaluation is None:
        listed = "; ".join(f"{f.rule}: {f.message}" for f in checked.report.of(Severity.HARD))
        raise SafetyRefused(f"trial doses refused: {listed}", checked.report.findings)
    return checked.evaluation


def _eligible_evaluation(uow: UnitOfWork, patient_id: int, evaluation_id: int | None) -> int:
    evaluations = uow.evaluations.for_patient(patient_id)
    if evaluation_id is not None:
        chosen = [e for e in evaluations if e.id == evaluation_id]
        if not chosen:
            raise NotFound(f"evaluation {evaluation_id} not found for patient {patient_id}")
    else:
        chosen = evaluations[-1:]
    if not chosen or not chosen[0].eligible:
        raise ValidationFailed(
            "a trial needs an evaluation that found the patient eligible; record one first"
        )
    assert chosen[0].id is not None
    return chosen[0].id


def pump_models() -> dict[str, str]:
    """Pump model keys from ``data/pumps.yaml`` -> display name."""
    data = load_data_file("pumps.yaml")
    return {str(k): str(m.get("name", k)) for k, m in data["models"].items()}


def key_fingerprint(key: bytes) -> str:
    """SHA-256 of the telemetry key: enough to recognise a key, useless to forge frames."""
    return hashlib.sha256(b"intrathecal-device-key:" + key).hexdigest()


def _fill_moment(cmd: RecordImplant) -> datetime | None:
    """When the implant fill went in: as given (on the implant day, not in the future), else
    midday UTC of the implant day."""
    if cmd.initial_fill is None:
        if cmd.initial_fill_at is not None:
            raise ValidationFailed("initial_fill_at: needs initial_fill")
        return None
    if cmd.initial_fill_at is None:
        return datetime.combine(cmd.implanted_on, time(12), UTC)
    at = v.aware(cmd.initial_fill_at, "initial_fill_at")
    v.not_future_moment(at, "initial_fill_at")
    if at.astimezone(UTC).date() != cmd.implanted_on:
        raise ValidationFailed(
            f"initial_fill_at: {at.isoformat()} is not on the implant day {cmd.implanted_on}"
        )
    return at


def _tip_level(level: str) -> str:
    """The catheter tip's vertebral level as typed ('T10'), or ValidationFailed."""
    cleaned = v.text(level, "catheter_tip_level", 10)
    if not is_vertebral_level(cleaned):
        raise ValidationFailed(
            f"catheter_tip_level: expected one vertebra, C1-C7, T1-T12, L1-L5 or S1-S5 "
            f"(e.g. T10), got {cleaned!r}"
        )
    return cleaned


def record_implant(uow: UnitOfWork, cmd: RecordImplant, actor: Actor) -> Implant:
    """Record the pump and catheter, pair the telemetry key, set ERI and wound-check dates."""
    require(actor, "implant.record", cmd.patient_id)
    models = pump_models()
    v.one_of(cmd.pump_model, list(models), "pump_model")
    implanted_pump.check_implant_volumes(
        implanted_pump.model_of(cmd.pump_model),
        cmd.reservoir,
        cmd.catheter_volume,
        cmd.initial_fill,
    )
    fill_at = _fill_moment(cmd)
    if cmd.catheter_length_cm <= 0:
        raise ValidationFailed("catheter_length_cm: must be above zero")
    if not 0 <= cmd.hospital_stay_days <= 60:
        raise ValidationFailed("hospital_stay_days: expected 0..60")
    for i, site in enumerate(cmd.incisions):
        v.one_of(site, INCISIONS, f"incisions[{i}]")
    v.not_future(cmd.implanted_on, "implanted_on", datetime.now(UTC).date() + timedelta(days=1))
    if (cmd.device_key is None) != (cmd.device_key_id is None):
        raise ValidationFailed("device_key and device_key_id go together")
    with uow:
        uow.patients.lock(cmd.patient_id)
        trials = uow.trials.for_patient(cmd.patient_id)
        trial_ok = any(t.outcome == Outcome.SUCCESS.value for t in trials)
        if not trial_ok and not (cmd.trial_waived_reason or "").strip():
            raise ValidationFailed(
                "no successful trial on record; give trial_waived_reason to implant anyway"
            )
        previous = uow.implants.active_for(cmd.patient_id)
        if previous is not None:
            uow.implants.update(replace(previous, active=False))
        stored = uow.implants.add(
            Implant(
                id=None,
                patient_id=cmd.patient_id,
                implanted_on=cmd.implanted_on,
                hospital=v.text(cmd.hospital, "hospital"),
                surgeon=v.text(cmd.surgeon, "surgeon"),
                hospital_stay_days=cmd.hospital_stay_days,
                pump_model=cmd.pump_model,
                pump_serial=v.text(cmd.pump_serial, "pump_serial", 60),
                reservoir=cmd.reservoir,
                catheter_length_cm=cmd.catheter_length_cm,
                catheter_tip_level=_tip_level(cmd.catheter_tip_level),
                catheter_volume=cmd.catheter_volume,
                incisions=tuple(cmd.incisions),
                return_to_work=v.text(cmd.return_to_work, "return_to_work", 40),
                recorded_by=actor.user_id,
                device_key_id=cmd.device_key_id,
                device_key_fingerprint=None
                if cmd.device_key is None
                else key_fingerprint(cmd.device_key),
                initial_fill=cmd.initial_fill,
                initial_fill_at=fill_at,
            )
        )
        status = uow.care_status.get(cmd.patient_id) or CareStatus(cmd.patient_id)
        uow.care_status.put(care.after_implant(status, stored, config.settings()))
        uow.audit.append(
            actor,
            "implant.recorded",
            cmd.patient_id,
            {
                "implant_id": stored.id,
                "pump_model": stored.pump_model,
                "pump_serial": stored.pump_serial,
                "replaced_implant_id": None if previous is None else previous.id,
                "trial_waived_reason": cmd.trial_waived_reason,
            },
        )
        uow.commit()
    return stored

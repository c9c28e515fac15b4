"""The first program proposed from a patient's successful trial: an audited read, never a write.

The proposal (``core.first_program``) uses the trial's effective dose, the patient's dosing
profile and the implanted pump model's limits, and has already been through the one safety
check. The clinician confirms it through ``program_prescription`` like any other program.
"""

from __future__ import annotations

from intrathecal.clinic.dosing_profile import dosing_profile
from intrathecal.clinic.errors import NotFound, ValidationFailed
from intrathecal.clinic.permissions import require
from intrathecal.clinic.records import Actor, Trial
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.core.errors import CoreError
from intrathecal.core.first_program import FirstProgram, propose_first_program
from intrathecal.core.quantities import Concentration
from intrathecal.core.safety import check_trial
from intrathecal.device.limits import safety_limits


def first_program_proposal(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: int,
    trial_id: int | None = None,
    strength: Concentration | None = None,
) -> tuple[Trial, FirstProgram]:
    """The proposal from trial ``trial_id`` (default: the latest successful one)."""
    require(actor, "prescription.program", patient_id)
    with uow.for_reads():
        uow.patients.get(patient_id)
        trial = _trial(uow.trials.for_patient(patient_id), patient_id, trial_id)
        implant = uow.implants.active_for(patient_id)
        if implant is None:
            raise ValidationFailed(
                "the patient has no active implant: the proposal needs the pump model"
            )
        profile = dosing_profile(uow, patient_id)
        checked = check_trial(trial.record, patient=profile)
        if checked.evaluation is None:
            raise ValidationFailed(f"trial {trial.id}: its doses are refused by the policy")
        try:
            proposal = propose_first_program(
                checked.evaluation,
                pump=safety_limits(implant.pump_model),
                patient=profile,
                strength=strength,
            )
        except CoreError as exc:
            raise ValidationFailed(f"trial {trial.id}: {exc}") from None
        uow.audit.append_read(
            actor,
            "first_program.proposed",
            patient_id,
            {
                "trial_id": trial.id,
                "drug": proposal.drug,
                "daily_dose": str(proposal.daily_dose),
                "strength": str(proposal.strength),
                "findings": sorted(proposal.report.rules()),
            },
        )
        uow.commit()
    return trial, proposal


def _trial(trials: list[Trial], patient_id: int, trial_id: int | None) -> Trial:
    if trial_id is not None:
        chosen = [t for t in trials if t.id == trial_id]
        if not chosen:
            raise NotFound(f"trial {trial_id} not found for patient {patient_id}")
        if chosen[0].outcome != "success":
            raise ValidationFailed(
                f"trial {trial_id} is {chosen[0].outcome}: a first program is proposed only "
                "from a successful trial"
            )
        return chosen[0]
    successes = [t for t in trials if t.outcome == "success"]
    if not successes:
        raise ValidationFailed("no successful trial: a first program is proposed only from one")
    return successes[-1]

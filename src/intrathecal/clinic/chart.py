"""The patient chart: every record of one patient read in one transaction, audited once.

The chart is what a clinician opens before acting: demographics, pathway records,
prescription history, refills, adverse events, visits, the worklist read model and (for
clinical roles) who did what on this record. One audit entry names every record shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from intrathecal.clinic.permissions import Action, allowed, require
from intrathecal.clinic.records import (
    Actor,
    AdverseEvent,
    AuditEntry,
    CareStatus,
    DosingProfileRecord,
    Evaluation,
    Implant,
    Patient,
    PrescriptionVersion,
    Refill,
    Trial,
    UserRecord,
    Visit,
)
from intrathecal.clinic.uow import UnitOfWork

#: How many of the patient's newest audit entries the chart shows.
AUDIT_ROWS = 50


@dataclass(frozen=True)
class PatientChart:
    """One patient's records, each list oldest first; ``audit`` is newest first."""

    patient: Patient
    evaluations: tuple[Evaluation, ...]
    trials: tuple[Trial, ...]
    implants: tuple[Implant, ...]
    prescriptions: tuple[PrescriptionVersion, ...]
    refills: tuple[Refill, ...]
    adverse_events: tuple[AdverseEvent, ...]
    visits: tuple[Visit, ...]
    care_status: CareStatus | None
    audit: tuple[AuditEntry, ...]
    dosing_profile: DosingProfileRecord | None = None
    #: Every staff member the records name (evaluator, recorders, prescriber, addressee,
    #: co-signer, pump confirmer, refill nurse, visit clinician), by user id.
    staff: Mapping[int, UserRecord] = field(default_factory=dict)

    def staff_name(self, user_id: int) -> str:
        """A named user's display name (their username when they have none)."""
        user = self.staff.get(user_id)
        if user is None:
            return f"user {user_id}"
        return user.display_name or user.username

    @property
    def active_implant(self) -> Implant | None:
        """The pump in place, if any."""
        return next((i for i in reversed(self.implants) if i.active), None)

    @property
    def current_prescription(self) -> PrescriptionVersion | None:
        """The prescription in force, if any (a pending override request is not)."""
        return next((p for p in reversed(self.prescriptions) if p.status == "active"), None)

    @property
    def pending_prescription(self) -> PrescriptionVersion | None:
        """A version waiting for a second physician's co-signature, if any."""
        return next((p for p in reversed(self.prescriptions) if p.status == "pending"), None)


def patient_chart(
    uow: UnitOfWork, actor: Actor, patient_id: int, audit_rows: int = AUDIT_ROWS
) -> PatientChart:
    """Read the whole chart; the audit trail is included for roles allowed to see it."""
    require(actor, Action.PATIENT_READ, patient_id)
    with uow.for_reads():
        patient = uow.patients.get(patient_id)
        trail: tuple[AuditEntry, ...] = ()
        if allowed(actor.role, Action.PATIENT_AUDIT_READ):
            trail = tuple(uow.audit.for_patient(patient_id, audit_rows))
        chart = PatientChart(
            patient=patient,
            evaluations=tuple(uow.evaluations.for_patient(patient_id)),
            trials=tuple(uow.trials.for_patient(patient_id)),
            implants=tuple(uow.implants.for_patient(patient_id)),
            prescriptions=tuple(uow.prescriptions.history(patient_id)),
            refills=tuple(uow.refills.for_patient(patient_id)),
            adverse_events=tuple(uow.adverse_events.for_patient(patient_id)),
            visits=tuple(uow.visits.for_patient(patient_id)),
            care_status=uow.care_status.get(patient_id),
            audit=trail,
            dosing_profile=uow.dosing_profiles.get(patient_id),
        )
        chart = replace(chart, staff=uow.users.get_many(_named_staff(chart)))
        uow.audit.append_read(
            actor,
            "chart.read",
            patient_id,
            {
                "evaluations": [r.id for r in chart.evaluations],
                "trials": [r.id for r in chart.trials],
                "implants": [r.id for r in chart.implants],
                "prescriptions": [r.version for r in chart.prescriptions],
                "refills": [r.id for r in chart.refills],
                "adverse_events": [r.id for r in chart.adverse_events],
                "visits": [r.id for r in chart.visits],
                "dosing_profile": chart.dosing_profile.version if chart.dosing_profile else None,
                "audit_rows": len(trail),
            },
        )
        uow.commit()
    return chart


def _named_staff(chart: PatientChart) -> set[int]:
    ids: set[int | None] = {e.evaluator_id for e in chart.evaluations}
    ids |= {t.recorded_by for t in chart.trials}
    ids |= {i.recorded_by for i in chart.implants}
    for p in chart.prescriptions:
        ids |= {p.prescribed_by, p.override_requested_of, p.override_by, p.pump_confirmed_by}
    ids |= {r.performed_by for r in chart.refills}
    ids |= {e.recorded_by for e in chart.adverse_events}
    ids |= {v.clinician_id for v in chart.visits}
    return {i for i in ids if i is not None}

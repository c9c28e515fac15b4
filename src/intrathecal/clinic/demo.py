"""Demo data: invented patients across the care pathway and one login per role.

DEMO ONLY. The logins below have published passwords; never load this into a database
that holds real patient data. Every record is created through the clinic use cases (so
the audit chain shows who did what), dated relative to today so the worklist has items:

* DEMO-0001 evaluated and eligible, trial visit booked
* DEMO-0002 morphine trial succeeded, referred for implant
* DEMO-0003 morphine trial failed
* DEMO-0004 implanted, morphine, regular refills (has a patient login)
* DEMO-0005 implanted, morphine, last refill residual 2.5 mL above expected
* DEMO-0006 implanted, baclofen for spasticity, refill overdue (critical on the worklist)
* two open appointment requests from the public form
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from intrathecal.clinic import (
    events,
    pathway,
    patients,
    programming,
    refills,
    scheduling,
)
from intrathecal.clinic.auth import AuthService
from intrathecal.clinic.commands import (
    CompleteVisit,
    ProgramPrescription,
    RecordAdverseEvent,
    RecordEvaluation,
    RecordImplant,
    RecordRefill,
    RecordTrial,
    RegisterPatient,
    RequestAppointment,
    ScheduleVisit,
)
from intrathecal.clinic.permissions import Role
from intrathecal.clinic.records import (
    Actor,
    ConservativeTherapy,
    Coverage,
    Diagnosis,
    Patient,
    UserRecord,
    Visit,
)
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.core.program_spec import prescription_from_dict
from intrathecal.core.quantities import Concentration, Volume
from intrathecal.core.trial_config import load_trial_config
from intrathecal.core.trial_record import trial_record_from_dict

#: Demo logins: username -> (role, password). Published on purpose: demo only.
DEMO_PASSWORDS: Mapping[str, tuple[str, str]] = {
    "dr.demo": ("physician", "demo-physician-pass"),
    "dr.second": ("physician", "demo-second-pass"),
    "nurse.demo": ("nurse", "demo-nurse-pass"),
    "scheduler.demo": ("scheduler", "demo-scheduler-pass"),
    "admin.demo": ("admin", "demo-admin-pass"),
    "patient.demo": ("patient", "demo-patient-pass"),
}
#: The MRN whose presence marks the demo as loaded.
MARKER_MRN = "DEMO-0001"

UowFactory = Callable[[], UnitOfWork]


def is_loaded(new_uow: UowFactory) -> bool:
    """True when the demo patients are already in the database."""
    with new_uow() as uow:
        return uow.patients.by_mrn(MARKER_MRN) is not None


def load_demo(new_uow: UowFactory, auth: AuthService, today: date | None = None) -> bool:
    """Load the demo once; return False (and change nothing) if it is already there.

    The patients are seen at location ``main``: run ``clinic.reference.sync_locations``
    first (``serve`` and ``db upgrade`` do).
    """
    if is_loaded(new_uow):
        return False
    day0 = today or datetime.now(UTC).date()
    staff = _staff(new_uow, auth)
    doc = staff["dr.demo"]
    nurse = staff["nurse.demo"]
    _Demo(new_uow, doc, nurse, staff["scheduler.demo"], day0).run(auth)
    return True


def _staff(new_uow: UowFactory, auth: AuthService) -> dict[str, Actor]:
    actors: dict[str, Actor] = {}
    for username, (role, password) in DEMO_PASSWORDS.items():
        if role == Role.PATIENT.value:
            continue
        user = auth.create_user(
            new_uow(), Actor.system(), username, password, Role(role), display_name=f"Demo {role}"
        )
        actors[username] = _actor(user)
    return actors


def _actor(user: UserRecord) -> Actor:
    return Actor(user.id, user.username, user.role, "127.0.0.1", user.patient_id)


class _Demo:
    """Builds the demo patients through the use cases, one pathway step at a time."""

    def __init__(
        self, new_uow: UowFactory, doc: Actor, nurse: Actor, scheduler: Actor, today: date
    ) -> None:
        self.new_uow = new_uow
        self.doc = doc
        self.nurse = nurse
        self.scheduler = scheduler
        self.today = today

    def at(self, days_ago: int, hour: int = 9) -> datetime:
        return datetime.combine(self.today - timedelta(days=days_ago), time(hour), tzinfo=UTC)

    def on(self, days_ago: int) -> date:
        return self.today - timedelta(days=days_ago)

    def run(self, auth: AuthService) -> None:
        evaluated = self.patient("DEMO-0001", "Rivera", "Alex", "M96.1", "bcbs", 1971)
        self.evaluate(evaluated, days_ago=10)
        self.book(evaluated, "trial", days_ahead=5)

        success = self.patient("DEMO-0002", "Okafor", "Jordan", "G89.4", "medicare", 1958)
        self.evaluate(success, days_ago=40)
        self.trial(success, days_ago=20, scores=(6, 4, 3, 3, 3, 4))

        failed = self.patient("DEMO-0003", "Lindqvist", "Maren", "M54.16", "aetna", 1965)
        self.evaluate(failed, days_ago=45)
        self.trial(failed, days_ago=25, scores=(8, 7, 7, 7, 8, 8))

        steady = self.patient("DEMO-0004", "Nakamura", "Kenji", "M96.1", "medicare", 1952)
        self.implanted_on_morphine(steady, serial="DEMO-SN-0004", rate="0.3 mL/day")
        self.refill(steady, days_ago=60, residual="3 mL", fill="20 mL")
        self.refill(steady, days_ago=10, residual="7 mL", fill="20 mL")
        auth.create_user(
            self.new_uow(),
            Actor.system(),
            "patient.demo",
            DEMO_PASSWORDS["patient.demo"][1],
            Role.PATIENT,
            display_name="Kenji Nakamura (demo patient)",
            patient_id=steady.id,
        )

        drifting = self.patient("DEMO-0005", "Haddad", "Samira", "G89.29", "cigna", 1960)
        self.implanted_on_morphine(drifting, serial="DEMO-SN-0005", rate="0.4 mL/day")
        self.refill(drifting, days_ago=70, residual="2 mL", fill="18 mL")
        # Worked example: 35 days at 0.40 mL/day from 18.0 mL leaves 4.0 mL; 6.5 mL found.
        self.refill(drifting, days_ago=35, residual="6.5 mL", fill="18 mL")
        events.record_adverse_event(
            self.new_uow(),
            RecordAdverseEvent(
                patient_id=_id(drifting),
                category="catheter_fault",
                severity="moderate",
                onset=self.on(35),
                description="Residual 2.5 mL above expected at refill; pain returning.",
                actions="Catheter study requested.",
            ),
            self.doc,
        )

        baclofen = self.patient("DEMO-0006", "Brennan", "Tom", "G80.0", "tricare", 1990)
        self.evaluate(baclofen, days_ago=200, indication="spasticity")
        self.implant(
            baclofen,
            "DEMO-SN-0006",
            days_ago=150,
            waived="baclofen screening bolus (50 mcg) done at the referring centre",
        )
        self.wound_check(baclofen, days_ago=140)
        self.program(baclofen, "baclofen", "500 mcg/mL", "0.3 mL/day", days_ago=149)
        self.refill(
            baclofen,
            days_ago=80,
            residual="4 mL",
            fill="20 mL",
            drug="baclofen",
            concentration="500 mcg/mL",
        )

        public = Actor.public("127.0.0.1")
        for name, contact, reason, insurer in (
            ("Pat Example", "555-0101", "Cancer pain, oral morphine no longer enough", "Medicare"),
            (
                "Chris Sample",
                "chris@example.org",
                "Failed back surgery, asking about a pump",
                "Aetna",
            ),
        ):
            scheduling.request_appointment(
                self.new_uow(),
                RequestAppointment(name=name, contact=contact, reason=reason, insurer=insurer),
                public,
            )

    # --- steps ----------------------------------------------------------------------------
    def patient(
        self,
        mrn: str,
        family: str,
        given: str,
        icd: str,
        insurer: str,
        born: int,
    ) -> Patient:
        return patients.register_patient(
            self.new_uow(),
            RegisterPatient(
                mrn=mrn,
                given_name=given,
                family_name=family,
                birth_date=date(born, 3, 14),
                sex="unknown",
                location_code="main",
                diagnoses=(Diagnosis(icd, "", primary=True),),
                coverage=(Coverage(insurer, f"{mrn}-MEMBER"),),
            ),
            self.doc,
        )

    def evaluate(self, patient: Patient, days_ago: int, indication: str = "non_cancer") -> None:
        pathway.record_evaluation(
            self.new_uow(),
            RecordEvaluation(
                patient_id=_id(patient),
                evaluated_on=self.on(days_ago),
                indication=indication,
                conservative_therapies=(
                    ConservativeTherapy("physical therapy", 12),
                    ConservativeTherapy("oral medication", 24),
                ),
                surgery_is_option=False,
                psych_evaluation_done=True,
                psych_cleared=True,
            ),
            self.doc,
        )

    def trial(self, patient: Patient, days_ago: int, scores: tuple[int, ...]) -> None:
        started = self.at(days_ago, 8)
        pathway.record_trial(
            self.new_uow(),
            RecordTrial(
                patient_id=_id(patient),
                record=trial_record_from_dict(
                    {
                        "drug": "morphine",
                        "started_at": started.isoformat(),
                        "baseline": {"nrs": 8},
                        "injections": [{"dose": "0.2 mg", "at": "0 h"}],
                        "scores": [{"at": f"{h} h", "nrs": s} for h, s in enumerate(scores, 1)],
                        "side_effects": [{"effect": "pruritus", "severity": "mild", "at": "3 h"}],
                    },
                    load_trial_config().side_effects,
                ),
            ),
            self.doc,
        )

    def implant(self, patient: Patient, serial: str, days_ago: int, waived: str | None) -> None:
        pathway.record_implant(
            self.new_uow(),
            RecordImplant(
                patient_id=_id(patient),
                implanted_on=self.on(days_ago),
                hospital="Partner hospital (example)",
                surgeon="Dr. Demo Surgeon",
                hospital_stay_days=2,
                pump_model="synchromed-ii-20",
                pump_serial=serial,
                reservoir=Volume(20, "mL"),
                catheter_length_cm=Decimal("50.0"),
                catheter_tip_level="T10",
                catheter_volume=Volume("0.1", "mL"),
                trial_waived_reason=waived,
            ),
            self.doc,
        )

    def program(
        self,
        patient: Patient,
        drug: str,
        concentration: str,
        rate: str,
        days_ago: int,
    ) -> None:
        programming.program_prescription(
            self.new_uow(),
            ProgramPrescription(
                patient_id=_id(patient),
                program=prescription_from_dict(
                    {
                        "solution": [{"drug": drug, "concentration": concentration}],
                        "basal": {"continuous": rate},
                    }
                ),
                expected_version=0,
                at=self.at(days_ago, 11),
            ),
            self.doc,
        )

    def implanted_on_morphine(self, patient: Patient, serial: str, rate: str) -> None:
        self.evaluate(patient, days_ago=200)
        self.trial(patient, days_ago=180, scores=(5, 4, 3, 3, 3, 3))
        self.implant(patient, serial, days_ago=120, waived=None)
        self.program(patient, "morphine", "1 mg/mL", rate, days_ago=119)
        self.wound_check(patient, days_ago=110)

    def refill(
        self,
        patient: Patient,
        days_ago: int,
        residual: str,
        fill: str,
        drug: str = "morphine",
        concentration: str = "1 mg/mL",
    ) -> None:
        refills.record_refill(
            self.new_uow(),
            RecordRefill(
                patient_id=_id(patient),
                performed_at=self.at(days_ago, 10),
                drug=drug,
                lot=f"DEMO-LOT-{days_ago}",
                concentration=Concentration.parse(concentration),
                measured_residual=Volume.parse(residual),
                volume_added=Volume.parse(fill),
            ),
            self.nurse,
        )

    def wound_check(self, patient: Patient, days_ago: int) -> None:
        visit = self.book(patient, "wound_check", days_ahead=-days_ago)
        assert visit.id is not None
        scheduling.complete_visit(
            self.new_uow(), CompleteVisit(visit.id, "incisions healed (demo)"), self.nurse
        )

    def book(self, patient: Patient, kind: str, days_ahead: int) -> Visit:
        return scheduling.record_visit(
            self.new_uow(),
            ScheduleVisit(
                patient_id=_id(patient),
                kind=kind,
                scheduled_at=self.at(-days_ahead, 14),
                location_code="main",
            ),
            self.scheduler,
        )


def _id(patient: Patient) -> int:
    assert patient.id is not None
    return patient.id

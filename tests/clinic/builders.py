"""Commands for a typical patient's pathway, shared by the clinic tests."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from intrathecal.clinic.commands import (
    DecideOverride,
    OverrideRequest,
    ProgramPrescription,
    RecordDosingProfile,
    RecordEvaluation,
    RecordImplant,
    RecordTrial,
    RegisterPatient,
)
from intrathecal.clinic.dosing_profile import record_dosing_profile
from intrathecal.clinic.pathway import record_evaluation, record_implant, record_trial
from intrathecal.clinic.patients import register_patient
from intrathecal.clinic.programming import (
    check_prescription,
    decide_override,
    program_prescription,
)
from intrathecal.clinic.records import ConservativeTherapy, Coverage, Diagnosis, Patient
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.core.program import Prescription
from intrathecal.core.program_spec import prescription_from_dict
from intrathecal.core.quantities import Volume
from intrathecal.core.safety import Severity
from intrathecal.core.trial_config import load_trial_config
from intrathecal.core.trial_record import TrialRecord, trial_record_from_dict
from tests.clinic.conftest import Staff

TODAY = datetime.now(UTC).date()


def register(uow: UnitOfWork, staff: Staff, mrn: str = "MRN-1", family: str = "Lee") -> Patient:
    """A patient with failed back surgery syndrome and Medicare coverage."""
    return register_patient(
        uow,
        RegisterPatient(
            mrn=mrn,
            given_name="Ann",
            family_name=family,
            birth_date=date(1958, 4, 2),
            sex="female",
            location_code="main",
            diagnoses=(Diagnosis("M96.1", "", primary=True), Diagnosis("M54.16", "")),
            coverage=(Coverage("Medicare", "1EG4-TE5-MK72"),),
        ),
        staff.nurse,
    )


def evaluation(patient_id: int, **changes: Any) -> RecordEvaluation:
    """An evaluation that finds a non-cancer patient eligible."""
    base: dict[str, Any] = {
        "patient_id": patient_id,
        "evaluated_on": TODAY - timedelta(days=30),
        "indication": "non_cancer",
        "conservative_therapies": (
            ConservativeTherapy("physical therapy", 8),
            ConservativeTherapy("oral opioids", 12),
        ),
        "surgery_is_option": False,
        "psych_evaluation_done": True,
        "psych_cleared": True,
    }
    base.update(changes)
    return RecordEvaluation(**base)


def trial_record(relief_to: int = 2, dose: str = "0.3 mg") -> TrialRecord:
    """A single-shot morphine trial from NRS 8 to ``relief_to``, observed 8 h."""
    return trial_record_from_dict(trial_data(relief_to, dose), load_trial_config().side_effects)


def trial_data(relief_to: int = 2, dose: str = "0.3 mg") -> dict[str, Any]:
    """The plain-data form of ``trial_record``."""
    return {
        "drug": "morphine",
        "started_at": f"{TODAY - timedelta(days=20)}T08:00:00+00:00",
        "baseline": {"nrs": 8},
        "injections": [{"at": "0 h", "dose": dose}],
        "scores": [
            {"at": "2 h", "nrs": min(relief_to + 1, 10)},
            {"at": "4 h", "nrs": relief_to},
            {"at": "8 h", "nrs": relief_to},
        ],
        "side_effects": [{"effect": "pruritus", "severity": "mild", "at": "3 h"}],
        "function_improved": True,
    }


def implant_cmd(patient_id: int, serial: str = "NGP123456", **changes: Any) -> RecordImplant:
    """A SynchroMed II 20 mL implant ten days ago (``changes`` override fields)."""
    return dataclasses.replace(implant_cmd_base(patient_id, serial), **changes)


def implant_cmd_base(patient_id: int, serial: str) -> RecordImplant:
    """The default implant command."""
    return RecordImplant(
        patient_id=patient_id,
        implanted_on=TODAY - timedelta(days=10),
        hospital="General Hospital",
        surgeon="Dr Neuro",
        hospital_stay_days=2,
        pump_model="synchromed-ii-20",
        pump_serial=serial,
        reservoir=Volume(20, "mL"),
        catheter_length_cm=Decimal("45.0"),
        catheter_tip_level="T10",
        catheter_volume=Volume(Decimal("0.1"), "mL"),
        device_key=b"k" * 32,
        device_key_id=f"key-{serial}",
    )


def morphine_program(rate: str = "0.05 mL/day", conc: str = "10 mg/mL") -> Prescription:
    """Morphine by simple continuous infusion."""
    return prescription_from_dict(
        {
            "solution": [{"drug": "morphine", "concentration": conc}],
            "basal": {"continuous": rate},
        }
    )


def implanted(
    uow: UnitOfWork, staff: Staff, mrn: str = "MRN-1", family: str = "Lee", **implant: Any
) -> Patient:
    """A patient taken through evaluation, a successful trial and an implant (``implant``
    overrides implant fields)."""
    patient = register(uow, staff, mrn, family)
    assert patient.id is not None
    record_evaluation(uow, evaluation(patient.id), staff.physician)
    record_trial(uow, RecordTrial(patient.id, trial_record()), staff.physician)
    record_implant(uow, implant_cmd(patient.id, serial=f"SN-{mrn}", **implant), staff.physician)
    return patient


def programmed(
    uow: UnitOfWork, staff: Staff, mrn: str = "MRN-1", at: datetime | None = None
) -> Patient:
    """An implanted patient with a first morphine prescription (version 1)."""
    patient = implanted(uow, staff, mrn)
    assert patient.id is not None
    program_prescription(
        uow,
        ProgramPrescription(
            patient.id, morphine_program(), 0, at=at or datetime.now(UTC) - timedelta(days=9)
        ),
        staff.physician,
    )
    return patient


def cosigned_program(
    uow: UnitOfWork, staff: Staff, patient_id: int, rx: Prescription, at: datetime
) -> None:
    """Program ``rx`` as a clinic would for an opioid-tolerant patient without psychosis:
    record that profile, then store the program, with an override co-signed by the second
    physician in their own session where the policy asks for one (HARD still refuses)."""
    record_dosing_profile(
        uow, RecordDosingProfile(patient_id, "tolerant", False, "spinal", False, 0), staff.physician
    )
    draft = ProgramPrescription(patient_id, rx, 0, at=at)
    report = check_prescription(uow, draft, staff.physician)
    soft = frozenset(f.rule for f in report.of(Severity.SOFT))
    if not soft:
        program_prescription(uow, draft, staff.physician)
        return
    request = OverrideRequest(soft, "test fixture: tolerant patient", staff.physician2.user_id)
    stored = program_prescription(
        uow, dataclasses.replace(draft, override=request), staff.physician
    ).prescription
    decide_override(uow, DecideOverride(patient_id, stored.version, "confirm"), staff.physician2)

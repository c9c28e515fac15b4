"""Export of a programmed patient on every backend: an admixture with flex steps and a
patient bolus, a SOFT finding overridden and co-signed, trial doses and pain scores; every
resource passes both validators and keeps the domain's exact values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from intrathecal.clinic.commands import (
    ConfirmOnPump,
    DecideOverride,
    OverrideRequest,
    ProgramPrescription,
)
from intrathecal.clinic.errors import SafetyRefused
from intrathecal.clinic.programming import confirm_on_pump, decide_override, program_prescription
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.core.program_spec import prescription_from_dict
from intrathecal.fhir.chart import read_chart
from intrathecal.fhir.export import everything_bundle, resources
from intrathecal.fhir.jsonio import dumps
from tests.clinic.builders import implanted
from tests.clinic.conftest import Staff
from tests.fhir.validators import validate_r4_models, validate_structure_definitions

ADMIXTURE_FLEX = {
    "solution": [
        {"drug": "morphine", "concentration": "2 mg/mL"},
        {"drug": "bupivacaine", "concentration": "0.1 mg/mL"},
    ],
    "basal": {
        "flex": [{"start": "0 h", "rate": "0.1 mL/day"}, {"start": "8 h", "rate": "0.2 mL/day"}]
    },
    "patient_bolus": {"volume": "0.01 mL", "duration": "5 min", "lockout": "4 h", "max_per_day": 3},
}


def _request_override(uow: UnitOfWork, staff: Staff, patient_id: int) -> None:
    """Program the admixture; its SOFT findings are overridden, pending the co-signature."""
    program = prescription_from_dict(ADMIXTURE_FLEX)
    at = datetime.now(UTC) - timedelta(days=5)
    try:
        program_prescription(
            uow, ProgramPrescription(patient_id, program, 0, at=at), staff.physician
        )
    except SafetyRefused as refused:
        codes = frozenset(f.rule for f in refused.findings if f.severity.value == "soft")
        second = staff.physician2.user_id
        assert second is not None
        program_prescription(
            uow,
            ProgramPrescription(
                patient_id,
                program,
                0,
                OverrideRequest(codes, "palliative, reviewed", second),
                at=at,
            ),
            staff.physician,
        )
    else:
        raise AssertionError("the admixture was expected to need an override (unit slip)")


def _program(uow: UnitOfWork, staff: Staff, patient_id: int) -> None:
    _request_override(uow, staff, patient_id)
    # stored pending: the second physician confirms it in their own session
    decide_override(uow, DecideOverride(patient_id, 1, "confirm"), staff.physician2)
    confirm_on_pump(uow, ConfirmOnPump(patient_id, 1), staff.nurse)


def _by_type(items: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r for r in items if r["resourceType"] == kind]


def test_an_admixture_flex_program_exports_every_strength_step_and_limit(
    uow: UnitOfWork, staff: Staff
) -> None:
    patient = implanted(uow, staff)
    assert patient.id is not None
    _program(uow, staff, patient.id)
    items = resources(read_chart(uow, staff.physician, patient.id))

    rx = _by_type(items, "MedicationRequest")[0]
    medication = rx["contained"][0]
    strengths = {
        i["itemCodeableConcept"]["coding"][0]["code"]: dumps(i["strength"]["numerator"]["value"])
        for i in medication["ingredient"]
    }
    assert strengths == {"morphine": "2", "bupivacaine": "0.1"}
    steps = [
        d
        for d in rx["dosageInstruction"]
        if "timing" in d and d["timing"]["repeat"].get("timeOfDay")
    ]
    assert [s["timing"]["repeat"]["timeOfDay"] for s in steps] == [["00:00:00"], ["08:00:00"]]
    assert [dumps(s["timing"]["repeat"]["duration"]) for s in steps] == ["480", "960"]
    bolus = next(d for d in rx["dosageInstruction"] if d.get("asNeededBoolean"))
    assert dumps(bolus["doseAndRate"][0]["doseQuantity"]["value"]) == "0.01"
    assert dumps(bolus["maxDosePerPeriod"]["numerator"]["value"]) == "0.03"
    # worst case per day: 1/30 mL (8 h at 0.1) + 2/15 mL (16 h at 0.2) + 3 x 0.01 mL = 59/300
    expected_max = "0.196666666666667"  # 59/300 has no finite decimal
    assert dumps(steps[0]["maxDosePerPeriod"]["numerator"]["value"]) == expected_max

    provenance = _by_type(items, "Provenance")
    roles = {a["type"]["coding"][0]["code"] for p in provenance for a in p["agent"]}
    assert roles == {"author", "verifier", "performer"}
    # 0.1 mg/mL bupivacaine is a SOFT unit-slip finding: overridden and co-signed
    issues = _by_type(items, "DetectedIssue")
    overridden = [i for i in issues if i["code"]["coding"][0]["code"] == "unit_slip"]
    assert overridden[0]["severity"] == "moderate"
    mitigation = overridden[0]["mitigation"][0]
    assert mitigation["author"]["reference"] == f"Practitioner/{staff.physician2.user_id}"
    assert mitigation["action"]["text"] == "palliative, reviewed"
    assert {"Procedure", "MedicationAdministration", "Observation", "Device"} <= {
        r["resourceType"] for r in items
    }
    pain = [
        o for o in _by_type(items, "Observation") if o["code"]["coding"][0]["code"] == "72514-3"
    ]
    assert [dumps(o["valueQuantity"]["value"]) for o in pain][:2] == ["8", "3"]

    bundle = everything_bundle(read_chart(uow, staff.physician, patient.id), "http://x/fhir")
    for resource in [bundle, *items]:
        validate_r4_models(resource)
    assert validate_structure_definitions([bundle, *items]) == len(items) + 1


def test_a_pending_then_rejected_override_is_never_shown_as_cosigned(
    uow: UnitOfWork, staff: Staff
) -> None:
    patient = implanted(uow, staff)
    assert patient.id is not None
    _request_override(uow, staff, patient.id)

    def exported() -> list[dict[str, Any]]:
        assert patient.id is not None
        return resources(read_chart(uow, staff.physician, patient.id))

    pending = exported()
    assert _by_type(pending, "MedicationRequest")[0]["status"] == "draft"
    assert not any(i.get("mitigation") for i in _by_type(pending, "DetectedIssue"))
    agents = {
        a["type"]["coding"][0]["code"] for p in _by_type(pending, "Provenance") for a in p["agent"]
    }
    assert agents == {"author"}

    decide_override(uow, DecideOverride(patient.id, 1, "reject"), staff.physician2)
    rejected = exported()
    assert _by_type(rejected, "MedicationRequest")[0]["status"] == "cancelled"
    assert not any(i.get("mitigation") for i in _by_type(rejected, "DetectedIssue"))
    assert validate_structure_definitions(rejected) == len(rejected)

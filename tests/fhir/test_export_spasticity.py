"""A baclofen screening's spasticity grades in the export, on every backend: one Observation
per grade (before each injection, then after), the grade as a code with ``1+`` kept, at the
grade's exact time, and every resource passes both validators."""

from __future__ import annotations

from datetime import timedelta

from intrathecal.clinic.commands import RecordTrial
from intrathecal.clinic.pathway import record_evaluation, record_trial
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.core.trial_config import load_trial_config
from intrathecal.core.trial_record import trial_record_from_dict
from intrathecal.fhir import systems
from intrathecal.fhir.chart import read_chart
from intrathecal.fhir.export import resources
from tests.clinic.builders import TODAY, evaluation, register
from tests.clinic.conftest import Staff
from tests.fhir.validators import validate_r4_models, validate_structure_definitions

SCREENING = {
    "drug": "baclofen",
    "started_at": f"{TODAY - timedelta(days=5)}T08:00:00+00:00",
    "baseline": {"nrs": 0},
    "injections": [{"dose": "50 mcg", "at": "0 h"}, {"dose": "75 mcg", "at": "24 h"}],
    "spasticity": {
        "scale": "modified_ashworth",
        "before": [3, 2],
        "after": [{"at": "2 h", "grade": "1+"}, {"at": "26.5 h", "grade": 1}],
    },
}


def test_spasticity_grades_are_exported_with_their_scale_and_times(
    uow: UnitOfWork, staff: Staff
) -> None:
    patient = register(uow, staff)
    assert patient.id is not None
    record_evaluation(uow, evaluation(patient.id), staff.physician)
    record = trial_record_from_dict(SCREENING, load_trial_config().side_effects)
    record_trial(uow, RecordTrial(patient.id, record), staff.physician)

    items = resources(read_chart(uow, staff.physician, patient.id))
    grades = [
        o
        for o in items
        if o["resourceType"] == "Observation"
        and o["code"]["coding"][0]["code"] == "spasticity-modified_ashworth"
    ]
    values = [o["valueCodeableConcept"]["coding"][0] for o in grades]
    assert [v["code"] for v in values] == ["3", "2", "1+", "1"]
    assert {v["system"] for v in values} == {systems.SPASTICITY_GRADE}
    assert values[2]["display"] == "modified Ashworth 1+"
    day = TODAY - timedelta(days=5)
    assert [o["effectiveDateTime"][:19] for o in grades] == [
        f"{day}T08:00:00",
        f"{day + timedelta(days=1)}T08:00:00",
        f"{day}T10:00:00",
        f"{day + timedelta(days=1)}T10:30:00",
    ]
    assert [o["note"][0]["text"] for o in grades][:2] == [
        "just before injection 1",
        "just before injection 2",
    ]
    assert len({(o["resourceType"], o["id"]) for o in items}) == len(items)
    for resource in items:
        validate_r4_models(resource)
    assert validate_structure_definitions(items) == len(items)

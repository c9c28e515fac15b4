"""A baclofen screening over HTTP: judged on spasticity grades, bounded grade input."""

from __future__ import annotations

from typing import Any

from intrathecal.clinic.permissions import Role
from tests.api.conftest import Api
from tests.api.helpers import create_patient, evaluation_body

SCREENING: dict[str, Any] = {
    "drug": "baclofen",
    "started_at": "2026-10-01T08:00:00Z",
    "baseline_nrs": 6,
    "injections": [{"dose": "50 mcg", "at": "0 h"}],
    "scores": [{"at": "4 h", "nrs": 1}],
}
GRADES = {
    "scale": "modified_ashworth",
    "before": [3],
    "after": [{"at": "2 h", "grade": 1}, {"at": "6 h", "grade": 1}, {"at": "9 h", "grade": "1+"}],
}


def _patient(api: Api) -> tuple[Any, int]:
    doc = api.as_role(Role.PHYSICIAN)
    pid = create_patient(doc)["id"]
    doc.post(f"/api/v1/patients/{pid}/evaluations", json=evaluation_body())
    return doc, pid


def test_baclofen_screening_succeeds_on_spasticity_and_keeps_the_grades(api: Api) -> None:
    doc, pid = _patient(api)
    response = doc.post(f"/api/v1/patients/{pid}/trials", json={**SCREENING, "spasticity": GRADES})
    assert response.status_code == 201, response.text
    trial = response.json()["trial"]
    assert trial["outcome"] == "success"
    assert trial["record"]["spasticity"] == GRADES
    assert response.json()["evaluation"]["spasticity"]["effective"] is not None
    listed = doc.get(f"/api/v1/patients/{pid}/trials").json()["items"]
    assert listed[0]["record"]["spasticity"] == GRADES


def test_baclofen_screening_without_grades_says_they_are_required(api: Api) -> None:
    doc, pid = _patient(api)
    response = doc.post(f"/api/v1/patients/{pid}/trials", json=SCREENING)
    assert response.status_code == 201, response.text
    trial = response.json()["trial"]
    assert trial["outcome"] == "inconclusive"
    assert "spasticity scores are required" in trial["outcome_reasons"][0]


def test_out_of_range_or_misplaced_grades_are_422(api: Api) -> None:
    doc, pid = _patient(api)
    for bad in (
        {**GRADES, "before": [5]},
        {**GRADES, "before": [2.5]},
        {**GRADES, "before": ["3"]},
        {**GRADES, "scale": "ashworth", "before": ["1+"]},
        {**GRADES, "before": [3, 3]},
        {**GRADES, "scale": "tardieu"},
    ):
        response = doc.post(f"/api/v1/patients/{pid}/trials", json={**SCREENING, "spasticity": bad})
        assert response.status_code == 422, (bad, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert doc.get(f"/api/v1/patients/{pid}/trials").json()["total"] == 0

"""The co-signature page offers the decision only to a physician who may take it, and a
decision that came too late says why (SQLite and PostgreSQL)."""

from __future__ import annotations

from tests.web.clinic_fixtures import make_clinic
from tests.web.conftest import Web
from tests.web.test_cosign_views import _request_override

DECIDE = 'name="decision" value="confirm"'


def test_the_requester_sees_the_request_without_the_decision_buttons(web: Web) -> None:
    clinic = make_clinic(web)
    _request_override(clinic)
    page = clinic.client("dr.ada").get(
        f"/clinic/patients/{clinic.patient_id}/prescriptions/2/cosign"
    )
    assert page.status_code == 200
    assert DECIDE not in page.text
    assert "another physician" in page.text
    other = clinic.client("dr.ben").get(
        f"/clinic/patients/{clinic.patient_id}/prescriptions/2/cosign"
    )
    assert DECIDE in other.text


def test_a_second_decision_on_a_decided_request_names_the_conflict(web: Web) -> None:
    clinic = make_clinic(web)
    _request_override(clinic)
    second = clinic.client("dr.ben")
    path = f"/clinic/patients/{clinic.patient_id}/prescriptions/2/cosign"
    second.get(path)
    assert second.submit(path, {"decision": "confirm"}).status_code == 303
    again = second.submit(path, {"decision": "confirm"})
    assert again.status_code == 409
    assert "version 2" in again.text


def test_the_findings_partial_updates_the_as_entered_column(web: Web) -> None:
    """Typing a new rate re-checks it and re-draws the side-by-side table with what was
    typed, so the findings and the 'as entered' settings never disagree."""
    clinic = make_clinic(web)
    doctor = clinic.client("dr.ada")
    pid = clinic.patient_id
    doctor.get(f"/clinic/patients/{pid}/program")
    partial = doctor.submit(
        f"/clinic/patients/{pid}/program/check",
        {"expected_version": "1", "drug": "morphine", "concentration": "10 mg/mL",
         "basal_rate": "0.0625 mL/day"},
    )  # fmt: skip
    assert '<section id="settings-compare" aria-labelledby="h-current" hx-swap-oob="true">' in (
        partial.text
    )
    table = partial.text.split('id="settings-compare"')[1]
    assert "0.0625 mL/day" in table
    assert "0.05 mL/day" in table  # the program in force, v1

"""Override co-signature in the web: SOFT findings make a pending version that only another
physician, in their own session, can confirm or reject (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from tests.web.clinic_fixtures import Clinic, make_clinic
from tests.web.conftest import Web

RAISE = {
    "expected_version": "1",
    "drug": "morphine",
    "concentration": "10 mg/mL",
    "basal_rate": "0.0625 mL/day",
}  # fmt: skip  (0.5 -> 0.625 mg/day: +25 %)


@pytest.fixture
def clinic(web: Web) -> Clinic:
    return make_clinic(web)


def _request_override(clinic: Clinic) -> None:
    doctor = clinic.client("dr.ada")
    pid = clinic.patient_id
    doctor.get(f"/clinic/patients/{pid}/program")
    partial = doctor.submit(f"/clinic/patients/{pid}/program/check", RAISE)
    assert 'name="accept" value="dose_increase"' in partial.text
    missing_reason = doctor.submit(f"/clinic/patients/{pid}/program", RAISE)
    assert missing_reason.status_code == 422
    assert "dose_increase" in missing_reason.text
    sent = doctor.submit(
        f"/clinic/patients/{pid}/program",
        {**RAISE, "accept": "dose_increase", "override_reason": "pain uncontrolled"},
    )
    assert sent.status_code == 303, sent.text


def test_soft_override_waits_for_a_second_physician_who_confirms_it(clinic: Clinic) -> None:
    _request_override(clinic)
    pid = clinic.patient_id
    chart = clinic.client("dr.ada").get(f"/clinic/patients/{pid}")
    assert "waiting for a co-signature" in chart.text
    own = clinic.client("dr.ada")
    own.get(f"/clinic/patients/{pid}/prescriptions/2/cosign")
    refused = own.submit(f"/clinic/patients/{pid}/prescriptions/2/cosign", {"decision": "confirm"})
    assert refused.status_code == 403
    second = clinic.client("dr.ben")
    waiting = second.get("/clinic/cosign")
    assert f"/clinic/patients/{pid}/prescriptions/2/cosign" in waiting.text
    worklist = second.get("/clinic/worklist")
    assert f"/clinic/patients/{pid}/prescriptions/2/cosign" in worklist.text
    page = second.get(f"/clinic/patients/{pid}/prescriptions/2/cosign")
    assert "pain uncontrolled" in page.text
    assert "UTC by dr.ada;" in page.text  # the requester by name, not by user id
    done = second.submit(f"/clinic/patients/{pid}/prescriptions/2/cosign", {"decision": "confirm"})
    assert done.status_code == 303
    assert "(co-signed by dr.ben)" in second.get(f"/clinic/patients/{pid}").text
    with clinic.web.context.uow_factory() as uow:
        current = uow.prescriptions.current(pid)
        actions = [e.action for e in uow.audit.for_patient(pid, 30)]
    assert current is not None
    assert current.version == 2
    assert current.override_by == clinic.staff.physician2.user_id
    assert "prescription.override_confirmed" in actions


def test_second_physician_may_reject_and_nurses_may_not_cosign(clinic: Clinic) -> None:
    _request_override(clinic)
    pid = clinic.patient_id
    nurse = clinic.client("nurse.cy")
    assert nurse.get(f"/clinic/patients/{pid}/prescriptions/2/cosign").status_code == 403
    second = clinic.client("dr.ben")
    second.get(f"/clinic/patients/{pid}/prescriptions/2/cosign")
    done = second.submit(
        f"/clinic/patients/{pid}/prescriptions/2/cosign",
        {"decision": "reject", "note": "titrate more slowly"},
    )
    assert done.status_code == 303
    with clinic.web.context.uow_factory() as uow:
        current = uow.prescriptions.current(pid)
    assert current is not None
    assert current.version == 1

"""The dosing profile form on the clinician chart: audited, CSRF-checked, version-guarded,
and what it records is what the dosing policy reads."""

from __future__ import annotations

from intrathecal.clinic.dosing_profile import dosing_profile
from intrathecal.core.safety import OpioidStatus, SpasticityOrigin
from tests.web.clinic_fixtures import Clinic, make_clinic
from tests.web.conftest import Web

PROFILE = {"opioid_status": "tolerant", "psychosis_history": "no",
           "spasticity_origin": "spinal", "cancer_pain": "", "version": "0"}  # fmt: skip


def _actions(clinic: Clinic) -> list[str]:
    with clinic.web.context.uow_factory() as uow:
        return [e.action for e in uow.audit.for_patient(clinic.patient_id, 30)]


def test_recording_the_profile_reaches_the_policy_and_the_chart(web: Web) -> None:
    clinic = make_clinic(web)
    path = f"/clinic/patients/{clinic.patient_id}/dosing-profile"
    nurse = clinic.client("nurse.cy")
    page = nurse.get(path)
    assert page.status_code == 200
    assert 'name="csrf_token"' in page.text
    assert "patient.dosing_profile_read" in _actions(clinic)
    recorded = nurse.submit(path, PROFILE)
    assert recorded.status_code == 303
    assert recorded.headers["location"].endswith("#h-dosing")
    assert "patient.dosing_profile_recorded" in _actions(clinic)
    with web.context.uow_factory() as uow:
        profile = dosing_profile(uow, clinic.patient_id)
    assert profile.opioid_status is OpioidStatus.TOLERANT
    assert profile.psychosis_history is False
    assert profile.spasticity_origin is SpasticityOrigin.SPINAL
    assert profile.cancer_pain is None
    chart = nurse.get(f"/clinic/patients/{clinic.patient_id}").text
    assert "Opioid status <strong>tolerant</strong>" in chart
    assert "cancer pain <strong>not recorded</strong>" in chart
    form = nurse.get(path).text
    assert 'value="1"' in form  # the version now edited


def test_a_stale_version_or_a_bad_answer_keeps_what_was_typed(web: Web) -> None:
    clinic = make_clinic(web)
    path = f"/clinic/patients/{clinic.patient_id}/dosing-profile"
    doctor = clinic.client("dr.ada")
    doctor.get(path)
    assert doctor.submit(path, PROFILE).status_code == 303
    stale = doctor.submit(path, {**PROFILE, "opioid_status": "naive"})
    assert stale.status_code == 422
    assert "version 1" in stale.text
    bad = doctor.submit(path, {**PROFILE, "version": "1", "psychosis_history": "maybe"})
    assert bad.status_code == 422
    with web.context.uow_factory() as uow:
        assert dosing_profile(uow, clinic.patient_id).opioid_status is OpioidStatus.TOLERANT


def test_without_the_csrf_token_or_the_role_nothing_is_recorded(web: Web) -> None:
    clinic = make_clinic(web)
    path = f"/clinic/patients/{clinic.patient_id}/dosing-profile"
    nurse = clinic.client("nurse.cy")
    nurse.get(path)
    assert nurse.submit(path, PROFILE, with_token=False).status_code == 403
    scheduler = clinic.client("sched.di")
    assert scheduler.get(path).status_code == 403
    assert "patient.dosing_profile_recorded" not in _actions(clinic)

"""The care pathway end to end over HTTP: evaluation, trial, implant, programming, refill."""

from __future__ import annotations

from intrathecal.clinic.permissions import Role
from tests.api.conftest import Api
from tests.api.helpers import (
    audit_count,
    create_patient,
    evaluation_body,
    implant_body,
    implanted_patient,
    only_refusals_since,
    program_body,
    trial_body,
)


def test_evaluation_computes_eligibility_with_reasons(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = create_patient(doc)["id"]
    ok = doc.post(f"/api/v1/patients/{pid}/evaluations", json=evaluation_body())
    assert ok.status_code == 201, ok.text
    assert ok.json()["eligible"] is True
    short = doc.post(
        f"/api/v1/patients/{pid}/evaluations",
        json=evaluation_body(
            conservative_therapies=[{"name": "physical therapy", "months": 2}],
            contraindications=["active_infection"],
        ),
    )
    assert short.json()["eligible"] is False
    assert any("infection" in r for r in short.json()["reasons"])
    listed = doc.get(f"/api/v1/patients/{pid}/evaluations").json()
    assert listed["total"] == 2


def test_trial_outcome_success_refers_and_failure_does_not(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = create_patient(doc)["id"]
    doc.post(f"/api/v1/patients/{pid}/evaluations", json=evaluation_body())
    good = doc.post(f"/api/v1/patients/{pid}/trials", json=trial_body(success=True))
    assert good.status_code == 201, good.text
    assert good.json()["trial"]["outcome"] == "success"
    assert good.json()["trial"]["referral_to"]
    bad = doc.post(f"/api/v1/patients/{pid}/trials", json=trial_body(success=False))
    assert bad.json()["trial"]["outcome"] != "success"
    assert bad.json()["trial"]["referral_to"] is None


def test_trial_needs_an_eligible_evaluation(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = create_patient(doc)["id"]
    before = audit_count(doc)
    response = doc.post(f"/api/v1/patients/{pid}/trials", json=trial_body())
    assert response.status_code == 422
    assert "evaluation" in response.json()["detail"]
    only_refusals_since(doc, before, 422)


def test_trial_dose_without_unit_names_the_field(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = create_patient(doc)["id"]
    body = trial_body(injections=[{"dose": "0.2"}])
    response = doc.post(f"/api/v1/patients/{pid}/trials", json=body)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "body.injections.0.dose"
    assert "mass" in error["expected"]


def test_implant_without_successful_trial_needs_a_waiver(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = create_patient(doc)["id"]
    refused = doc.post(f"/api/v1/patients/{pid}/implants", json=implant_body())
    assert refused.status_code == 422
    waived = doc.post(
        f"/api/v1/patients/{pid}/implants",
        json=implant_body(trial_waived_reason="baclofen screening done elsewhere"),
    )
    assert waived.status_code == 201
    assert waived.json()["reservoir"] == "20 mL"


def test_implant_reservoir_in_wrong_unit_is_422(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = create_patient(doc)["id"]
    response = doc.post(f"/api/v1/patients/{pid}/implants", json=implant_body(reservoir="20 mg"))
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "body.reservoir"
    assert "volume" in error["expected"]


def test_programming_stores_versions_and_stale_version_is_409(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = implanted_patient(doc)
    first = doc.post(f"/api/v1/patients/{pid}/prescriptions", json=program_body())
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["prescription"]["version"] == 1
    assert body["prescription"]["daily_dose"] == "0.3 mg/day"
    assert first.headers["etag"] == '"1"'
    second = doc.post(
        f"/api/v1/patients/{pid}/prescriptions",
        json=program_body(rate="0.32 mL/day", version=1),
    )
    assert second.status_code == 201, second.text
    before = audit_count(doc)
    stale = doc.post(
        f"/api/v1/patients/{pid}/prescriptions", json=program_body(rate="0.31 mL/day", version=1)
    )
    assert stale.status_code == 409
    only_refusals_since(doc, before, 409)
    current = doc.get(f"/api/v1/patients/{pid}/prescriptions/current")
    assert current.headers["etag"] == '"2"'
    assert current.json()["daily_dose"] == "0.32 mg/day"
    history = doc.get(f"/api/v1/patients/{pid}/prescriptions").json()
    assert [p["version"] for p in history["items"]] == [1, 2]
    assert history["items"][0]["status"] == "superseded"


def test_hard_finding_refuses_with_findings_listed(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = implanted_patient(doc)
    response = doc.post(
        f"/api/v1/patients/{pid}/prescriptions",
        json=program_body(concentration="20 mg/mL", rate="1 mL/day"),
    )
    assert response.status_code == 422
    body = response.json()
    assert body["type"].endswith("/safety-refused")
    hard = {f["rule"] for f in body["findings"] if f["severity"] == "hard"}
    assert "max_daily_dose" in hard
    assert doc.get(f"/api/v1/patients/{pid}/prescriptions").json()["total"] == 0
    assert doc.get(f"/api/v1/patients/{pid}/prescriptions/current").status_code == 404


def test_soft_finding_waits_pending_until_a_second_physician_confirms_in_their_session(
    api: Api,
) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = implanted_patient(doc)
    assert doc.post(f"/api/v1/patients/{pid}/prescriptions", json=program_body()).status_code == 201
    jump = program_body(rate="0.45 mL/day", version=1)
    refused = doc.post(f"/api/v1/patients/{pid}/prescriptions", json=jump)
    assert refused.status_code == 422
    soft = [f["rule"] for f in refused.json()["findings"] if f["severity"] == "soft"]
    assert "dose_increase" in soft
    second_id = api.make_user("dr.second", Role.PHYSICIAN)
    jump["override"] = {"codes": soft, "reason": "pain uncontrolled, reviewed"}
    requested = doc.post(f"/api/v1/patients/{pid}/prescriptions", json=jump)
    assert requested.status_code == 202, requested.text
    pending = requested.json()["prescription"]
    assert (pending["status"], pending["version"], pending["override_by"]) == ("pending", 2, None)
    # not in force: the pump is still programmed from version 1, which cannot be superseded
    current = doc.get(f"/api/v1/patients/{pid}/prescriptions/current").json()
    assert (current["version"], current["status"]) == (1, "active")
    assert doc.post(f"/api/v1/patients/{pid}/prescriptions/2/confirm").status_code == 409
    # the requesting physician cannot co-sign it, nor see it on their co-sign worklist
    assert doc.get("/api/v1/cosignatures").json() == []
    own = doc.post(f"/api/v1/patients/{pid}/prescriptions/2/cosign", json={"decision": "confirm"})
    assert own.status_code == 403
    second = api.login("dr.second")
    worklist = second.get("/api/v1/cosignatures").json()
    assert [(p["patient_id"], p["version"]) for p in worklist] == [(pid, 2)]
    confirmed = second.post(
        f"/api/v1/patients/{pid}/prescriptions/2/cosign", json={"decision": "confirm"}
    )
    assert confirmed.status_code == 200, confirmed.text
    out = confirmed.json()
    assert (out["status"], out["override_by"]) == ("active", second_id)
    assert out["override_decided_at"]
    current = doc.get(f"/api/v1/patients/{pid}/prescriptions/current").json()
    assert current["version"] == 2
    with api.app.state.context.uow_factory() as uow:
        trail = uow.audit.for_patient(pid)
    done = [e for e in trail if e.action == "prescription.override_confirmed"]
    assert [(e.actor_username, e.details["requested_by"]) for e in done] == [
        ("dr.second", current["prescribed_by"])
    ]


def test_a_cosigner_rejects_and_a_stale_request_cannot_be_confirmed(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = implanted_patient(doc)
    doc.post(f"/api/v1/patients/{pid}/prescriptions", json=program_body())
    named = api.make_user("dr.named", Role.PHYSICIAN)
    api.make_user("dr.other", Role.PHYSICIAN)
    jump = program_body(rate="0.45 mL/day", version=1)
    jump["override"] = {"codes": ["dose_increase"], "reason": "reviewed", "cosigner_id": named}
    assert doc.post(f"/api/v1/patients/{pid}/prescriptions", json=jump).status_code == 202
    other = api.login("dr.other")
    assert other.get("/api/v1/cosignatures").json() == []
    addressed = other.post(
        f"/api/v1/patients/{pid}/prescriptions/2/cosign", json={"decision": "confirm"}
    )
    assert addressed.status_code == 403
    rejected = api.login("dr.named").post(
        f"/api/v1/patients/{pid}/prescriptions/2/cosign",
        json={"decision": "reject", "note": "titrate in smaller steps"},
    )
    assert rejected.status_code == 200
    assert (rejected.json()["status"], rejected.json()["override_by"]) == ("rejected", named)
    # a new request (v3), then a newer program (v4) overtakes it: v3 can no longer be confirmed
    jump["override"] = {"codes": ["dose_increase"], "reason": "reviewed again"}
    assert doc.post(f"/api/v1/patients/{pid}/prescriptions", json=jump).status_code == 202
    small = program_body(rate="0.06 mL/day", version=1)
    assert doc.post(f"/api/v1/patients/{pid}/prescriptions", json=small).status_code == 201
    stale = other.post(
        f"/api/v1/patients/{pid}/prescriptions/3/cosign", json={"decision": "confirm"}
    )
    assert stale.status_code == 409
    assert "withdrawn" in stale.json()["detail"]
    assert doc.get(f"/api/v1/patients/{pid}/prescriptions/current").json()["version"] == 4


def test_the_second_clinician_claim_field_is_gone(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = implanted_patient(doc)
    doc.post(f"/api/v1/patients/{pid}/prescriptions", json=program_body())
    other = api.make_user("dr.claimed", Role.PHYSICIAN)
    jump = program_body(rate="0.45 mL/day", version=1)
    jump["override"] = {"codes": ["dose_increase"], "reason": "x", "second_clinician_id": other}
    response = doc.post(f"/api/v1/patients/{pid}/prescriptions", json=jump)
    assert response.status_code == 422
    current = doc.get(f"/api/v1/patients/{pid}/prescriptions/current").json()
    assert current["version"] == 1


def test_nurse_cannot_program_but_can_confirm_and_refill(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = implanted_patient(doc)
    nurse = api.as_role(Role.NURSE)
    assert (
        nurse.post(f"/api/v1/patients/{pid}/prescriptions", json=program_body()).status_code == 403
    )
    assert doc.post(f"/api/v1/patients/{pid}/prescriptions", json=program_body()).status_code == 201
    confirmed = nurse.post(f"/api/v1/patients/{pid}/prescriptions/1/confirm")
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["pump_confirmed_at"]
    again = nurse.post(f"/api/v1/patients/{pid}/prescriptions/1/confirm")
    assert again.status_code == 409
    refill = nurse.post(
        f"/api/v1/patients/{pid}/refills",
        json={
            "performed_at": "2026-11-20T10:00:00Z",
            "drug": "morphine",
            "lot": "LOT-1",
            "concentration": "1 mg/mL",
            "measured_residual": "4 mL",
            "volume_added": "16 mL",
        },
    )
    assert refill.status_code == 201, refill.text
    out = refill.json()["refill"]
    assert out["concentration"] == "1 mg/mL"
    assert out["next_due"]
    assert out["alarm_date"]
    assert nurse.get(f"/api/v1/patients/{pid}/refills").json()["total"] == 1


def test_refill_with_wrong_concentration_is_refused(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = implanted_patient(doc)
    doc.post(f"/api/v1/patients/{pid}/prescriptions", json=program_body())
    response = doc.post(
        f"/api/v1/patients/{pid}/refills",
        json={
            "performed_at": "2026-11-20T10:00:00Z",
            "drug": "morphine",
            "lot": "LOT-2",
            "concentration": "10 mcg/mL",
            "measured_residual": "4 mL",
            "volume_added": "16 mL",
        },
    )
    assert response.status_code == 422
    assert "concentration" in response.json()["detail"]


def test_refill_residual_without_unit_is_422(api: Api) -> None:
    nurse = api.as_role(Role.NURSE)
    response = nurse.post(
        "/api/v1/patients/1/refills",
        json={
            "performed_at": "2026-11-20T10:00:00Z",
            "drug": "morphine",
            "lot": "LOT-2",
            "concentration": "10 mg/mL",
            "measured_residual": "4",
            "volume_added": 16,
        },
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"body.measured_residual", "body.volume_added"}


def test_adverse_events_are_recorded_by_clinicians_only(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = create_patient(doc)["id"]
    event = {
        "category": "csf_leak",
        "severity": "moderate",
        "onset": "2026-10-22",
        "description": "positional headache after implant",
    }
    nurse = api.as_role(Role.NURSE)
    assert nurse.post(f"/api/v1/patients/{pid}/adverse-events", json=event).status_code == 201
    scheduler = api.as_role(Role.SCHEDULER)
    assert scheduler.post(f"/api/v1/patients/{pid}/adverse-events", json=event).status_code == 403
    listed = doc.get(f"/api/v1/patients/{pid}/adverse-events").json()
    assert listed["items"][0]["category"] == "csf_leak"


def test_patient_sees_own_history_but_not_anothers(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    mine = implanted_patient(doc, "MRN-A")
    other = implanted_patient(doc, "MRN-B")
    me = api.as_role(Role.PATIENT, patient_id=mine)
    assert me.get(f"/api/v1/patients/{mine}/implants").status_code == 200
    assert me.get(f"/api/v1/patients/{other}/implants").status_code == 404
    assert me.get(f"/api/v1/patients/{other}/trials").status_code == 404
    assert me.post(f"/api/v1/patients/{mine}/prescriptions", json=program_body()).status_code == 403


def test_critical_pump_alarm_raises_a_device_alert_until_cleared(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = implanted_patient(doc)
    nurse = api.as_role(Role.NURSE)
    raised = nurse.post(
        f"/api/v1/patients/{pid}/pump-status",
        json={"at": "2026-11-25T10:00:00Z", "alarms": ["motor_stall"]},
    )
    assert raised.status_code == 200, raised.text
    assert "motor_stall" in raised.json()["device_alert"]
    kinds = {(i["patient_id"], i["kind"]) for i in doc.get("/api/v1/worklist").json()["items"]}
    assert any(p == pid and "device" in k for p, k in kinds)
    unknown = nurse.post(
        f"/api/v1/patients/{pid}/pump-status",
        json={"at": "2026-11-25T10:00:00Z", "alarms": ["gremlins"]},
    )
    assert unknown.status_code == 422
    cleared = nurse.post(
        f"/api/v1/patients/{pid}/device-alert/clear", json={"note": "MRI stall, resumed"}
    )
    assert cleared.status_code == 200
    assert cleared.json()["device_alert"] is None
    scheduler = api.as_role(Role.SCHEDULER)
    denied = scheduler.post(
        f"/api/v1/patients/{pid}/pump-status", json={"at": "2026-11-25T10:00:00Z"}
    )
    assert denied.status_code == 403


def test_prescription_version_may_come_as_if_match(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = implanted_patient(doc)
    body = program_body()
    del body["version"]
    missing = doc.post(f"/api/v1/patients/{pid}/prescriptions", json=body)
    assert missing.status_code == 428
    first = doc.post(
        f"/api/v1/patients/{pid}/prescriptions", json=body, headers={"If-Match": '"0"'}
    )
    assert first.status_code == 201
    again = doc.post(
        f"/api/v1/patients/{pid}/prescriptions", json=body, headers={"If-Match": '"0"'}
    )
    assert again.status_code == 409
    assert "version 1" in again.json()["detail"]


def test_a_nurse_cannot_cosign_an_override(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = implanted_patient(doc)
    doc.post(f"/api/v1/patients/{pid}/prescriptions", json=program_body())
    nurse_id = api.make_user("nurse.cosign", Role.NURSE)
    before = audit_count(doc)
    jump = program_body(rate="0.45 mL/day", version=1)
    jump["override"] = {
        "codes": ["dose_increase"],
        "reason": "pain uncontrolled",
        "cosigner_id": nurse_id,
    }
    response = doc.post(f"/api/v1/patients/{pid}/prescriptions", json=jump)
    assert response.status_code == 422
    assert "co-signer" in response.json()["detail"]
    only_refusals_since(doc, before, 422)
    jump["override"].pop("cosigner_id")
    assert doc.post(f"/api/v1/patients/{pid}/prescriptions", json=jump).status_code == 202
    nurse = api.login("nurse.cosign")
    answer = nurse.post(
        f"/api/v1/patients/{pid}/prescriptions/2/cosign", json={"decision": "confirm"}
    )
    assert answer.status_code == 403


def test_nurse_records_evaluations_and_trials_but_not_implants(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = create_patient(doc)["id"]
    nurse = api.as_role(Role.NURSE)
    evaluated = nurse.post(f"/api/v1/patients/{pid}/evaluations", json=evaluation_body())
    assert evaluated.status_code == 201, evaluated.text
    trial = nurse.post(f"/api/v1/patients/{pid}/trials", json=trial_body())
    assert trial.status_code == 201, trial.text
    implant = nurse.post(f"/api/v1/patients/{pid}/implants", json=implant_body())
    assert implant.status_code == 403

"""Dosing API: the patient's dosing profile (versioned, audited) feeds the safety check, the
baclofen screening calculator, and refusals explained with drug, number, limit and source."""

from __future__ import annotations

from typer.testing import CliRunner

from intrathecal.cli import app
from intrathecal.clinic.permissions import Role
from tests.api.conftest import Api
from tests.api.helpers import implanted_patient, program_body


def test_profile_is_recorded_with_versions_and_changes_the_check(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = implanted_patient(doc)
    blank = doc.get(f"/api/v1/patients/{pid}/dosing-profile")
    assert blank.status_code == 200
    assert blank.json()["version"] == 0
    assert blank.json()["opioid_status"] == "unknown"
    three_mg = program_body(concentration="10 mg/mL", rate="0.3 mL/day")
    refused = doc.post(f"/api/v1/patients/{pid}/prescriptions", json=three_mg)
    assert refused.status_code == 422
    finding = next(f for f in refused.json()["findings"] if f["rule"] == "opioid_naive_start")
    assert finding["drug"] == "morphine"
    assert "0.2–1 mg/day" in finding["message"]
    assert "Infumorph label, label" in finding["message"]
    body = {"opioid_status": "tolerant", "psychosis_history": False, "version": 0}
    put = doc.put(f"/api/v1/patients/{pid}/dosing-profile", json=body)
    assert put.status_code == 200, put.text
    assert put.json()["version"] == 1
    stale = doc.put(f"/api/v1/patients/{pid}/dosing-profile", json=body)
    assert stale.status_code == 409
    soft = doc.post(f"/api/v1/patients/{pid}/prescriptions", json=three_mg)
    assert soft.status_code == 422
    assert {f["rule"] for f in soft.json()["findings"]} >= {"starting_dose"}
    assert "opioid_naive_start" not in {f["rule"] for f in soft.json()["findings"]}


def test_profile_rejects_unknown_values_and_non_clinical_roles(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = implanted_patient(doc)
    bad = doc.put(
        f"/api/v1/patients/{pid}/dosing-profile",
        json={"opioid_status": "sometimes", "psychosis_history": None, "version": 0},
    )
    assert bad.status_code == 422
    scheduler = api.as_role(Role.SCHEDULER)
    denied = scheduler.put(
        f"/api/v1/patients/{pid}/dosing-profile",
        json={"opioid_status": "naive", "psychosis_history": None, "version": 0},
    )
    assert denied.status_code == 403


def test_screening_calculator_gives_the_label_start(api: Api) -> None:
    nurse = api.as_role(Role.NURSE)
    short = nurse.post(
        "/api/v1/dosing/screening-start",
        json={"effective_dose": "50 mcg", "effect_duration": "6 h"},
    )
    assert short.status_code == 200, short.text
    assert short.json()["daily_dose"] == "100 mcg/day"
    assert short.json()["status"] == "literature"
    long = nurse.post(
        "/api/v1/dosing/screening-start",
        json={"effective_dose": "75 mcg", "effect_duration": "10 h"},
    )
    assert long.json()["daily_dose"] == "75 mcg/day"
    unitless = nurse.post(
        "/api/v1/dosing/screening-start", json={"effective_dose": "50", "effect_duration": "6 h"}
    )
    assert unitless.status_code == 422


def test_a_screening_bolus_above_the_trial_range_is_refused_as_on_the_cli(api: Api) -> None:
    # a "screening bolus" of 5 mg (5000 mcg, a slip of units) would start at 10,000 mcg/day
    nurse = api.as_role(Role.NURSE)
    refused = nurse.post(
        "/api/v1/dosing/screening-start",
        json={"effective_dose": "5 mg", "effect_duration": "6 h"},
    )
    assert refused.status_code == 422
    body = refused.json()
    assert [f["rule"] for f in body["findings"]] == ["trial_bolus_range"]
    assert "50–100 mcg trial bolus range" in body["detail"]
    cli = CliRunner().invoke(
        app,
        ["program", "screening-start", "--effective-dose", "5 mg", "--effect-duration", "6 h"],
    )
    assert cli.exit_code == 1  # the same shared check refuses it on the CLI
    assert "trial_bolus_range" in cli.output
    with api.app.state.context.uow_factory() as uow:
        (audited,) = [e for e in uow.audit.recent(20) if e.action == "request.refused"]
    assert audited.details["request"] == "POST /api/v1/dosing/screening-start"
    assert "trial bolus range" in audited.details["reason"]

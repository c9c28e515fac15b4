"""Clinic maintenance end to end over HTTP (SQLite and PostgreSQL): implant with its fill, the
first refill, a same-dose concentration change with its bridge bolus, a reported ERI and the
end-of-service date on the worklist; a ziconotide patient's first refill due at 14 days; and
strict inputs refused with a 422 naming the field."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from fastapi.testclient import TestClient

from intrathecal.clinic.permissions import Role
from intrathecal.clinic.vocabulary import REFILL_STEPS
from tests.api.conftest import Api
from tests.api.helpers import (
    create_patient,
    evaluation_body,
    implant_body,
    patient_body,
    trial_body,
)

TODAY = datetime.now(UTC).date()


def fitted(client: TestClient, mrn: str, days_ago: int, fill: str = "18 mL") -> int:
    """Evaluated, trialled and implanted ``days_ago`` days ago with ``fill`` in the pump."""
    pid = int(create_patient(client, mrn)["id"])
    assert client.post(f"/api/v1/patients/{pid}/evaluations", json=evaluation_body()).is_success
    assert client.post(f"/api/v1/patients/{pid}/trials", json=trial_body()).is_success
    body = implant_body(
        f"SN-{mrn}", implanted_on=(TODAY - timedelta(days=days_ago)).isoformat(), initial_fill=fill
    )
    implant = client.post(f"/api/v1/patients/{pid}/implants", json=body)
    assert implant.status_code == 201, implant.text
    assert implant.json()["initial_fill"] == fill
    return pid


def program(client: TestClient, pid: int, drug: str, conc: str, rate: str, version: int) -> None:
    body = {
        "program": {
            "solution": [{"drug": drug, "concentration": conc}],
            "basal": {"continuous": rate},
        },
        "version": version,
    }
    response = client.post(f"/api/v1/patients/{pid}/prescriptions", json=body)
    assert response.status_code == 201, response.text


def refill(client: TestClient, pid: int, conc: str, residual: str) -> Any:
    body = {
        "performed_at": datetime.now(UTC).isoformat(),
        "drug": "morphine",
        "lot": "LOT-E2E",
        "concentration": conc,
        "measured_residual": residual,
        "volume_added": "18 mL",
        "steps": list(REFILL_STEPS),
    }
    response = client.post(f"/api/v1/patients/{pid}/refills", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def worklist(client: TestClient, pid: int) -> dict[str, dict[str, Any]]:
    items = client.get("/api/v1/worklist", params={"limit": 200}).json()["items"]
    return {i["kind"]: i for i in items if i["patient_id"] == pid}


def test_implant_fill_refills_bridge_bolus_reported_eri_and_end_of_service(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    nurse = api.as_role(Role.NURSE)
    pid = fitted(doc, "MRN-E2E-1", days_ago=60)
    program(doc, pid, "morphine", "1 mg/mL", "0.2 mL/day", version=0)
    # the implant fill dated the first refill: 18 mL at 0.2 mL/day, alarm at 2 mL after 80
    # days, refill 7 days earlier = 73 days after the fill (13 days from now)
    due = worklist(nurse, pid)
    assert "refill" not in due  # 13 days ahead: beyond the 7-day refill horizon
    # first refill: about 60 days (from midday UTC of the implant day) of 0.2 mL/day
    filled_at = datetime.combine(TODAY - timedelta(days=60), time(12), UTC)
    days = (datetime.now(UTC) - filled_at).total_seconds() / 86400
    first = refill(nurse, pid, "1 mg/mL", f"{18 - 0.2 * days:.2f} mL")
    assert abs(float(first["refill"]["discrepancy"].split()[0])) < 0.05
    assert first["refill"]["discrepancy_flag"] is False
    assert first["refill"]["bridge_volume"] is None
    assert first["refill"]["missing_steps"] == []
    # same dose at twice the concentration, prescribed before the next refill
    program(doc, pid, "morphine", "2 mg/mL", "0.1 mL/day", version=1)
    second = refill(nurse, pid, "2 mg/mL", "18 mL")
    assert second["refill"]["discrepancy_flag"] is False
    assert second["refill"]["bridge_volume"] == "0.3 mL"
    assert "bridge_bolus" in {f["rule"] for f in second["plan"]["findings"]}
    changed = {r["label"] for r in second["review"] if r["changed"]}
    assert changed == {"morphine concentration", "mean rate", "basal"}
    # the pump reports ERI two days ago: it replaces the estimate, EOS is 90 days later
    eri_on = TODAY - timedelta(days=2)
    report = nurse.post(
        f"/api/v1/patients/{pid}/pump-status",
        json={
            "at": datetime.now(UTC).isoformat(),
            "battery": "eri",
            "eri_on": eri_on.isoformat(),
            "reservoir_estimate": "17.9 mL",
            "event_log": ["ERI alarm"],
        },
    )
    assert report.status_code == 200, report.text
    eos = eri_on + timedelta(days=90)
    assert report.json()["eri_reported"] is True
    assert report.json()["eos_due"] == eos.isoformat()
    item = worklist(nurse, pid)["eri"]
    assert item["due"] == eri_on.isoformat()
    assert "reported by the pump" in item["reason"]
    assert f"end of service (the pump stops) {eos}" in item["reason"]
    reports = nurse.get(f"/api/v1/patients/{pid}/interrogations").json()["items"]
    assert reports[0]["battery"] == "eri"
    assert reports[0]["reservoir_estimate"] == "17.9 mL"
    # the protocols that apply: opioid overdose, pocket fill, the SynchroMed MRI checklist
    found = nurse.get(f"/api/v1/patients/{pid}/protocols").json()
    assert [p["key"] for p in found["emergency"]] == ["opioid_overdose", "pocket_fill"]
    assert found["mri"]["key"] == "synchromed-ii"


def test_ziconotide_first_refill_is_due_14_days_after_the_implant_fill(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = fitted(doc, "MRN-E2E-2", days_ago=10, fill="20 mL")
    program(doc, pid, "ziconotide", "25 mcg/mL", "0.048 mL/day", version=0)
    item = worklist(api.as_role(Role.NURSE), pid)["refill"]
    assert item["due"] == (TODAY + timedelta(days=4)).isoformat()


def test_future_refill_integer_date_time_and_boolean_id_are_refused_naming_the_field(
    api: Api,
) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    nurse = api.as_role(Role.NURSE)
    pid = fitted(doc, "MRN-E2E-3", days_ago=30)
    program(doc, pid, "morphine", "1 mg/mL", "0.2 mL/day", version=0)
    body = {
        "performed_at": "2062-01-05T10:00:00+00:00",
        "drug": "morphine",
        "lot": "L",
        "concentration": "1 mg/mL",
        "measured_residual": "12 mL",
        "volume_added": "18 mL",
    }
    future = nurse.post(f"/api/v1/patients/{pid}/refills", json=body)
    assert future.status_code == 422
    assert future.json()["detail"].startswith("performed_at: 2062-01-05")
    integer = nurse.post(f"/api/v1/patients/{pid}/refills", json=body | {"performed_at": 2**31})
    assert integer.status_code == 422
    assert integer.json()["errors"][0]["field"] == "body.performed_at"
    visit = {"patient_id": True, "kind": "refill", "scheduled_at": "2030-01-01T09:00:00Z"}
    boolean = api.as_role(Role.SCHEDULER).post("/api/v1/visits", json=visit)
    assert boolean.status_code == 422
    assert boolean.json()["errors"][0]["field"] == "body.patient_id"
    assert nurse.get(f"/api/v1/patients/{pid}/refills").json()["total"] == 0


def test_implant_volumes_beyond_the_pump_model_are_refused(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = int(create_patient(doc, "MRN-E2E-4")["id"])
    doc.post(f"/api/v1/patients/{pid}/evaluations", json=evaluation_body())
    doc.post(f"/api/v1/patients/{pid}/trials", json=trial_body())
    huge = doc.post(
        f"/api/v1/patients/{pid}/implants", json=implant_body("SN-HUGE", reservoir="999999 mL")
    )
    assert huge.status_code == 422
    assert huge.json()["detail"].startswith("reservoir: 999999 mL exceeds")


def test_diagnosis_codes_are_checked_against_the_code_set(api: Api) -> None:
    nurse = api.as_role(Role.NURSE)
    incomplete = nurse.post(
        "/api/v1/patients", json=patient_body("MRN-ICD-1", diagnoses=[{"code": "M54.1"}])
    )
    assert incomplete.status_code == 422
    assert incomplete.json()["detail"].startswith("diagnoses[0].code: M54.1 (Radiculopathy)")
    clash = nurse.post(
        "/api/v1/patients",
        json=patient_body("MRN-ICD-2", diagnoses=[{"code": "G89.3"}, {"code": "G89.29"}]),
    )
    assert clash.status_code == 422
    assert "Excludes1 of G89.2" in clash.json()["detail"]
    created = create_patient(nurse, "MRN-ICD-3", diagnoses=[{"code": "G80.1"}])
    assert created["diagnoses"][0]["description"] == "Spastic diplegic cerebral palsy"


def test_reference_protocols_list_emergency_and_mri_with_sources(api: Api) -> None:
    found = api.as_role(Role.NURSE).get("/api/v1/protocols").json()
    assert {p["key"] for p in found["emergency"]} == {
        "opioid_overdose",
        "baclofen_withdrawal",
        "pocket_fill",
    }
    assert {p["key"] for p in found["mri"]} == {"synchromed-ii", "prometra-ii", "codman-3000"}
    assert all(p["source"] and p["status"] for p in found["emergency"] + found["mri"])

"""FHIR routes on SQLite and PostgreSQL: $everything under the role policy and audit, the
demo patient's export accepted by both validators, and referral import (all or nothing)."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from intrathecal.clinic.demo import DEMO_PASSWORDS, load_demo
from intrathecal.clinic.permissions import Role
from intrathecal.fhir.jsonio import MEDIA_TYPE
from tests.api.conftest import Api
from tests.fhir.bundles import as_transaction, comparable, referral_bundle
from tests.fhir.validators import validate_r4_models, validate_structure_definitions

FHIR_JSON = {"Content-Type": MEDIA_TYPE}


def _demo(api: Api) -> tuple[TestClient, dict[str, int]]:
    ctx = api.client.app.state.context  # type: ignore[attr-defined]
    load_demo(ctx.uow_factory, ctx.auth)
    doctor = api.login("dr.demo", DEMO_PASSWORDS["dr.demo"][1])
    found = doctor.get("/api/v1/patients?q=DEMO-").json()["items"]
    return doctor, {p["mrn"]: p["id"] for p in found}


def _resources(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"]]


def test_demo_patient_with_implant_prescription_refills_and_events_passes_both_validators(
    api: Api,
) -> None:
    doctor, ids = _demo(api)
    response = doctor.get(f"/fhir/Patient/{ids['DEMO-0005']}/$everything")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(MEDIA_TYPE)
    bundle = response.json()
    resources = _resources(bundle)
    kinds = {r["resourceType"] for r in resources}
    assert {
        "Patient",
        "Condition",
        "Coverage",
        "Procedure",
        "Device",
        "MedicationRequest",
        "Observation",
        "AdverseEvent",
        "Practitioner",
    } <= kinds
    procedures = {
        r["code"]["coding"][0]["code"] for r in resources if r["resourceType"] == "Procedure"
    }
    assert {"implant", "refill"} <= procedures
    catheter = next(r for r in resources if r["id"].startswith("catheter-"))
    assert catheter["parent"]["reference"].startswith("Device/pump-")
    rx = next(r for r in resources if r["resourceType"] == "MedicationRequest")
    dosage = rx["dosageInstruction"][0]
    assert dosage["route"]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "72607000",
        "display": "Intrathecal route",
    }
    assert dosage["doseAndRate"][0]["rateQuantity"]["code"] == "mL/d"
    assert '"value":0.4,"unit":"mL/day"' in response.text  # exact, not 0.4000000001
    assert "maxDosePerPeriod" in dosage
    for resource in [bundle, *resources]:
        validate_r4_models(resource)
    assert validate_structure_definitions([bundle, *resources]) == len(resources) + 1


def test_everything_follows_the_role_policy_and_each_read_is_audited(api: Api) -> None:
    doctor, ids = _demo(api)
    own = ids["DEMO-0004"]
    patient = api.login("patient.demo", DEMO_PASSWORDS["patient.demo"][1])
    assert patient.get(f"/fhir/Patient/{own}/$everything").status_code == 200
    assert patient.get(f"/fhir/Patient/{ids['DEMO-0005']}/$everything").status_code == 404
    scheduler = api.as_role(Role.SCHEDULER)
    refused = scheduler.get(f"/fhir/Patient/{own}/$everything")
    assert refused.status_code == 403
    missing = doctor.get("/fhir/Patient/999999/$everything")
    assert missing.status_code == 404
    assert missing.json()["resourceType"] == "OperationOutcome"
    admin = api.login("admin.demo", DEMO_PASSWORDS["admin.demo"][1])
    entries = admin.get(f"/api/v1/audit/patients/{own}?limit=200").json()["items"]
    exported = [e for e in entries if e["action"] == "fhir.exported"]
    assert {e["actor_username"] for e in exported} == {"patient.demo"}


def test_every_fhir_refusal_is_audited_with_who_why_and_which_patient(api: Api) -> None:
    doctor, ids = _demo(api)
    own, other = ids["DEMO-0004"], ids["DEMO-0005"]
    patient = api.login("patient.demo", DEMO_PASSWORDS["patient.demo"][1])
    assert patient.get(f"/fhir/Patient/{other}/$everything").status_code == 404
    scheduler = api.as_role(Role.SCHEDULER)
    assert scheduler.get(f"/fhir/Patient/{own}/$everything").status_code == 403
    assert TestClient(api.app).get(f"/fhir/Patient/{own}/$everything").status_code == 401
    nurse = api.as_role(Role.NURSE)
    bad = nurse.post("/fhir", content=json.dumps(referral_bundle(icd="BAD")), headers=FHIR_JSON)
    assert bad.status_code == 422
    plain = nurse.post("/fhir", content="{}", headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415
    assert doctor.get("/fhir/metadata").status_code == 200
    with api.app.state.context.uow_factory() as uow:
        entries = [e for e in uow.audit.recent(100) if e.action.startswith(("access.", "request."))]
    seen = [(e.actor_username, e.action, e.details["status"], e.patient_id) for e in entries]
    assert seen == [
        ("nurse-0", "request.refused", 415, None),
        ("nurse-0", "request.refused", 422, None),
        ("anonymous", "access.denied", 401, own),
        ("scheduler-0", "access.denied", 403, own),
        ("patient.demo", "access.denied", 404, other),
    ]
    assert entries[0].details["request"] == "POST /fhir"
    assert "BAD" in entries[1].details["reason"]
    assert entries[4].details["request"] == f"GET /fhir/Patient/{other}/$everything"


def test_a_referral_bundle_from_another_system_creates_the_patient(api: Api) -> None:
    nurse = api.as_role(Role.NURSE)
    response = nurse.post("/fhir", content=json.dumps(referral_bundle()), headers=FHIR_JSON)
    assert response.status_code == 200, response.text
    reply = response.json()
    assert reply["type"] == "transaction-response"
    location = reply["entry"][0]["response"]["location"]
    assert reply["entry"][0]["response"]["status"] == "201 Created"
    pid = int(location.split("/")[1])
    record = nurse.get(f"/api/v1/patients/{pid}").json()
    assert record["mrn"] == "H-20991"
    assert record["given_name"] == "Ines Claire"
    assert [d["code"] for d in record["diagnoses"]] == ["M96.1"]
    assert record["coverage"][0]["insurer"] == "medicare"
    visits = nurse.get(f"/api/v1/patients/{pid}/visits").json()["items"]
    assert [(v["kind"], v["status"]) for v in visits] == [("evaluation", "scheduled")]

    again = nurse.post("/fhir", content=json.dumps(referral_bundle()), headers=FHIR_JSON)
    assert again.json()["entry"][0]["response"] == {"status": "200 OK", "location": location}


def test_bad_or_unsupported_content_gets_an_operation_outcome_and_writes_nothing(
    api: Api,
) -> None:
    nurse = api.as_role(Role.NURSE)
    unsupported = referral_bundle()
    unsupported["entry"].append(
        {"resource": {"resourceType": "Observation"}, "request": {"method": "POST", "url": "x"}}
    )
    bad_code = referral_bundle(icd="NOT-A-CODE")
    unknown_insurer = referral_bundle()
    unknown_insurer["entry"][2]["resource"]["payor"] = [{"display": "Nowhere Mutual"}]
    for document, status, expression in (
        (unsupported, 422, "Bundle.entry[4].resource.resourceType"),
        (bad_code, 422, None),
        (unknown_insurer, 422, None),
        ({"resourceType": "Bundle", "type": "batch", "entry": []}, 422, "Bundle.type"),
    ):
        response = nurse.post("/fhir", content=json.dumps(document), headers=FHIR_JSON)
        assert response.status_code == status, response.text
        outcome = response.json()
        assert outcome["resourceType"] == "OperationOutcome"
        assert outcome["issue"][0]["diagnostics"]
        if expression:
            assert outcome["issue"][0]["expression"] == [expression]
    assert nurse.get("/api/v1/patients?q=H-20991").json()["total"] == 0
    wrong_type = nurse.post("/fhir", content="{}", headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    broken = nurse.post("/fhir", content='{"a": 1, "a": 2}', headers=FHIR_JSON)
    assert broken.status_code == 400
    scheduler = api.as_role(Role.SCHEDULER)
    denied = scheduler.post("/fhir", content=json.dumps(referral_bundle()), headers=FHIR_JSON)
    assert denied.status_code == 403


def test_export_import_into_an_empty_database_and_export_again_is_the_same(
    api: Api, settings: Any
) -> None:
    nurse = api.as_role(Role.NURSE)
    created = nurse.post("/fhir", content=json.dumps(referral_bundle()), headers=FHIR_JSON)
    pid = int(created.json()["entry"][0]["response"]["location"].split("/")[1])
    first = _resources(nurse.get(f"/fhir/Patient/{pid}/$everything").json())
    # The same database emptied stands in for a second, empty one.
    from tests.api.conftest import pg_reset

    if settings.database_url.startswith("postgresql"):
        pg_reset(settings.database_url.rsplit("/", 1)[1])
    else:
        _empty_sqlite(settings.database_url)
    fresh = api.as_role(Role.NURSE)
    imported = fresh.post("/fhir", content=json.dumps(as_transaction(first)), headers=FHIR_JSON)
    assert imported.status_code == 200, imported.text
    new_pid = int(imported.json()["entry"][0]["response"]["location"].split("/")[1])
    second = _resources(fresh.get(f"/fhir/Patient/{new_pid}/$everything").json())
    assert comparable(second) == comparable(first)


def _empty_sqlite(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        for table in ("visits", "diagnoses", "coverages", "patients", "sessions", "users"):
            conn.execute(text(f"DELETE FROM {table}"))
    engine.dispose()


def test_metadata_is_a_valid_capability_statement_for_anyone(api: Api) -> None:
    response = api.client.get("/fhir/metadata")
    assert response.status_code == 200
    statement = response.json()
    assert statement["fhirVersion"] == "4.0.1"
    operations = statement["rest"][0]["resource"][0]["operation"]
    assert operations[0]["name"] == "everything"
    validate_r4_models(statement)
    assert validate_structure_definitions([statement]) == 1

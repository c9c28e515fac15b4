"""Patient records over HTTP: roles, isolation, validation, locking, no partial writes."""

from __future__ import annotations

from datetime import UTC, date, datetime

from intrathecal.clinic.permissions import Role
from intrathecal.clinic.records import Patient
from tests.api.conftest import Api
from tests.api.helpers import audit_count, create_patient, only_refusals_since, patient_body

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)


def test_physician_registers_and_reads_a_patient_with_etag(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    created = create_patient(doc)
    assert created["display_name"] == "Lovelace, Ada"
    assert created["diagnoses"][0]["description"]
    response = doc.get(f"/api/v1/patients/{created['id']}")
    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'


def test_update_needs_the_current_version_and_stale_is_409(api: Api) -> None:
    nurse = api.as_role(Role.NURSE)
    pid = create_patient(nurse)["id"]
    no_version = nurse.patch(f"/api/v1/patients/{pid}", json={"phone": "555-0100"})
    assert no_version.status_code == 428
    ok = nurse.patch(
        f"/api/v1/patients/{pid}", json={"phone": "555-0100"}, headers={"If-Match": '"1"'}
    )
    assert ok.status_code == 200
    assert ok.json()["version"] == 2
    assert ok.headers["etag"] == '"2"'
    before = audit_count(nurse)
    stale = nurse.patch(
        f"/api/v1/patients/{pid}", json={"phone": "555-0199"}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 409
    assert stale.headers["content-type"] == "application/problem+json"
    only_refusals_since(nurse, before, 409)
    assert nurse.get(f"/api/v1/patients/{pid}").json()["phone"] == "555-0100"


def test_if_match_and_body_version_must_agree(api: Api) -> None:
    nurse = api.as_role(Role.NURSE)
    pid = create_patient(nurse)["id"]
    response = nurse.patch(
        f"/api/v1/patients/{pid}", json={"version": 2, "phone": "1"}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 422


def test_scheduler_and_admin_see_no_clinical_records(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = create_patient(doc)["id"]
    for role in (Role.SCHEDULER, Role.ADMIN):
        client = api.as_role(role)
        assert client.get(f"/api/v1/patients/{pid}").status_code == 403
        assert client.post("/api/v1/patients", json=patient_body("MRN-9")).status_code == 403
    assert api.as_role(Role.ADMIN).get("/api/v1/patients?q=Love").status_code == 403


def test_scheduler_finds_a_patient_summary_without_clinical_fields(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    create_patient(doc)
    found = api.as_role(Role.SCHEDULER).get("/api/v1/patients?q=Love")
    assert found.status_code == 200
    item = found.json()["items"][0]
    assert set(item) == {"id", "mrn", "display_name", "birth_date", "version"}


def test_patient_login_sees_only_their_own_record(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    mine = create_patient(doc, "MRN-1")["id"]
    other = create_patient(doc, "MRN-2", given_name="Grace", family_name="Hopper")["id"]
    me = api.as_role(Role.PATIENT, patient_id=mine)
    assert me.get(f"/api/v1/patients/{mine}").status_code == 200
    hidden = me.get(f"/api/v1/patients/{other}")
    assert hidden.status_code == 404
    assert me.get("/api/v1/patients?q=Hopper").status_code == 403
    assert (
        me.patch(f"/api/v1/patients/{mine}", json={"version": 1, "phone": "1"}).status_code == 403
    )


def test_search_is_paged(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    for i in range(3):
        create_patient(doc, f"MRN-20{i}", family_name=f"Searchable{i}")
    page = doc.get("/api/v1/patients?q=Searchable&limit=2").json()
    assert page["total"] == 3
    assert len(page["items"]) == 2
    rest = doc.get(page["next"]).json()
    assert len(rest["items"]) == 1
    assert rest["next"] is None


def test_bad_input_is_422_naming_the_field_and_writes_nothing(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    before = audit_count(doc)
    cases = [
        (patient_body(birth_date="02/04/1961"), "body.birth_date"),
        (patient_body(sex="x"), "body.sex"),
        (patient_body(diagnoses=[{"code": "not-icd"}]), "body.diagnoses.0.code"),
        (patient_body(given_name="A\u0000"), "body.given_name"),
        (patient_body(extra_field=1), "body.extra_field"),
    ]
    for body, field in cases:
        response = doc.post("/api/v1/patients", json=body)
        assert response.status_code == 422, body
        assert field in {e["field"] for e in response.json()["errors"]}
    unaccepted = doc.post(
        "/api/v1/patients",
        json=patient_body(coverage=[{"insurer": "Acme Mutual", "member_id": "1"}]),
    )
    assert unaccepted.status_code == 422
    assert "not accepted" in unaccepted.json()["detail"]
    future = doc.post("/api/v1/patients", json=patient_body(birth_date="2999-01-01"))
    assert future.status_code == 422
    only_refusals_since(doc, before, *[422] * 7)


def test_duplicate_mrn_is_409(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    create_patient(doc, "MRN-DUP")
    response = doc.post("/api/v1/patients", json=patient_body("MRN-DUP"))
    assert response.status_code == 409


def test_reads_are_audited_with_actor_and_address(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    pid = create_patient(doc)["id"]
    doc.get(f"/api/v1/patients/{pid}")
    ctx = doc.app.state.context  # type: ignore[attr-defined]
    with ctx.uow_factory() as uow:
        entries = [e for e in uow.audit.for_patient(pid) if e.action == "patient.read"]
    assert entries
    assert entries[0].actor_role == "physician"
    assert entries[0].actor_ip == "testclient"
    assert entries[0].patient_id == pid


def test_search_pages_past_the_old_500_hit_cap_with_the_true_total(api: Api) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    ctx = api.app.state.context
    with ctx.uow_factory() as uow:
        for i in range(505):
            uow.patients.add(
                Patient(None, f"BULK-{i:04d}", "Bo", "Bulk", date(1970, 1, 1), "male", NOW)
            )
        uow.commit()
    page = doc.get("/api/v1/patients?q=Bulk&limit=10&offset=500").json()
    assert page["total"] == 505
    assert [p["mrn"] for p in page["items"]] == [f"BULK-{i:04d}" for i in range(500, 505)]
    assert page["next"] is None


def test_patient_search_summary_is_what_the_scheduler_is_allowed_to_see(api: Api) -> None:
    create_patient(api.as_role(Role.PHYSICIAN), phone="555-0100")
    found = api.as_role(Role.SCHEDULER).get("/api/v1/patients?q=Love").json()["items"]
    assert "555-0100" not in str(found)
    assert found[0]["display_name"] == "Lovelace, Ada"

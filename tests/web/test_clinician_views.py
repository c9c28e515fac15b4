"""Clinician pages over TestClient, on SQLite and PostgreSQL: same use cases, same policy."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from intrathecal.clinic.commands import ScheduleVisit
from intrathecal.clinic.scheduling import schedule_visit
from tests.clinic.builders import register
from tests.web.clinic_fixtures import Clinic, make_clinic
from tests.web.conftest import Web


@pytest.fixture
def clinic(web: Web) -> Clinic:
    return make_clinic(web)


def _refill_form(**changes: str) -> dict[str, str]:
    form = {
        "performed_at": (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "drug": "morphine",
        "concentration": "10 mg/mL",
        "lot": "LOT-7",
        "measured_residual": "0 mL",
        "volume_added": "18 mL",
        **{f"step_{s}": "done" for s in ("interrogate", "locate", "aspirate", "inject", "update")},
    }
    form.update(changes)
    return form


def _audit_actions(clinic: Clinic) -> list[str]:
    with clinic.web.context.uow_factory() as uow:
        return [e.action for e in uow.audit.for_patient(clinic.patient_id, 20)]


def test_clinician_login_lands_on_the_worklist(clinic: Clinic) -> None:
    visitor = clinic.web.client()
    visitor.get("/login")
    response = visitor.submit(
        "/login", {"username": "nurse.cy", "password": "correct-horse-battery"}
    )
    assert response.headers["location"] == "/clinic/worklist"
    page = visitor.get("/clinic/worklist")
    assert page.status_code == 200
    assert "<h1>Worklist</h1>" in page.text


def test_chart_shows_every_section_with_plots_and_is_audited(clinic: Clinic) -> None:
    nurse = clinic.client("nurse.cy")
    recorded = nurse.submit(f"/clinic/patients/{clinic.patient_id}/refill", _refill_form())
    assert recorded.status_code == 200
    page = nurse.get(f"/clinic/patients/{clinic.patient_id}")
    assert page.status_code == 200
    headings = ("Diagnoses", "Coverage", "Evaluation", "Screening trial", "Implant and device",
                "Prescription", "Refills", "Adverse events", "Visits", "Audit trail")  # fmt: skip
    for heading in headings:
        assert f">{heading}</h2>" in page.text
    assert page.text.count("<svg ") == 2  # pain scores and reservoir
    assert "low-reservoir alarm" in page.text
    assert _audit_actions(clinic)[0] == "chart.read"


def test_refill_records_through_the_use_case_and_reviews_old_vs_new(clinic: Clinic) -> None:
    nurse = clinic.client("nurse.cy")
    pid = clinic.patient_id
    first = nurse.submit(f"/clinic/patients/{pid}/refill", _refill_form())
    assert first.status_code == 200
    later = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    second = nurse.submit(
        f"/clinic/patients/{pid}/refill",
        _refill_form(performed_at=later, measured_residual="15 mL", lot="LOT-8"),
    )
    assert second.status_code == 200
    assert "Refill findings" in second.text
    target = re.search(rf'href="(/clinic/patients/{pid}/refills/\d+)"', second.text)
    assert target is not None
    review = nurse.get(target.group(1))
    assert "Discrepancy" in review.text
    assert "Before this refill" in review.text
    assert "LOT-7" in review.text
    assert "LOT-8" in review.text
    assert "refill.recorded" in _audit_actions(clinic)


def test_failed_refill_keeps_what_was_typed_and_names_the_field(clinic: Clinic) -> None:
    nurse = clinic.client("nurse.cy")
    form = _refill_form(concentration="20 mg/mL", lot="LOT-TYPED")
    del form["step_locate"]
    response = nurse.submit(f"/clinic/patients/{clinic.patient_id}/refill", form)
    assert response.status_code == 422
    assert 'value="LOT-TYPED"' in response.text
    assert 'id="e-step_locate"' in response.text
    response = nurse.submit(
        f"/clinic/patients/{clinic.patient_id}/refill", _refill_form(concentration="20 mg/mL")
    )
    assert response.status_code == 422
    assert 'id="e-concentration"' in response.text
    assert "differs from the prescribed" in response.text
    assert 'value="20 mg/mL"' in response.text


def test_program_check_partial_shows_hard_findings_and_disables_submit(clinic: Clinic) -> None:
    doctor = clinic.client("dr.ada")
    pid = clinic.patient_id
    page = doctor.get(f"/clinic/patients/{pid}/program")
    assert page.status_code == 200
    assert f'hx-post="/clinic/patients/{pid}/program/check"' in page.text
    form = {"expected_version": "1", "drug": "morphine", "concentration": "25 mg/mL",
            "basal_rate": "1 mL/day"}  # fmt: skip
    partial = doctor.submit(f"/clinic/patients/{pid}/program/check", form)
    assert partial.status_code == 200
    assert "<html" not in partial.text
    assert "max_daily_dose" in partial.text
    assert "disabled" in partial.text
    refused = doctor.submit(f"/clinic/patients/{pid}/program", form)
    assert refused.status_code == 422
    assert "max_daily_dose" in refused.text
    assert 'value="25 mg/mL"' in refused.text


def test_program_without_findings_is_saved_and_confirmed_on_pump(clinic: Clinic) -> None:
    doctor = clinic.client("dr.ada")
    pid = clinic.patient_id
    doctor.get(f"/clinic/patients/{pid}/program")
    form = {"expected_version": "1", "drug": "morphine", "concentration": "10 mg/mL",
            "basal_rate": "0.05 mL/day", "pb_volume": "0.02 mL", "pb_duration": "5 min",
            "pb_lockout": "4 h", "pb_max_per_day": "4"}  # fmt: skip
    partial = doctor.submit(f"/clinic/patients/{pid}/program/check", form)
    assert "HARD" not in partial.text
    saved = doctor.submit(f"/clinic/patients/{pid}/program", form)
    assert saved.status_code == 303, saved.text
    chart = doctor.get(f"/clinic/patients/{pid}")
    assert f'action="/clinic/patients/{pid}/prescriptions/2/confirm"' in chart.text
    confirmed = doctor.submit(f"/clinic/patients/{pid}/prescriptions/2/confirm", {})
    assert confirmed.status_code == 303
    assert "prescription.confirmed" in _audit_actions(clinic)


def test_program_field_errors_are_shown_next_to_the_field(clinic: Clinic) -> None:
    doctor = clinic.client("dr.ada")
    pid = clinic.patient_id
    doctor.get(f"/clinic/patients/{pid}/program")
    form = {"expected_version": "1", "drug": "morphine", "concentration": "10",
            "basal_rate": "0.05 mL/day"}  # fmt: skip
    response = doctor.submit(f"/clinic/patients/{pid}/program", form)
    assert response.status_code == 422
    assert 'id="e-concentration"' in response.text


def test_nurse_cannot_open_the_programming_form(clinic: Clinic) -> None:
    nurse = clinic.client("nurse.cy")
    assert nurse.get(f"/clinic/patients/{clinic.patient_id}/program").status_code == 403


def test_the_patient_banner_links_only_the_pages_the_role_may_open(clinic: Clinic) -> None:
    pid = clinic.patient_id
    for username, hidden in (("dr.ada", set()), ("nurse.cy", {"program", "implant"})):
        client = clinic.client(username)
        banner = client.get(f"/clinic/patients/{pid}").text.split('aria-label="Patient"')[1]
        linked = set(re.findall(rf'href="/clinic/patients/{pid}/([a-z-]+)"', banner))
        everything = {"refill", "program", "adverse-event", "evaluation", "trial"}
        everything |= {"dosing-profile", "implant", "summary"}
        assert linked == everything - hidden, username
        for page in linked:  # every page the banner links opens for that role
            assert client.get(f"/clinic/patients/{pid}/{page}").status_code == 200, page


@pytest.mark.parametrize("username", ["sched.di", "admin.ed"])
def test_non_clinical_roles_cannot_see_clinical_pages(clinic: Clinic, username: str) -> None:
    visitor = clinic.client(username)
    for path in ("/clinic/worklist", f"/clinic/patients/{clinic.patient_id}",
                 f"/clinic/patients/{clinic.patient_id}/summary"):  # fmt: skip
        assert visitor.get(path).status_code == 403


def test_clinician_pages_need_a_login(clinic: Clinic) -> None:
    visitor = clinic.web.client()
    response = visitor.get(f"/clinic/patients/{clinic.patient_id}")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_after_visit_summary_shows_drug_dose_volumes_and_dates(clinic: Clinic) -> None:
    nurse = clinic.client("nurse.cy")
    nurse.submit(f"/clinic/patients/{clinic.patient_id}/refill", _refill_form())
    page = nurse.get(f"/clinic/patients/{clinic.patient_id}/summary")
    assert page.status_code == 200
    for text in ("morphine", "10 mg/mL", "0.5 mg/day", "18 mL", "Next refill due",
                 "Low-reservoir alarm expected"):  # fmt: skip
        assert text in page.text


def test_adverse_event_form_records_and_keeps_input_on_error(clinic: Clinic) -> None:
    nurse = clinic.client("nurse.cy")
    pid = clinic.patient_id
    nurse.get(f"/clinic/patients/{pid}/adverse-event")
    bad = nurse.submit(f"/clinic/patients/{pid}/adverse-event",
                       {"category": "infection", "severity": "mild", "onset": "2999-01-01",
                        "description": "redness at the pocket"})  # fmt: skip
    assert bad.status_code == 422
    assert "redness at the pocket" in bad.text
    good = nurse.submit(f"/clinic/patients/{pid}/adverse-event",
                        {"category": "infection", "severity": "mild",
                         "onset": datetime.now(UTC).date().isoformat(),
                         "description": "redness at the pocket"})  # fmt: skip
    assert good.status_code == 303
    assert "adverse_event.recorded" in _audit_actions(clinic)


def test_patient_search_posts_the_query_and_links_by_id(clinic: Clinic) -> None:
    nurse = clinic.client("nurse.cy")
    nurse.get("/clinic/patients")
    found = nurse.submit("/clinic/patients", {"query": "Lee"})
    assert found.status_code == 200
    assert f'href="/clinic/patients/{clinic.patient_id}"' in found.text


def test_forms_without_the_csrf_token_are_refused(clinic: Clinic) -> None:
    nurse = clinic.client("nurse.cy")
    response = nurse.submit(
        f"/clinic/patients/{clinic.patient_id}/refill", _refill_form(), with_token=False
    )
    assert response.status_code == 403


def test_pathway_forms_record_evaluation_trial_and_implant(web: Web) -> None:
    clinic = make_clinic(web)
    pid = register(web.context.uow_factory(), clinic.staff, mrn="WEB-2", family="Park").id
    doctor = clinic.client("dr.ada")
    today = datetime.now(UTC).date()
    doctor.get(f"/clinic/patients/{pid}/evaluation")
    evaluation = {"evaluated_on": today.isoformat(), "indication": "non_cancer",
                  "therapy_0_name": "physical therapy", "therapy_0_months": "8",
                  "therapy_1_name": "oral opioids", "therapy_1_months": "12",
                  "psych_evaluation_done": "yes", "psych_cleared": "yes"}  # fmt: skip
    assert doctor.submit(f"/clinic/patients/{pid}/evaluation", evaluation).status_code == 303
    doctor.get(f"/clinic/patients/{pid}/trial")
    trial = {"drug": "morphine", "dose": "0.2 mg", "method": "single_shot",
             "started_at": (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
             "baseline_nrs": "8", "scores": "2 h: 4\n4 h: 3\n8 h: 3",
             "side_effects": "pruritus: mild", "function_improved": "yes"}  # fmt: skip
    bad = doctor.submit(f"/clinic/patients/{pid}/trial", {**trial, "dose": "50 mg"})
    assert bad.status_code == 422
    assert "50 mg" in bad.text
    assert doctor.submit(f"/clinic/patients/{pid}/trial", trial).status_code == 303
    doctor.get(f"/clinic/patients/{pid}/implant")
    implant = {"implanted_on": today.isoformat(), "hospital_stay_days": "1",
               "hospital": "General", "surgeon": "Dr Neuro", "pump_model": "synchromed-ii-20",
               "pump_serial": "NGP-WEB-2", "reservoir": "20 mL", "catheter_length_cm": "45",
               "catheter_tip_level": "T10", "catheter_volume": "0.1 mL",
               "initial_fill": "18 mL"}  # fmt: skip
    assert doctor.submit(f"/clinic/patients/{pid}/implant", implant).status_code == 303
    chart = doctor.get(f"/clinic/patients/{pid}")
    assert "eligible" in chart.text
    assert "outcome <strong>success</strong>" in chart.text
    assert "NGP-WEB-2" in chart.text


def test_visit_notes_complete_the_visit(clinic: Clinic) -> None:
    visit = schedule_visit(
        clinic.web.context.uow_factory(),
        ScheduleVisit(
            clinic.patient_id, "wound_check", datetime.now(UTC) + timedelta(days=1), "main"
        ),
        clinic.staff.nurse,
    )
    nurse = clinic.client("nurse.cy")
    path = f"/clinic/patients/{clinic.patient_id}/visits/{visit.id}"
    assert nurse.get(path).status_code == 200
    assert nurse.submit(path, {"notes": "wound healed"}).status_code == 303
    chart = nurse.get(f"/clinic/patients/{clinic.patient_id}").text
    assert "wound healed" in chart
    assert '<th scope="col">When (UTC)</th>' in chart  # visit times are UTC, labelled so


def test_visit_notes_with_a_nul_byte_are_a_form_error(clinic: Clinic) -> None:
    visit = schedule_visit(
        clinic.web.context.uow_factory(),
        ScheduleVisit(clinic.patient_id, "wound_check", datetime.now(UTC), "main"),
        clinic.staff.nurse,
    )
    nurse = clinic.client("nurse.cy")
    path = f"/clinic/patients/{clinic.patient_id}/visits/{visit.id}"
    nurse.get(path)
    refused = nurse.submit(path, {"notes": "healed\x00"})
    assert refused.status_code == 422
    assert 'id="e-notes"' in refused.text

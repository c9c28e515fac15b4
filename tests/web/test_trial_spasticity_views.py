"""The web trial form records a baclofen screening's spasticity grades (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.clinic.builders import register
from tests.web.clinic_fixtures import make_clinic
from tests.web.conftest import Web

EVALUATION = {"indication": "non_cancer", "therapy_0_name": "physical therapy",
              "therapy_0_months": "8", "psych_evaluation_done": "yes",
              "psych_cleared": "yes"}  # fmt: skip


def test_baclofen_screening_form_is_judged_on_spasticity(web: Web) -> None:
    clinic = make_clinic(web)
    pid = register(web.context.uow_factory(), clinic.staff, mrn="WEB-SP", family="Ito").id
    doctor = clinic.client("dr.ada")
    today = datetime.now(UTC).date().isoformat()
    doctor.get(f"/clinic/patients/{pid}/evaluation")
    evaluation = {**EVALUATION, "evaluated_on": today}
    assert doctor.submit(f"/clinic/patients/{pid}/evaluation", evaluation).status_code == 303
    page = doctor.get(f"/clinic/patients/{pid}/trial")
    assert "never on pain scores" in page.text
    trial = {"drug": "baclofen", "dose": "50 mcg", "method": "single_shot",
             "started_at": (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
             "baseline_nrs": "5", "scores": "2 h: 1",
             "spasticity_scale": "modified_ashworth", "spasticity_before": "3",
             "spasticity_after": "2 h: 1\n6 h: 1\n9 h: 1+"}  # fmt: skip
    bad = doctor.submit(f"/clinic/patients/{pid}/trial", {**trial, "spasticity_before": "6"})
    assert bad.status_code == 422
    assert doctor.submit(f"/clinic/patients/{pid}/trial", trial).status_code == 303
    chart = doctor.get(f"/clinic/patients/{pid}").text
    assert "outcome <strong>success</strong>" in chart
    assert "judged on spasticity" in chart
    ungraded = {k: v for k, v in trial.items() if not k.startswith("spasticity")}
    assert doctor.submit(f"/clinic/patients/{pid}/trial", ungraded).status_code == 303
    assert "spasticity scores are required" in doctor.get(f"/clinic/patients/{pid}").text

"""Daily doses on the clinician and patient pages are in the drug's own dose unit, the unit
its limits and findings use (baclofen in mcg/day, never 0.1 mg/day), on every page that
shows one (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from intrathecal.clinic.permissions import Role
from intrathecal.clinic.program_review import settings_of
from intrathecal.core.program_spec import prescription_from_dict
from tests.clinic.builders import cosigned_program, implanted
from tests.web.clinic_fixtures import make_clinic
from tests.web.conftest import Web

BACLOFEN = prescription_from_dict(
    {
        "solution": [{"drug": "baclofen", "concentration": "500 mcg/mL"}],
        "basal": {"continuous": "0.2 mL/day"},
    }
)


def test_program_settings_show_baclofen_in_mcg_per_day() -> None:
    assert settings_of(BACLOFEN)["baclofen daily dose"] == "100 mcg/day"


def test_chart_summary_and_portal_show_the_drug_s_dose_unit(web: Web) -> None:
    clinic = make_clinic(web)
    uow = web.context.uow_factory()
    patient = implanted(uow, clinic.staff, mrn="WEB-BAC", family="Ito")
    assert patient.id is not None
    at = datetime.now(UTC) - timedelta(days=2)
    cosigned_program(web.context.uow_factory(), clinic.staff, patient.id, BACLOFEN, at)
    doctor = clinic.client("dr.ada")
    for page in (f"/clinic/patients/{patient.id}", f"/clinic/patients/{patient.id}/summary"):
        text = doctor.get(page).text
        assert "100 mcg/day" in text, page
        assert "0.1 mg/day" not in text, page
    portal = web.logged_in(Role.PATIENT, patient.id).get("/portal").text
    assert "100 mcg/day" in portal

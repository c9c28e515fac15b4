"""The programming form of a first program is prefilled from the successful trial."""

from __future__ import annotations

from tests.clinic.builders import implanted
from tests.web.clinic_fixtures import make_clinic
from tests.web.conftest import Web


def test_first_program_form_is_prefilled_with_the_proposal_and_its_provenance(web: Web) -> None:
    clinic = make_clinic(web)
    patient = implanted(web.context.uow_factory(), clinic.staff, mrn="WEB-FP")
    doctor = clinic.client("dr.ada")
    page = doctor.get(f"/clinic/patients/{patient.id}/program")
    assert page.status_code == 200
    assert "Proposed first program" in page.text
    assert 'value="morphine"' in page.text
    assert "0.3 mL/day" in page.text  # 0.3 mg/day at 1 mg/mL
    assert "unverified" in page.text
    assert "Infumorph label" in page.text
    assert "nothing has been programmed" in page.text
    assert "Dosing policy on the proposal: <strong>no finding blocks it</strong>" in page.text
    with web.context.uow_factory() as uow:
        actions = [e.action for e in uow.audit.for_patient(patient.id or 0, 20)]
        assert not uow.prescriptions.history(patient.id or 0)
    assert "first_program.proposed" in actions


def test_a_patient_with_a_program_gets_the_program_in_force_not_a_proposal(web: Web) -> None:
    clinic = make_clinic(web)
    page = clinic.client("dr.ada").get(f"/clinic/patients/{clinic.patient_id}/program")
    assert page.status_code == 200
    assert "Proposed first program" not in page.text

"""The trial form shows every refusal next to the field that caused it (SQLite, PostgreSQL):
a dose without its unit, a spasticity grade off the scale, an injection time in the future.
Nothing is stored for a refused submit."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.clinic.builders import register
from tests.web.clinic_fixtures import make_clinic
from tests.web.conftest import Web, WebClient
from tests.web.test_trial_spasticity_views import EVALUATION

_ERROR = re.compile(r'<small id="e-([a-z_]+)" class="field-error">([^<]+)</small>')


def _trial(**changes: str) -> dict[str, str]:
    started = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    form = {"drug": "baclofen", "dose": "50 mcg", "method": "single_shot",
            "started_at": started, "baseline_nrs": "3", "scores": "",
            "spasticity_scale": "modified_ashworth", "spasticity_before": "3",
            "spasticity_after": "2 h: 1\n6 h: 1"}  # fmt: skip
    return {**form, **changes}


def _evaluated_patient(web: Web) -> tuple[int, WebClient]:
    """An eligible patient and a physician on the patient's trial form."""
    clinic = make_clinic(web)
    pid = register(web.context.uow_factory(), clinic.staff, mrn="WEB-TE", family="Ito").id
    doctor = clinic.client("dr.ada")
    doctor.get(f"/clinic/patients/{pid}/evaluation")
    evaluation = {**EVALUATION, "evaluated_on": datetime.now(UTC).date().isoformat()}
    assert doctor.submit(f"/clinic/patients/{pid}/evaluation", evaluation).status_code == 303
    doctor.get(f"/clinic/patients/{pid}/trial")
    return pid, doctor


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"dose": "50"}, "dose", "has no unit"),
        ({"dose": "50 mL"}, "dose", "expected a mass"),
        ({"spasticity_before": "7"}, "spasticity_before", "4"),
        ({"spasticity_after": "2 h: 9"}, "spasticity_after", "4"),
        ({"spasticity_after": "2 h 1"}, "spasticity_after", ""),
        ({"started_at": "2099-01-01T09:00"}, "started_at", "future"),
    ],
)
def test_a_refused_trial_names_its_field_and_stores_nothing(
    web: Web, changes: dict[str, str], field: str, says: str
) -> None:
    pid, doctor = _evaluated_patient(web)
    response = doctor.submit(f"/clinic/patients/{pid}/trial", _trial(**changes))
    assert response.status_code == 422
    shown = dict(_ERROR.findall(response.text))
    assert field in shown, (shown, response.text.split('id="form-errors"')[1][:400])
    assert says in shown[field]
    with web.context.uow_factory() as uow:
        assert uow.trials.for_patient(pid) == []


def test_an_observation_after_now_is_refused(web: Web) -> None:
    pid, doctor = _evaluated_patient(web)
    late = _trial(spasticity_after="2 h: 1\n99999999999999 h: 1")
    response = doctor.submit(f"/clinic/patients/{pid}/trial", late)
    assert response.status_code == 422
    assert "lies in the future" in response.text
    with web.context.uow_factory() as uow:
        assert uow.trials.for_patient(pid) == []

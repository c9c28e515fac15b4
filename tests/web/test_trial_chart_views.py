"""The chart draws a trial's pain-score plot only when there are scores to draw, and a
screening judged on spasticity (baclofen) shows its pain scores without a pain success
threshold (SQLite, PostgreSQL)."""

from __future__ import annotations

from tests.web.conftest import Web
from tests.web.test_trial_form_errors import _evaluated_patient, _trial


def _chart_after(web: Web, **changes: str) -> str:
    pid, doctor = _evaluated_patient(web)
    assert doctor.submit(f"/clinic/patients/{pid}/trial", _trial(**changes)).status_code == 303
    chart = doctor.get(f"/clinic/patients/{pid}").text
    return chart.split('id="h-trial"')[1].split("</section>")[0]


def test_a_baclofen_screening_without_pain_scores_has_no_pain_plot(web: Web) -> None:
    trial = _chart_after(web, scores="")
    assert "<svg" not in trial
    assert "success threshold" not in trial
    assert "judged on spasticity" in trial


def test_a_baclofen_screening_s_pain_scores_are_shown_without_a_pain_threshold(
    web: Web,
) -> None:
    trial = _chart_after(web, scores="2 h: 2\n4 h: 2")
    assert "<svg" in trial
    assert "success threshold" not in trial
    assert "not used to judge this screening" in trial


def test_a_morphine_trial_plot_keeps_its_success_threshold(web: Web) -> None:
    trial = _chart_after(
        web,
        drug="morphine",
        dose="0.3 mg",
        spasticity_scale="",
        spasticity_before="",
        spasticity_after="",
        scores="2 h: 3\n8 h: 3",
    )
    assert "<svg" in trial
    assert "success threshold" in trial

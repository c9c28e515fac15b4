"""Baclofen screening judged on spasticity (Ashworth / modified Ashworth), never on pain NRS."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intrathecal.core.errors import InvalidInput
from intrathecal.core.spasticity import SpasticityGrade, SpasticityScale
from intrathecal.core.trial import Outcome, evaluate_trial
from intrathecal.core.trial_config import load_trial_config
from intrathecal.core.trial_record import trial_record_from_dict, trial_record_to_dict

CONFIG = load_trial_config()
MAS = SpasticityScale.MODIFIED_ASHWORTH


def baclofen(spasticity: dict[str, Any] | None, *, nrs_after: int = 8, doses: int = 1) -> Any:
    """A baclofen screening (``doses`` boluses 24 h apart) with the given spasticity block."""
    data: dict[str, Any] = {
        "drug": "baclofen",
        "baseline": {"nrs": 8},
        "injections": [{"dose": f"{50 + 25 * i} mcg", "at": f"{24 * i} h"} for i in range(doses)],
        "scores": [{"at": "2 h", "nrs": nrs_after}, {"at": "8 h", "nrs": nrs_after}],
    }
    if spasticity is not None:
        data["spasticity"] = spasticity
    return trial_record_from_dict(data, CONFIG.side_effects)


def test_grades_are_bounded_whole_points_and_1_plus_is_modified_ashworth_only() -> None:
    assert SpasticityGrade.of(MAS, "1+").plus
    assert SpasticityGrade.of(SpasticityScale.ASHWORTH, "3").points == 3
    for bad in (5, -1, 2.5, True, "2.5", "high", None):
        with pytest.raises(InvalidInput):
            SpasticityGrade.of(MAS, bad)
    with pytest.raises(InvalidInput, match="only the modified Ashworth"):
        SpasticityGrade.of(SpasticityScale.ASHWORTH, "1+")


def test_a_1_plus_grade_never_overstates_a_drop() -> None:
    one_plus = SpasticityGrade.of(MAS, "1+")
    assert SpasticityGrade.of(MAS, 3).drop_to(one_plus) == 1
    assert one_plus.drop_to(SpasticityGrade.of(MAS, 0)) == 1


def test_a_record_round_trips_and_an_old_record_without_scores_still_loads() -> None:
    block = {"scale": "modified_ashworth", "before": ["1+"], "after": [{"at": "4 h", "grade": 0}]}
    record = baclofen(block)
    again = trial_record_from_dict(trial_record_to_dict(record), CONFIG.side_effects)
    assert again == record
    assert trial_record_to_dict(record)["spasticity"] == block
    old = baclofen(None)
    assert old.spasticity is None
    assert "spasticity" not in trial_record_to_dict(old)


def test_one_grade_is_needed_before_each_bolus() -> None:
    with pytest.raises(InvalidInput, match="one grade per injection"):
        baclofen({"scale": "ashworth", "before": [3], "after": []}, doses=2)


def test_bad_scale_and_unknown_fields_name_the_field() -> None:
    with pytest.raises(InvalidInput, match=r"trial.spasticity.scale"):
        baclofen({"scale": "tardieu", "before": [3]})
    with pytest.raises(InvalidInput, match=r"trial.spasticity.after\[0\].grade"):
        baclofen({"scale": "ashworth", "before": [3], "after": [{"at": "2 h", "grade": 7}]})


def test_baclofen_without_spasticity_scores_is_never_a_success_on_nrs() -> None:
    result = evaluate_trial(baclofen(None, nrs_after=1), config=CONFIG)
    assert result.outcome is Outcome.INCONCLUSIVE
    assert "spasticity scores are required" in result.reasons[0]
    assert "never on pain NRS" in result.reasons[0]


def test_a_2_point_drop_held_4_h_succeeds_whatever_the_pain_scores() -> None:
    block = {
        "scale": "ashworth",
        "before": [3],
        "after": [{"at": "1 h", "grade": 1}, {"at": "5 h", "grade": 1}, {"at": "9 h", "grade": 3}],
    }
    result = evaluate_trial(baclofen(block, nrs_after=8), config=CONFIG)
    assert result.outcome is Outcome.SUCCESS
    assert result.effective_injection is not None
    assert result.spasticity is not None
    assert result.spasticity.effective is not None
    effect = result.spasticity.effective.effect
    assert effect is not None
    assert effect.lasted_at_least.format("h") == "5 h"
    assert effect.ended_before is not None
    assert effect.ended_before.format("h") == "9 h"
    assert any("unverified default" in r and "2-point" in r for r in result.reasons)
    assert "min_drop_points" in result.unverified_parameters


def test_a_1_point_drop_fails_and_a_short_span_is_inconclusive() -> None:
    one_point = {
        "scale": "ashworth",
        "before": [3],
        "after": [{"at": "1 h", "grade": 2}, {"at": "6 h", "grade": 2}],
    }
    assert evaluate_trial(baclofen(one_point, nrs_after=0), config=CONFIG).outcome is (
        Outcome.FAILURE
    )
    short = {"scale": "ashworth", "before": [3], "after": [{"at": "1 h", "grade": 0}]}
    result = evaluate_trial(baclofen(short), config=CONFIG)
    assert result.outcome is Outcome.INCONCLUSIVE
    assert any("4 h" in r for r in result.reasons)


def test_the_second_bolus_is_effective_when_the_first_was_not() -> None:
    block = {
        "scale": "modified_ashworth",
        "before": [3, 3],
        "after": [
            {"at": "2 h", "grade": 2},
            {"at": "6 h", "grade": 2},
            {"at": "26 h", "grade": "1+"},
            {"at": "27 h", "grade": 1},
            {"at": "31 h", "grade": 0},
        ],
    }
    result = evaluate_trial(baclofen(block, doses=2), config=CONFIG)
    assert result.outcome is Outcome.SUCCESS
    assert result.effective_injection is not None
    assert result.effective_injection.dose.format() == "75 mcg"


grades = st.integers(0, 4)


@settings(max_examples=60, deadline=None)
@given(
    before=grades,
    after=st.lists(
        st.tuples(st.integers(1, 12), grades), min_size=1, max_size=6, unique_by=lambda t: t[0]
    ),
    nrs=st.integers(0, 10),
)
def test_the_outcome_follows_the_held_drop_and_never_the_nrs(
    before: int, after: list[tuple[int, int]], nrs: int
) -> None:
    """A simple model: success iff some span of >= 4 h holds a drop >= 2 at every grade."""
    after = sorted(after)
    block = {
        "scale": "ashworth",
        "before": [before],
        "after": [{"at": f"{h} h", "grade": g} for h, g in after],
    }
    outcome = evaluate_trial(baclofen(block, nrs_after=nrs), config=CONFIG).outcome
    assert outcome is evaluate_trial(baclofen(block, nrs_after=10 - nrs), config=CONFIG).outcome
    spans = [
        min(before - g for _, g in after[i : j + 1])
        for i in range(len(after))
        for j in range(i, len(after))
        if after[j][0] - after[i][0] >= 4
        and not any(after[k][0] - after[i][0] >= 4 for k in range(i, j))
    ]
    if any(drop >= 2 for drop in spans):
        assert outcome is Outcome.SUCCESS
    elif not spans or after[-1][0] < 4:
        assert outcome is Outcome.INCONCLUSIVE
    else:
        assert outcome is Outcome.FAILURE

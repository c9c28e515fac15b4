"""Trial evaluation: relief, sustained relief, side effects, outcome and referral."""

from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from intrathecal.core.errors import InvalidInput
from intrathecal.core.quantities import Mass, hours
from intrathecal.core.sourced_data import InvalidDataFile, load_data_file
from intrathecal.core.trial import (
    REFERRAL,
    Outcome,
    ReliefPoint,
    evaluate_trial,
    relief_percent,
    sustained_relief,
)
from intrathecal.core.trial_config import load_trial_config
from intrathecal.core.trial_record import (
    Injection,
    PainScore,
    ScoreObservation,
    Severity,
    SideEffect,
    TrialRecord,
)

CONFIG = load_trial_config()
MORPHINE = Injection("morphine", Mass("0.2", "mg"), hours(0))


def _record(baseline=8, scores=((1, 6), (2, 4), (4, 3), (6, 4)), effects=(), **extra):
    return TrialRecord(
        baseline=PainScore(Fraction(baseline)),
        injections=extra.pop("injections", (MORPHINE,)),
        scores=tuple(ScoreObservation(hours(h), PainScore(Fraction(n))) for h, n in scores),
        side_effects=tuple(effects),
        **extra,
    )


def test_relief_percent_is_the_fall_from_baseline():
    assert relief_percent(PainScore(Fraction(8)), PainScore(Fraction(4))) == 50
    assert relief_percent(PainScore(Fraction(8)), PainScore(Fraction(10))) == -25
    with pytest.raises(InvalidInput, match="baseline"):
        relief_percent(PainScore(Fraction(0)), PainScore(Fraction(0)))


def test_fifty_percent_relief_without_side_effects_succeeds_and_refers():
    result = evaluate_trial(_record(), config=CONFIG)
    assert result.outcome is Outcome.SUCCESS
    assert result.best_relief_percent == Fraction(125, 2)
    assert result.best_relief_at == hours(4)
    assert result.recommendation == REFERRAL
    assert result.effective_injection == MORPHINE
    assert any("62.5 %" in reason for reason in result.reasons)


def test_relief_below_threshold_fails_without_referral():
    result = evaluate_trial(_record(scores=((1, 7), (3, 6), (6, 5))), config=CONFIG)
    assert result.outcome is Outcome.FAILURE
    assert result.recommendation != REFERRAL
    assert result.effective_injection is None


def test_moderate_side_effect_fails_the_standard_rule_despite_relief():
    effect = SideEffect("nausea", Severity.MODERATE, hours(2))
    result = evaluate_trial(_record(effects=[effect]), config=CONFIG)
    assert result.outcome is Outcome.FAILURE
    assert result.limiting_side_effects == (effect,)


def test_any_respiratory_depression_fails_the_trial():
    effect = SideEffect("respiratory_depression", Severity.MILD, hours(3))
    result = evaluate_trial(_record(effects=[effect]), config=CONFIG)
    assert result.outcome is Outcome.FAILURE
    assert "respiratory_depression" in result.reasons[0]


def test_ziconotide_rule_accepts_30_percent_but_no_side_effect_at_all():
    rule = CONFIG.rule("ziconotide-bolus")
    modest = _record(baseline=10, scores=((1, 8), (3, 7), (6, 7)))
    assert evaluate_trial(modest, rule, CONFIG).outcome is Outcome.SUCCESS
    assert evaluate_trial(modest, config=CONFIG).outcome is Outcome.FAILURE
    itchy = _record(effects=[SideEffect("pruritus", Severity.MILD)])
    assert evaluate_trial(itchy, rule, CONFIG).outcome is Outcome.FAILURE


def test_no_post_injection_scores_is_inconclusive():
    result = evaluate_trial(_record(scores=()), config=CONFIG)
    assert result.outcome is Outcome.INCONCLUSIVE
    assert any("no pain scores" in reason for reason in result.reasons)


def test_observation_shorter_than_six_hours_is_inconclusive():
    result = evaluate_trial(_record(scores=((1, 2), (3, 2))), config=CONFIG)
    assert result.outcome is Outcome.INCONCLUSIVE
    assert any("at least 6 h" in reason for reason in result.reasons)


def test_a_late_side_effect_check_counts_as_observation():
    checked = SideEffect("respiratory_depression", Severity.NONE, hours(7))
    result = evaluate_trial(_record(scores=((1, 2), (3, 2)), effects=[checked]), config=CONFIG)
    assert result.outcome is Outcome.SUCCESS
    assert result.observed_after_last_injection == hours(7)


def test_zero_baseline_is_inconclusive():
    result = evaluate_trial(_record(baseline=0, scores=((1, 0), (6, 0))), config=CONFIG)
    assert result.outcome is Outcome.INCONCLUSIVE
    assert result.relief == ()


def test_observation_is_counted_from_the_last_injection():
    second = Injection("morphine", Mass("0.4", "mg"), hours(4))
    record = _record(scores=((1, 7), (3, 7), (5, 4), (8, 4)), injections=(MORPHINE, second))
    result = evaluate_trial(record, config=CONFIG)
    assert result.outcome is Outcome.INCONCLUSIVE  # 4 h after the second injection
    longer = _record(scores=((1, 7), (3, 7), (5, 4), (10, 4)), injections=(MORPHINE, second))
    result = evaluate_trial(longer, config=CONFIG)
    assert result.outcome is Outcome.SUCCESS
    assert [r.best_relief_percent for r in result.per_injection] == [Fraction(25, 2), 50]
    assert result.effective_injection == second


def test_payer_rule_needs_relief_sustained_for_eight_hours_and_improved_function():
    rule = CONFIG.rule("payer-8h")
    held = ((1, 4), (5, 3), (9, 4), (10, 5))
    assert evaluate_trial(_record(scores=held, function_improved=True), rule, CONFIG).outcome is (
        Outcome.SUCCESS
    )
    no_function = evaluate_trial(_record(scores=held, function_improved=False), rule, CONFIG)
    assert no_function.outcome is Outcome.FAILURE
    unknown = evaluate_trial(_record(scores=held), rule, CONFIG)
    assert unknown.outcome is Outcome.INCONCLUSIVE
    dips = ((1, 4), (5, 6), (9, 4), (10, 4))
    assert evaluate_trial(_record(scores=dips, function_improved=True), rule, CONFIG).outcome is (
        Outcome.FAILURE
    )
    short = ((1, 2), (4, 2), (8, 2))
    result = evaluate_trial(_record(scores=short, function_improved=True), rule, CONFIG)
    assert result.outcome is Outcome.INCONCLUSIVE


def test_sustained_relief_is_the_best_level_held_across_the_window():
    points = [
        ReliefPoint(hours(h), PainScore(Fraction(0)), Fraction(r))
        for h, r in ((1, 20), (2, 60), (5, 55), (10, 70), (11, 10))
    ]
    assert sustained_relief(points, hours(8)) == 55  # 2 h .. 10 h
    assert sustained_relief(points, hours(20)) is None


def test_unverified_rule_parameters_are_reported():
    result = evaluate_trial(_record(), config=CONFIG)
    assert "max_tolerated_severity" in result.unverified_parameters
    assert "relief_threshold_percent" not in result.unverified_parameters


def test_unknown_rule_is_refused():
    with pytest.raises(InvalidInput, match="unknown trial rule"):
        CONFIG.rule("lenient")


def test_trial_data_file_rejects_a_rule_without_a_source(tmp_path: Path):
    data = dict(load_data_file("trial.yaml"))
    rules = dict(data["rules"])
    standard = dict(rules["standard"])
    standard["min_observation"] = {"value": "6 h", "status": "guideline"}
    rules["standard"] = standard
    data["rules"] = rules
    path = tmp_path / "trial.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(InvalidDataFile, match="source"):
        load_trial_config(path)


nrs = st.integers(min_value=0, max_value=20).map(lambda n: Fraction(n, 2))
score_lists = st.lists(nrs, min_size=1, max_size=8)


def _timed(values):
    return tuple((i + 1, v) for i, v in enumerate(values))


@given(st.integers(min_value=1, max_value=10), score_lists)
def test_relief_lies_between_worsening_and_complete_relief(baseline, values):
    result = evaluate_trial(_record(baseline=baseline, scores=_timed(values)), config=CONFIG)
    for point in result.relief:
        assert point.relief_percent <= 100
        assert point.relief_percent >= -Fraction(10 - baseline, baseline) * 100


_RANK = {Outcome.FAILURE: 0, Outcome.INCONCLUSIVE: 1, Outcome.SUCCESS: 2}


@given(
    st.integers(min_value=1, max_value=10),
    score_lists,
    st.lists(st.integers(min_value=0, max_value=4), min_size=8, max_size=8),
    st.sampled_from(sorted(CONFIG.rules)),
    st.sampled_from(list(Severity)),
    st.booleans(),
)
def test_more_relief_never_worsens_the_outcome(baseline, values, drops, rule, severity, fn):
    rule_obj = CONFIG.rule(rule)
    effects = [SideEffect("nausea", severity, hours(1))]
    before = _record(
        baseline=baseline, scores=_timed(values), effects=effects, function_improved=fn
    )
    better = [max(Fraction(0), v - d) for v, d in zip(values, drops, strict=False)]
    after = _record(baseline=baseline, scores=_timed(better), effects=effects, function_improved=fn)
    first = evaluate_trial(before, rule_obj, CONFIG).outcome
    second = evaluate_trial(after, rule_obj, CONFIG).outcome
    assert _RANK[second] >= _RANK[first]


relief_values = st.lists(
    st.fractions(min_value=-100, max_value=100, max_denominator=4), min_size=1, max_size=8
)


@given(relief_values, st.integers(min_value=0, max_value=8), st.integers(min_value=0, max_value=8))
def test_sustained_relief_never_exceeds_best_and_shrinks_with_a_longer_window(values, a, b):
    points = [
        ReliefPoint(hours(i + 1), PainScore(Fraction(0)), value) for i, value in enumerate(values)
    ]
    short, long = sorted((a, b))
    held_short = sustained_relief(points, hours(short))
    held_long = sustained_relief(points, hours(long))
    if held_short is not None:
        assert held_short <= max(values)
    if held_long is not None:
        assert held_short is not None
        assert held_long <= held_short


def test_sustained_relief_over_a_zero_window_is_the_best_relief():
    points = [ReliefPoint(hours(1), PainScore(Fraction(0)), Fraction(40))]
    assert sustained_relief(points, hours(0)) == 40

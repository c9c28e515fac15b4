"""Trial records: pain scores, injections, side effects and the plain-data form."""

from fractions import Fraction

import pytest

from intrathecal.core.errors import InvalidInput
from intrathecal.core.quantities import Mass, hours
from intrathecal.core.trial_config import load_trial_config
from intrathecal.core.trial_record import (
    Injection,
    PainScore,
    Severity,
    SideEffect,
    TrialRecord,
    trial_record_from_dict,
    trial_record_to_dict,
)

EFFECTS = load_trial_config().side_effects


def _data(**changes):
    data = {
        "drug": "morphine",
        "baseline": {"nrs": 8},
        "injections": [{"dose": "0.2 mg", "at": "0 h"}],
        "scores": [{"at": "1 h", "nrs": 6}, {"at": "6 h", "nrs": 3}],
        "side_effects": [{"effect": "pruritus", "severity": "mild", "at": "2 h"}],
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("raw", [0, 10, 6.5, "7", "3.5"])
def test_pain_scores_accept_whole_and_half_points_from_0_to_10(raw):
    assert 0 <= PainScore.of(raw).value <= 10


@pytest.mark.parametrize("raw", [-1, 11, 10.5, 6.3, "seven", True, None, [5]])
def test_pain_scores_outside_the_nrs_are_refused(raw):
    with pytest.raises(InvalidInput, match="pain score"):
        PainScore.of(raw)


def test_record_reads_doses_as_masses_and_times_as_offsets():
    record = trial_record_from_dict(_data(), EFFECTS)
    assert record.injections[0].dose == Mass(200, "mcg")
    assert record.injections[0].drug == "morphine"
    assert record.scores[1].at == hours(6)
    assert record.side_effects[0].severity is Severity.MILD
    assert record.last_observed() == hours(6)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"baseline": {"nrs": 12}}, r"trial\.baseline\.nrs"),
        ({"baseline": {}}, "missing 'nrs'"),
        ({"injections": [{"dose": "0.2", "at": "0 h"}]}, r"injections\[0\]\.dose.*no unit"),
        ({"injections": [{"dose": "0.2 mL", "at": "0 h"}]}, "expected a mass"),
        ({"injections": [{"dose": "0.2 mg", "at": "1 h"}]}, "first injection"),
        ({"injections": []}, "at least one injection"),
        ({"scores": [{"at": "0 h", "nrs": 3}]}, "after the first injection"),
        ({"scores": [{"at": "2 h", "nrs": 3}, {"at": "1 h", "nrs": 3}]}, "strictly increase"),
        ({"scores": [{"at": 2, "nrs": 3}]}, "time offset"),
        ({"side_effects": [{"effect": "itching", "severity": "mild"}]}, "unknown side effect"),
        ({"side_effects": [{"effect": "nausea", "severity": "awful"}]}, "severity"),
        ({"side_effects": [{"effect": "other", "severity": "mild"}]}, "needs a note"),
        ({"colour": "blue"}, "unknown field"),
        ({"function_improved": "yes"}, "true or false"),
        ({"started_at": "yesterday"}, "started_at"),
    ],
)
def test_bad_records_are_refused_with_the_field_named(changes, message):
    with pytest.raises(InvalidInput, match=message):
        trial_record_from_dict(_data(**changes), EFFECTS)


def test_injections_must_name_a_drug_somewhere():
    data = _data()
    del data["drug"]
    with pytest.raises(InvalidInput, match="drug"):
        trial_record_from_dict(data, EFFECTS)


def test_record_value_types_validate_themselves():
    with pytest.raises(InvalidInput, match="above zero"):
        Injection("morphine", Mass(0, "mg"), hours(0))
    with pytest.raises(InvalidInput, match="lower-case"):
        Injection("Morphine", Mass(1, "mg"), hours(0))
    with pytest.raises(InvalidInput, match="lower-case"):
        SideEffect("Nausea", Severity.MILD)
    with pytest.raises(InvalidInput, match="strictly increase"):
        TrialRecord(
            PainScore(Fraction(8)),
            (Injection("morphine", Mass(1, "mg"), hours(0)),) * 2,
            (),
        )


def test_severity_ranks_run_from_none_to_severe():
    ranks = [s.rank for s in (Severity.NONE, Severity.MILD, Severity.MODERATE, Severity.SEVERE)]
    assert ranks == [0, 1, 2, 3]


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"started_at": "2026-11-20T08:00:00+00:00", "function_improved": False, "patient": "A"},
        {"scores": [{"at": "90 min", "nrs": 6.5}], "injections": [{"dose": "0.125 mg"}]},
        {"side_effects": [{"effect": "other", "severity": "severe", "note": "rash"}]},
    ],
)
def test_plain_data_form_reads_back_to_the_same_record(changes):
    record = trial_record_from_dict(_data(**changes), EFFECTS)
    assert trial_record_from_dict(trial_record_to_dict(record), EFFECTS) == record

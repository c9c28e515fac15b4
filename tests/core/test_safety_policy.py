"""The dosing policy's rules on the classes the review found accepted (issue 8)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from intrathecal.core.program import (
    Flex,
    FlexStep,
    PatientBolus,
    Prescription,
    Solution,
)
from intrathecal.core.quantities import Concentration, Duration, Mass, Volume, VolumeRate
from intrathecal.core.safety import (
    DoseStep,
    DosingProfile,
    Finding,
    History,
    OpioidStatus,
    SafetyReport,
    Severity,
    SpasticityOrigin,
    TrialDoseRequest,
    check_trial_doses,
)
from tests.core.safety_support import check
from tests.core.test_safety_rules import admixture, one_drug

NOW = datetime(2026, 3, 10, 9, 0)
TOLERANT = DosingProfile(opioid_status=OpioidStatus.TOLERANT)


def finding(report: SafetyReport, rule: str) -> Finding:
    """The one finding of ``rule`` (fails the test when absent)."""
    found = [f for f in report.findings if f.rule == rule]
    assert found, f"{rule} did not fire: {[f.rule for f in report.findings]}"
    return found[0]


# --- ceilings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("drug", "conc", "rate"),
    [("fentanyl", "10 mg/mL", "3 mL/day"), ("sufentanil", "2 mg/mL", "0.2 mL/day")],
)
def test_fentanyl_and_sufentanil_above_their_sanity_ceiling_are_refused(
    drug: str, conc: str, rate: str
) -> None:
    report = check(one_drug(drug, conc, rate=rate), profile=TOLERANT)
    hit = finding(report, "max_daily_dose")
    assert hit.severity is Severity.HARD
    assert "project default, unverified" in hit.message
    assert report.refused


def test_cancer_pain_allows_a_co_signed_override_up_to_twice_an_unverified_ceiling() -> None:
    running = one_drug("morphine", "10 mg/mL", rate="1.5 mL/day")
    cancer = DosingProfile(opioid_status=OpioidStatus.TOLERANT, cancer_pain=True)
    above = check(one_drug("morphine", "10 mg/mL", rate="1.8 mL/day"), running, profile=cancer)
    hit = finding(above, "max_daily_dose")
    assert hit.severity is Severity.SOFT
    assert "co-signed override" in hit.message
    far = check(one_drug("morphine", "20 mg/mL", rate="1.6 mL/day"), running, profile=cancer)
    assert finding(far, "max_daily_dose").severity is Severity.HARD


def test_a_label_ceiling_stays_hard_even_with_cancer_pain() -> None:
    running = one_drug("ziconotide", "100 mcg/mL", dose="19.2 mcg/day")
    cancer = DosingProfile(cancer_pain=True, psychosis_history=False)
    report = check(one_drug("ziconotide", "100 mcg/mL", dose="20 mcg/day"), running, profile=cancer)
    assert finding(report, "max_daily_dose").severity is Severity.HARD


# --- starts ----------------------------------------------------------------------------------


def test_morphine_10_mg_after_a_trial_is_refused_for_an_opioid_naive_or_unknown_patient() -> None:
    program = one_drug("morphine", "10 mg/mL", dose="10 mg/day")
    for status in (OpioidStatus.NAIVE, OpioidStatus.UNKNOWN):
        report = check(program, profile=DosingProfile(opioid_status=status))
        hit = finding(report, "opioid_naive_start")
        assert hit.severity is Severity.HARD
        assert "0.2–1 mg/day" in hit.message
        assert "Infumorph label, label" in hit.message


def test_a_tolerant_patient_above_the_usual_start_needs_an_override() -> None:
    report = check(one_drug("morphine", "10 mg/mL", dose="3 mg/day"), profile=TOLERANT)
    assert not report.refused
    assert finding(report, "starting_dose").severity is Severity.SOFT
    too_high = check(one_drug("morphine", "10 mg/mL", dose="12 mg/day"), profile=TOLERANT)
    assert finding(too_high, "opioid_tolerant_start").severity is Severity.HARD


# --- ziconotide ------------------------------------------------------------------------------


def test_ziconotide_with_a_patient_bolus_is_refused_and_the_start_counts_boluses() -> None:
    bolus = PatientBolus(Volume.parse("0.1 mL"), Duration.parse("10 min"), Duration.parse("4 h"), 6)
    p = one_drug("ziconotide", "25 mcg/mL", dose="2.4 mcg/day", patient_bolus=bolus)
    report = check(p, profile=DosingProfile(psychosis_history=False))
    assert finding(report, "continuous_only").severity is Severity.HARD
    start = finding(report, "titration_start")
    assert start.values["proposed"] > start.values["maximum"]


def test_ziconotide_diluted_first_fill_needs_an_override() -> None:
    report = check(
        one_drug("ziconotide", "5 mcg/mL", dose="1.2 mcg/day"),
        profile=DosingProfile(psychosis_history=False),
    )
    assert finding(report, "first_fill_undiluted").severity is Severity.SOFT


# --- baclofen --------------------------------------------------------------------------------


def test_baclofen_admixed_with_morphine_is_refused() -> None:
    p = admixture(
        VolumeRate.parse("0.2 mL/day"),
        ("baclofen", Concentration.parse("500 mcg/mL")),
        ("morphine", Concentration.parse("1 mg/mL")),
    )
    assert finding(check(p, profile=TOLERANT), "no_admixture").severity is Severity.HARD


def test_two_30_percent_baclofen_steps_five_hours_apart_exceed_the_24_h_window() -> None:
    spinal = DosingProfile(spasticity_origin=SpasticityOrigin.SPINAL)
    first = one_drug("baclofen", "500 mcg/mL", dose="100 mcg/day")
    second = one_drug("baclofen", "500 mcg/mL", dose="130 mcg/day")
    third = one_drug("baclofen", "500 mcg/mL", dose="169 mcg/day")
    history = History.of_programs(
        [(NOW - timedelta(days=3), first), (NOW - timedelta(hours=5), second)], NOW
    )
    report = check(third, second, history=history, profile=spinal)
    hit = finding(report, "titration_window_24h")
    assert "69 %" in hit.message
    later = History.of_programs(
        [(NOW - timedelta(days=3), first), (NOW - timedelta(hours=25), second)], NOW
    )
    assert not any(
        f.rule == "titration_window_24h"
        for f in check(third, second, history=later, profile=spinal).findings
    )


def test_cerebral_origin_limits_the_rise_to_15_percent_per_24_h() -> None:
    cerebral = DosingProfile(spasticity_origin=SpasticityOrigin.CEREBRAL)
    current = one_drug("baclofen", "500 mcg/mL", dose="100 mcg/day")
    assert not check(
        one_drug("baclofen", "500 mcg/mL", dose="115 mcg/day"), current, profile=cerebral
    ).findings
    report = check(
        one_drug("baclofen", "500 mcg/mL", dose="116 mcg/day"), current, profile=cerebral
    )
    assert "cerebral" in finding(report, "titration_window_24h").message


# --- opioid equivalence ------------------------------------------------------------------


def test_morphine_10_plus_hydromorphone_10_exceeds_the_combined_ceiling() -> None:
    p = admixture(
        VolumeRate.parse("1 mL/day"),
        ("morphine", Concentration.parse("10 mg/mL")),
        ("hydromorphone", Concentration.parse("10 mg/mL")),
    )
    running = p
    hit = finding(check(p, running, profile=TOLERANT), "opioid_combined_ceiling")
    assert hit.severity is Severity.HARD
    assert "morphine equivalent" in hit.message
    assert "uncertain" in hit.message


def test_switching_morphine_10_to_hydromorphone_5_needs_an_override_stating_the_uncertainty() -> (
    None
):
    current = one_drug("morphine", "10 mg/mL", dose="10 mg/day")
    proposed = one_drug("hydromorphone", "10 mg/mL", dose="5 mg/day")
    report = check(proposed, current, profile=TOLERANT)
    hit = finding(report, "opioid_switch")
    assert hit.severity is Severity.SOFT
    assert "25 mg/day" in hit.message
    assert "7.5 mg/day" in hit.message
    assert "uncertain" in hit.message
    fair = check(
        one_drug("hydromorphone", "10 mg/mL", dose="1.5 mg/day"), current, profile=TOLERANT
    )
    assert not any(f.rule == "opioid_switch" for f in fair.findings)


# --- flex steps ---------------------------------------------------------------------------


def test_a_part_day_per_hour_slip_in_a_flex_step_is_caught_and_named() -> None:
    steps = (
        FlexStep(Duration.parse("0 h"), VolumeRate.parse("0.12 mL/h")),
        FlexStep(Duration.parse("12 h"), VolumeRate.parse("0.12 mL/day")),
    )
    p = Prescription(Solution.single("baclofen", Concentration.parse("500 mcg/mL")), Flex(steps))
    report = check(p, p)
    dose = finding(report, "flex_step_dose")
    assert dose.severity is Severity.HARD
    assert "flex step at 0 h" in dose.message
    assert "per hour" in dose.message
    assert finding(report, "flex_step_slip").severity is Severity.SOFT


# --- trial doses ----------------------------------------------------------------------------


@pytest.mark.parametrize("dose", ["5 mg", "20 mg"])
def test_a_morphine_trial_dose_above_the_trial_range_is_refused(dose: str) -> None:
    report = check_trial_doses(
        TrialDoseRequest.of([("morphine", Mass.parse(dose), Duration.parse("0 h"))])
    )
    assert finding(report, "trial_bolus_range").severity is Severity.HARD


def test_baclofen_screening_boluses_two_hours_apart_are_refused() -> None:
    doses = [
        ("baclofen", Mass.parse("50 mcg"), Duration.parse("0 h")),
        ("baclofen", Mass.parse("75 mcg"), Duration.parse("2 h")),
    ]
    report = check_trial_doses(TrialDoseRequest.of(doses))
    assert finding(report, "screening_spacing").severity is Severity.HARD
    spaced = [doses[0], ("baclofen", Mass.parse("75 mcg"), Duration.parse("24 h"))]
    assert not check_trial_doses(TrialDoseRequest.of(spaced)).findings


def test_psychosis_history_refuses_ziconotide() -> None:
    report = check(
        one_drug("ziconotide", "25 mcg/mL", dose="1.2 mcg/day"),
        profile=DosingProfile(psychosis_history=True),
    )
    assert finding(report, "contraindication").severity is Severity.HARD


def test_dose_history_tracks_a_drug_listed_second_in_an_admixture() -> None:
    def zic(dose: str) -> Prescription:
        return admixture(
            VolumeRate.parse("0.2 mL/day"),
            ("morphine", Concentration.parse("5 mg/mL")),
            ("ziconotide", Concentration.parse(dose)),
        )

    programs = [
        (NOW - timedelta(minutes=4 - i), zic(c))
        for i, c in enumerate(["12 mcg/mL", "24 mcg/mL", "36 mcg/mL"])
    ]
    history = History.of_programs(programs, NOW)
    # the first program starts both drugs; then only the second-listed drug changes
    assert [s.drug for s in history.steps] == ["morphine", "ziconotide", "ziconotide", "ziconotide"]
    report = check(
        zic("48 mcg/mL"),
        programs[-1][1],
        history=history,
        profile=DosingProfile(psychosis_history=False, opioid_status=OpioidStatus.TOLERANT),
    )
    assert finding(report, "titration_interval").severity is Severity.HARD
    assert DoseStep("ziconotide", programs[1][0]).is_increase

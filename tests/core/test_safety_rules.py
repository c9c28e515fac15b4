"""Safety rules on worked examples: each finding's rule, severity, source and numbers."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction

import pytest

from intrathecal.core.catalogue import load_catalogue
from intrathecal.core.errors import InvalidInput, UnknownDrug
from intrathecal.core.program import (
    Component,
    Continuous,
    PatientBolus,
    PeriodicBolus,
    Prescription,
    Solution,
)
from intrathecal.core.quantities import (
    Concentration,
    DoseRate,
    Duration,
    Volume,
    VolumeRate,
)
from intrathecal.core.safety import (
    RULES,
    DoseStep,
    DosingProfile,
    History,
    Override,
    PumpLimits,
    SafetyReport,
    SafetySettings,
    Severity,
    SpasticityOrigin,
)
from tests.core.safety_support import check

NOW = datetime(2026, 3, 10, 9, 0)

# --- builders (also used by test_safety_properties) -------------------------------------


def one_drug(
    drug: str,
    conc: str,
    *,
    rate: str | None = None,
    dose: str | None = None,
    periodic: tuple[PeriodicBolus, ...] = (),
    patient_bolus: PatientBolus | None = None,
) -> Prescription:
    """A one-drug continuous program from text, by rate or by daily dose."""
    strength = Concentration.parse(conc)
    if rate is not None:
        flow = VolumeRate.parse(rate)
    else:
        assert dose is not None
        flow = DoseRate.parse(dose) / strength
    return Prescription(Solution.single(drug, strength), Continuous(flow), periodic, patient_bolus)


def admixture(rate: VolumeRate, *components: tuple[str, Concentration]) -> Prescription:
    """A continuous program of several drugs at one rate."""
    solution = Solution(tuple(Component(d, c) for d, c in components))
    return Prescription(solution, Continuous(rate))


NO_PSYCHOSIS = DosingProfile(psychosis_history=False)


def fired(report: SafetyReport, rule: str, drug: str | None = None) -> bool:
    """True when ``rule`` produced a finding (for ``drug`` when given)."""
    return any(f.rule == rule and (drug is None or f.drug == drug) for f in report.findings)


# --- rules ----------------------------------------------------------------------------

#: A running morphine program of 2.5 mg/day (changes from it are not first starts).
RUNNING_2_5_MG = one_drug("morphine", "10 mg/mL", rate="0.25 mL/day")


def test_morphine_above_maximum_is_refused_with_source_and_numbers() -> None:
    report = check(one_drug("morphine", "10 mg/mL", rate="1.8 mL/day"))
    assert report.refused
    finding = next(f for f in report.findings if f.rule == "max_daily_dose")
    assert finding.severity is Severity.HARD
    assert finding.message == (
        "morphine 18 mg/day exceeds the 15 mg/day maximum (PACC 2012, unverified default)"
    )
    assert "Neuromodulation 2012" in finding.source
    assert finding.values["daily_dose"] == DoseRate.parse("18 mg/day")
    assert finding.values["maximum"] == DoseRate.parse("15 mg/day")


def test_dose_at_the_maximum_is_not_refused() -> None:
    running = one_drug("morphine", "10 mg/mL", rate="1.5 mL/day")
    report = check(running, running)
    assert not fired(report, "max_daily_dose")
    assert not report.refused


def test_worked_example_2_hydromorphone_in_mcg_is_flagged_as_a_unit_slip() -> None:
    usual = check(one_drug("hydromorphone", "2 mg/mL", rate="0.25 mL/day"))
    assert not fired(usual, "unit_slip")
    slip = check(one_drug("hydromorphone", "2 mcg/mL", rate="0.25 mL/day"))
    finding = next(f for f in slip.findings if f.rule == "unit_slip")
    assert finding.severity is Severity.SOFT
    assert "1/500 of" in finding.message
    assert "unit slip" in finding.message
    assert slip.needs_override
    assert not slip.refused


def test_worked_example_5_ziconotide_minimum_flow_start_is_allowed() -> None:
    report = check(
        one_drug("ziconotide", "25 mcg/mL", rate="0.048 mL/day"),
        history=History(now=NOW),
        profile=NO_PSYCHOSIS,
    )
    assert not report.refused
    assert not fired(report, "pump_rate_range")
    assert not fired(report, "titration_start")


def test_worked_example_5_ziconotide_step_of_2_4_one_day_after_last_is_allowed() -> None:
    current = one_drug("ziconotide", "25 mcg/mL", dose="2.4 mcg/day")
    proposed = one_drug("ziconotide", "25 mcg/mL", dose="4.8 mcg/day")
    history = History(now=NOW, steps=(DoseStep("ziconotide", NOW - timedelta(days=1)),))
    report = check(proposed, current, history=history, profile=NO_PSYCHOSIS)
    assert report.ok, [f.message for f in report.findings]


def test_worked_example_5_ziconotide_fourth_step_in_a_week_is_refused() -> None:
    current = one_drug("ziconotide", "25 mcg/mL", dose="2.4 mcg/day")
    proposed = one_drug("ziconotide", "25 mcg/mL", dose="4.8 mcg/day")
    steps = tuple(DoseStep("ziconotide", NOW - timedelta(days=d)) for d in (1, 3, 6))
    report = check(proposed, current, history=History(now=NOW, steps=steps))
    finding = next(f for f in report.findings if f.rule == "titration_frequency")
    assert finding.severity is Severity.HARD
    assert "increase 4" in finding.message
    assert "at most 3" in finding.message
    # A step 8 days ago is outside the window: then it is the third step, allowed.
    older = tuple(DoseStep("ziconotide", NOW - timedelta(days=d)) for d in (1, 3, 8))
    assert not fired(
        check(proposed, current, history=History(now=NOW, steps=older)), "titration_frequency"
    )


def test_worked_example_5_ziconotide_step_of_3_6_is_refused() -> None:
    current = one_drug("ziconotide", "25 mcg/mL", dose="2.4 mcg/day")
    proposed = one_drug("ziconotide", "25 mcg/mL", dose="6 mcg/day")
    report = check(proposed, current, history=History(now=NOW))
    finding = next(f for f in report.findings if f.rule == "titration_step")
    assert finding.severity is Severity.HARD
    assert finding.values["step"] == DoseRate.parse("3.6 mcg/day")
    assert "Prialt US label" in finding.message


def test_ziconotide_start_above_label_is_refused() -> None:
    report = check(one_drug("ziconotide", "25 mcg/mL", dose="3 mcg/day"))
    assert fired(report, "titration_start")
    assert report.refused


def test_ziconotide_step_within_24_h_is_refused_and_within_48_h_needs_override_in_eu() -> None:
    current = one_drug("ziconotide", "25 mcg/mL", dose="2.4 mcg/day")
    proposed = one_drug("ziconotide", "25 mcg/mL", dose="4.8 mcg/day")

    def run(hours: int) -> set[tuple[str, Severity]]:
        history = History(
            now=NOW,
            steps=(DoseStep("ziconotide", NOW - timedelta(hours=hours)),),
        )
        report = check(proposed, current, rule_set="eu", history=history, profile=NO_PSYCHOSIS)
        return {(f.rule, f.severity) for f in report.findings}

    assert ("titration_interval", Severity.HARD) in run(12)
    assert run(30) == {("titration_interval_recommended", Severity.SOFT)}
    assert run(50) == set()


def test_ziconotide_eu_maximum_is_higher_than_us() -> None:
    proposed = one_drug("ziconotide", "100 mcg/mL", dose="20 mcg/day")
    current = one_drug("ziconotide", "100 mcg/mL", dose="19 mcg/day")
    history = History(now=NOW)
    us = check(proposed, current, rule_set="us", history=history, profile=NO_PSYCHOSIS)
    eu = check(proposed, current, rule_set="eu", history=history, profile=NO_PSYCHOSIS)
    assert fired(us, "max_daily_dose")
    assert not fired(eu, "max_daily_dose")


def test_ziconotide_increase_without_times_needs_confirmation() -> None:
    current = one_drug("ziconotide", "25 mcg/mL", dose="2.4 mcg/day")
    proposed = one_drug("ziconotide", "25 mcg/mL", dose="4.8 mcg/day")
    report = check(proposed, current)
    assert fired(report, "titration_history_missing")
    assert report.needs_override


def test_psychosis_history_refuses_ziconotide_and_unrecorded_history_reminds() -> None:
    p = one_drug("ziconotide", "25 mcg/mL", dose="1.2 mcg/day")
    flagged = check(p, profile=DosingProfile(psychosis_history=True))
    assert fired(flagged, "contraindication")
    assert flagged.refused
    unknown = check(p)
    reminder = next(f for f in unknown.findings if f.rule == "contraindication_reminder")
    assert reminder.severity is Severity.INFO
    assert not unknown.refused
    clear = check(p, profile=NO_PSYCHOSIS)
    assert not fired(clear, "contraindication")
    assert not fired(clear, "contraindication_reminder")


def test_worked_example_4_baclofen_spinal_origin_titrates_up_to_30_percent_per_24_h() -> None:
    current = one_drug("baclofen", "500 mcg/mL", dose="150 mcg/day")
    assert current.basal.rate == VolumeRate.parse("0.30 mL/day")  # type: ignore[union-attr]
    spinal = DosingProfile(spasticity_origin=SpasticityOrigin.SPINAL)
    allowed = check(one_drug("baclofen", "500 mcg/mL", dose="195 mcg/day"), current, profile=spinal)
    assert not fired(allowed, "titration_window_24h")
    too_fast = check(
        one_drug("baclofen", "500 mcg/mL", dose="196 mcg/day"), current, profile=spinal
    )
    finding = next(f for f in too_fast.findings if f.rule == "titration_window_24h")
    assert finding.severity is Severity.SOFT
    assert "30 %" in finding.message
    assert "spinal" in finding.message
    assert "literature" in finding.message


def test_baclofen_without_recorded_origin_uses_the_stricter_cerebral_limit() -> None:
    current = one_drug("baclofen", "500 mcg/mL", dose="100 mcg/day")
    report = check(one_drug("baclofen", "500 mcg/mL", dose="120 mcg/day"), current)
    finding = next(f for f in report.findings if f.rule == "titration_window_24h")
    assert "15 %" in finding.message
    assert "origin not recorded" in finding.message


def test_baclofen_cut_beyond_20_percent_or_removal_needs_override() -> None:
    current = one_drug("baclofen", "500 mcg/mL", dose="300 mcg/day")
    assert not fired(
        check(one_drug("baclofen", "500 mcg/mL", dose="240 mcg/day"), current), "dose_decrease"
    )
    cut = check(one_drug("baclofen", "500 mcg/mL", dose="200 mcg/day"), current)
    finding = next(f for f in cut.findings if f.rule == "dose_decrease")
    assert finding.severity is Severity.SOFT
    assert "boxed warning" in finding.message
    assert finding.values["floor"] == DoseRate.parse("240 mcg/day")
    switched = check(one_drug("morphine", "1 mg/mL", dose="0.2 mg/day"), current)
    removal = next(f for f in switched.findings if f.rule == "dose_decrease")
    assert "100 %" in removal.message
    assert removal.drug == "baclofen"


def test_opioid_cuts_carry_no_decrease_rule() -> None:
    current = one_drug("morphine", "10 mg/mL", dose="5 mg/day")
    assert not fired(
        check(one_drug("morphine", "10 mg/mL", dose="1 mg/day"), current), "dose_decrease"
    )


def test_opioid_increase_beyond_the_default_20_percent_needs_override() -> None:
    current = one_drug("morphine", "10 mg/mL", dose="5 mg/day")
    assert not fired(
        check(one_drug("morphine", "10 mg/mL", dose="6 mg/day"), current), "dose_increase"
    )
    report = check(one_drug("morphine", "10 mg/mL", dose="6.5 mg/day"), current)
    finding = next(f for f in report.findings if f.rule == "dose_increase")
    assert "unverified" in finding.message
    assert finding.values["current"] == DoseRate.parse("5 mg/day")
    assert finding.values["current"].unit == "mg/day"


def test_dose_increase_limit_can_be_overridden_by_settings() -> None:
    current = one_drug("morphine", "10 mg/mL", dose="5 mg/day")
    proposed = one_drug("morphine", "10 mg/mL", dose="5.75 mg/day")  # +15 %
    strict = SafetySettings.from_catalogue(load_catalogue()).with_dose_increase_fraction(
        Fraction(1, 10)
    )
    assert not fired(check(proposed, current), "dose_increase")
    assert fired(check(proposed, current, settings=strict), "dose_increase")


def test_rule_severity_can_be_changed_by_settings() -> None:
    settings = SafetySettings.from_catalogue(load_catalogue()).with_severity(
        "max_concentration", Severity.HARD
    )
    p = one_drug("morphine", "25 mg/mL", rate="0.1 mL/day")
    assert not check(p, RUNNING_2_5_MG).refused
    assert check(p, RUNNING_2_5_MG, settings=settings).refused


def test_admixture_components_are_checked_separately() -> None:
    p = admixture(
        VolumeRate.parse("1 mL/day"),
        ("morphine", Concentration.parse("10 mg/mL")),  # 10 mg/day: within 15
        ("bupivacaine", Concentration.parse("20 mg/mL")),  # 20 mg/day: above 15
    )
    report = check(p)
    flagged = {f.drug for f in report.findings if f.rule == "max_daily_dose"}
    assert flagged == {"bupivacaine"}


def test_morphine_above_max_concentration_needs_override_and_flags_granuloma() -> None:
    report = check(one_drug("morphine", "25 mg/mL", rate="0.1 mL/day"), RUNNING_2_5_MG)
    rules = {(f.rule, f.severity) for f in report.findings}
    assert ("max_concentration", Severity.SOFT) in rules
    assert ("granuloma_risk", Severity.INFO) in rules
    assert report.needs_override
    assert not report.refused


def test_patient_boluses_that_can_exceed_the_maximum_are_refused() -> None:
    bolus = PatientBolus(Volume.parse("0.1 mL"), Duration.parse("5 min"), Duration.parse("1 h"), 10)
    p = one_drug("morphine", "10 mg/mL", rate="1 mL/day", patient_bolus=bolus)
    report = check(p)
    finding = next(f for f in report.findings if f.rule == "worst_case_daily_dose")
    assert finding.values["worst_case_daily_dose"] == DoseRate.parse("20 mg/day")
    assert report.refused
    # The lockout binds: 4 boluses a day at most keep the worst case at 14 mg/day.
    limited = PatientBolus(
        Volume.parse("0.1 mL"), Duration.parse("5 min"), Duration.parse("6 h"), 10
    )
    assert not fired(
        check(one_drug("morphine", "10 mg/mL", rate="1 mL/day", patient_bolus=limited)),
        "worst_case_daily_dose",
    )


def test_patient_bolus_above_a_tenth_of_the_daily_volume_is_pointed_out() -> None:
    usual = PatientBolus(Volume.parse("0.02 mL"), Duration.parse("5 min"), Duration.parse("4 h"), 4)
    large = PatientBolus(Volume.parse("0.05 mL"), Duration.parse("5 min"), Duration.parse("4 h"), 4)
    assert not fired(
        check(one_drug("morphine", "10 mg/mL", rate="0.3 mL/day", patient_bolus=usual)),
        "patient_bolus_size",
    )
    report = check(one_drug("morphine", "10 mg/mL", rate="0.3 mL/day", patient_bolus=large))
    finding = next(f for f in report.findings if f.rule == "patient_bolus_size")
    assert finding.severity is Severity.INFO
    assert "16.67 %" in finding.message
    assert "Lindley" in finding.message


def test_rates_outside_the_pump_range_are_refused() -> None:
    low = check(one_drug("morphine", "1 mg/mL", rate="0.04 mL/day"))
    finding = next(f for f in low.findings if f.rule == "pump_rate_range")
    assert "below the pump minimum 0.048 mL/day" in finding.message
    assert low.refused
    limits = PumpLimits.of(VolumeRate.parse("0.048 mL/day"), VolumeRate.parse("1 mL/day"))
    high = check(one_drug("morphine", "1 mg/mL", rate="1.2 mL/day"), pump_limits=limits)
    assert fired(high, "pump_rate_range")
    bolus = PeriodicBolus(Volume.parse("0.5 mL"), Duration.parse("5 min"), Duration.parse("6 h"))
    fast = check(one_drug("morphine", "1 mg/mL", rate="0.5 mL/day", periodic=(bolus,)))
    assert any("peak flow" in f.message for f in fast.findings if f.rule == "pump_rate_range")


def test_unknown_drug_is_bad_input_not_a_finding() -> None:
    with pytest.raises(UnknownDrug, match="oxycodone"):
        check(one_drug("oxycodone", "10 mg/mL", rate="0.3 mL/day"))


def test_report_orders_hard_then_soft_then_info() -> None:
    report = check(one_drug("morphine", "25 mg/mL", rate="1 mL/day"))
    order = [f.severity for f in report.findings]
    assert order == sorted(order, key=[Severity.HARD, Severity.SOFT, Severity.INFO].index)
    assert report.rule_set == "us"
    assert report.catalogue_version == load_catalogue().version


def test_every_rule_is_registered_once() -> None:
    assert len(set(RULES)) == len(RULES) >= 10


def _override(*codes: str, second: str = "dr-b") -> Override:
    return Override(frozenset(codes), "patient stable on this concentration", "dr-a", second)


def test_override_accepts_only_named_soft_findings() -> None:
    report = check(one_drug("morphine", "25 mg/mL", rate="0.1 mL/day"), RUNNING_2_5_MG)
    assert not report.accepts(None)
    assert not report.accepts(_override("dose_increase"))
    assert report.accepts(_override("max_concentration"))


def test_override_never_accepts_a_hard_finding() -> None:
    report = check(one_drug("morphine", "25 mg/mL", rate="1 mL/day"))
    assert report.refused
    assert not report.accepts(_override("max_concentration", "max_daily_dose"))


@pytest.mark.parametrize(
    ("codes", "reason", "first", "second", "message"),
    [
        (frozenset(), "why", "a", "b", "codes"),
        (frozenset({"x"}), "  ", "a", "b", "reason"),
        (frozenset({"x"}), "why", "a", "", "two clinicians"),
        (frozenset({"x"}), "why", "dr-a", "DR-A", "different"),
    ],
)
def test_override_requires_reason_and_a_different_second_clinician(
    codes: frozenset[str], reason: str, first: str, second: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        Override(codes, reason, first, second)


def test_history_refuses_mixing_zoned_and_naive_times() -> None:
    from datetime import UTC

    with pytest.raises(InvalidInput, match="time zone"):
        History(now=NOW.replace(tzinfo=UTC), steps=(DoseStep("ziconotide", NOW),))


def test_history_refuses_steps_after_now() -> None:
    with pytest.raises(InvalidInput, match="after"):
        History(now=NOW, steps=(DoseStep("ziconotide", NOW + timedelta(hours=1)),))

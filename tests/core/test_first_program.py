"""The first program proposed from a successful trial: sourced where possible, checked always."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intrathecal.core.catalogue import load_catalogue
from intrathecal.core.errors import InvalidInput
from intrathecal.core.first_program import FirstProgram, propose_first_program
from intrathecal.core.program_math import daily_dose
from intrathecal.core.quantities import Concentration, DoseRate
from intrathecal.core.safety import DosingProfile, OpioidStatus, check_trial
from intrathecal.core.trial_config import load_trial_config
from intrathecal.core.trial_record import trial_record_from_dict
from intrathecal.device.limits import DEFAULT_MODEL, safety_limits
from tests.core.safety_support import check

PUMP = safety_limits(DEFAULT_MODEL)
CONFIG = load_trial_config()
CATALOGUE = load_catalogue()


def pain_trial(drug: str, dose: str, relief_to: int = 2) -> Any:
    data = {
        "drug": drug,
        "baseline": {"nrs": 8},
        "injections": [{"dose": dose, "at": "0 h"}],
        "scores": [{"at": "2 h", "nrs": relief_to}, {"at": "8 h", "nrs": relief_to}],
    }
    return trial_record_from_dict(data, CONFIG.side_effects)


def baclofen_trial(after: list[tuple[int, int]]) -> Any:
    data = {
        "drug": "baclofen",
        "baseline": {"nrs": 0},
        "injections": [{"dose": "75 mcg", "at": "0 h"}],
        "spasticity": {
            "scale": "ashworth",
            "before": [3],
            "after": [{"at": f"{h} h", "grade": g} for h, g in after],
        },
    }
    return trial_record_from_dict(data, CONFIG.side_effects)


def propose(record: Any, profile: DosingProfile | None = None, **kw: Any) -> FirstProgram:
    evaluation = check_trial(record).evaluation
    assert evaluation is not None
    return propose_first_program(evaluation, pump=PUMP, patient=profile, **kw)


def test_morphine_starts_at_the_trial_dose_within_the_naive_label_range() -> None:
    proposal = propose(pain_trial("morphine", "0.3 mg"))
    assert proposal.daily_dose == DoseRate.parse("0.3 mg/day")
    assert daily_dose(proposal.prescription)["morphine"] == DoseRate.parse("0.3 mg/day")
    assert not proposal.report.refused
    parts = {p.part: p for p in proposal.provenance}
    assert parts["daily dose"].unverified
    assert "project default" in parts["daily dose"].attribution
    assert not parts["bounded by"].unverified
    assert "Infumorph label" in parts["bounded by"].attribution
    assert "as naive" in parts["bounded by"].text
    assert "confirm" in proposal.note


def test_a_tolerant_patient_is_raised_to_the_tolerant_label_range() -> None:
    proposal = propose(
        pain_trial("morphine", "0.3 mg"), DosingProfile(opioid_status=OpioidStatus.TOLERANT)
    )
    assert proposal.daily_dose == DoseRate.parse("1 mg/day")
    assert "opioid-tolerant" in next(p.text for p in proposal.provenance if p.part == "bounded by")


def test_ziconotide_is_capped_at_the_label_start_and_filled_undiluted() -> None:
    proposal = propose(pain_trial("ziconotide", "5 mcg"), DosingProfile(psychosis_history=False))
    assert proposal.daily_dose == DoseRate.parse("2.4 mcg/day")
    assert proposal.strength == Concentration.parse("25 mcg/mL")
    assert not proposal.report.findings


def test_baclofen_uses_the_label_rule_on_the_spasticity_response() -> None:
    short = propose(baclofen_trial([(1, 1), (5, 1), (7, 3)]))
    assert short.daily_dose == DoseRate.parse("150 mcg/day")  # 2 x 75 mcg: effect < 8 h
    assert short.strength == Concentration.parse("500 mcg/mL")
    assert short.prescription.basal.rate.format("mL/day") == "0.3 mL/day"  # type: ignore[union-attr]
    assert all(not p.unverified for p in short.provenance)
    long = propose(baclofen_trial([(1, 1), (5, 1), (9, 1)]))
    assert long.daily_dose == DoseRate.parse("75 mcg/day")  # effect lasted >= 8 h: 1 x


def test_an_unknown_effect_length_takes_the_lower_start_and_says_so() -> None:
    proposal = propose(baclofen_trial([(1, 1), (5, 1)]))
    assert proposal.daily_dose == DoseRate.parse("75 mcg/day")
    note = next(p for p in proposal.provenance if p.part == "effect duration")
    assert note.unverified
    assert "not known" in note.text


def test_only_a_successful_trial_gets_a_proposal() -> None:
    with pytest.raises(InvalidInput, match="successful trial"):
        propose(pain_trial("morphine", "0.3 mg", relief_to=7))


def test_a_given_strength_is_used_and_still_checked() -> None:
    proposal = propose(pain_trial("morphine", "0.3 mg"), strength=Concentration.parse("2 mcg/mL"))
    assert proposal.report.refused
    assert "given by the clinician" in next(
        p.text for p in proposal.provenance if p.part == "strength"
    )


TRIAL_DRUGS = [
    d.name for d in CATALOGUE.drugs() if d.trial_bolus is not None and d.screening_start is None
]


@settings(max_examples=60, deadline=None)
@given(
    drug=st.sampled_from(TRIAL_DRUGS),
    fraction=st.fractions(0, 1),
    status=st.sampled_from(list(OpioidStatus)),
)
def test_every_proposal_stays_in_its_start_range_and_is_the_policy_s_verdict(
    drug: str, fraction: Any, status: OpioidStatus
) -> None:
    bolus = CATALOGUE.get(drug).trial_bolus
    assert bolus is not None
    low, high = bolus.value.low, bolus.value.high
    dose = low.scaled(1) + (high - low).scaled(fraction)
    profile = DosingProfile(opioid_status=status, psychosis_history=False)
    proposal = propose(pain_trial(drug, dose.format("mcg", 6)), profile)
    entry = CATALOGUE.get(drug)
    bound = entry.starting_daily_dose
    if entry.naive_daily_dose is not None:
        tolerant = status is OpioidStatus.TOLERANT
        bound = entry.tolerant_daily_dose if tolerant else entry.naive_daily_dose
    assert bound is not None
    assert bound.value.low <= proposal.daily_dose <= bound.value.high
    assert not proposal.report.refused
    again = check(proposal.prescription, profile=profile)
    assert again.findings == proposal.report.findings


def test_a_dose_below_the_pump_minimum_is_raised_within_the_start_range() -> None:
    """Ziconotide 1 mcg/day at 25 mcg/mL is 0.04 mL/day: raised to 1.2 mcg/day (example 5)."""
    proposal = propose(pain_trial("ziconotide", "1 mcg"), DosingProfile(psychosis_history=False))
    assert proposal.daily_dose == DoseRate.parse("1.2 mcg/day")
    assert proposal.prescription.basal.rate.format("mL/day") == "0.048 mL/day"  # type: ignore[union-attr]
    assert any(p.part == "pump minimum" for p in proposal.provenance)

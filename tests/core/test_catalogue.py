"""The drug catalogue: every drug loads with sourced values, rule sets resolve, errors help."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from intrathecal.core.catalogue import (
    DrugClass,
    RuleSet,
    load_catalogue,
    parse_catalogue,
    parse_fraction,
    parse_rule_set,
)
from intrathecal.core.errors import InvalidInput, InvalidQuantity, UnknownDrug
from intrathecal.core.quantities import Concentration, DoseRate, Duration, Mass
from intrathecal.core.sourced_data import Status

EXPECTED = (
    "morphine",
    "hydromorphone",
    "fentanyl",
    "sufentanil",
    "ziconotide",
    "bupivacaine",
    "clonidine",
    "baclofen",
)


def _raw() -> dict[str, Any]:
    from importlib import resources

    text = resources.files("intrathecal").joinpath("data/drugs.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def test_catalogue_lists_the_eight_drugs_with_version_and_review_date() -> None:
    catalogue = load_catalogue()
    assert catalogue.names == EXPECTED
    assert catalogue.version >= 1
    assert catalogue.reviewed.year >= 2025


def test_load_catalogue_is_cached() -> None:
    assert load_catalogue() is load_catalogue()


@pytest.mark.parametrize("rule_set", list(RuleSet))
def test_every_drug_has_sourced_limits_under_each_rule_set(rule_set: RuleSet) -> None:
    for drug in load_catalogue().drugs(rule_set):
        assert drug.max_concentration.source.citation
        assert isinstance(drug.max_concentration.value, Concentration)
        assert drug.max_daily_dose.status in set(Status)
        assert drug.concentrations, f"{drug.name} has no known strengths"
        assert drug.trial_bolus is not None
        assert isinstance(drug.trial_bolus.value.low, Mass)
        assert drug.trial_bolus.value.low <= drug.trial_bolus.value.high
        assert drug.starting_daily_dose is not None
        assert isinstance(drug.starting_daily_dose.value.high, DoseRate)


def test_ziconotide_maximum_differs_between_us_and_eu_rule_sets() -> None:
    catalogue = load_catalogue()
    us = catalogue.get("ziconotide", RuleSet.US).max_daily_dose
    eu = catalogue.get("ziconotide", "eu").max_daily_dose
    assert us.value == DoseRate.parse("19.2 mcg/day")
    assert eu.value == DoseRate.parse("21.6 mcg/day")
    assert us.status is Status.LABEL
    assert eu.status is Status.LABEL
    assert us.source.short != eu.source.short


def test_ziconotide_titration_rules_follow_each_jurisdiction() -> None:
    catalogue = load_catalogue()
    us = catalogue.get("ziconotide", "us").titration
    eu = catalogue.get("ziconotide", "eu").titration
    assert us.step_max is not None
    assert us.step_max.value == DoseRate.parse("2.4 mcg/day")
    assert us.max_steps is not None
    assert us.max_steps.value.count == 3
    assert us.max_steps.value.per == Duration.parse("7 day")
    assert eu.max_steps is None
    assert eu.recommended_interval is not None
    assert eu.recommended_interval.value == Duration.parse("48 h")


def test_pacc_values_are_marked_unverified_and_label_values_label() -> None:
    catalogue = load_catalogue()
    morphine = catalogue.get("morphine")
    assert morphine.max_daily_dose.value == DoseRate.parse("15 mg/day")
    assert morphine.max_daily_dose.status is Status.UNVERIFIED
    assert morphine.max_daily_dose.attribution() == "PACC 2012, unverified default"
    infumorph = [c for c in morphine.concentrations if c.source.key == "infumorph_label"]
    assert {c.value for c in infumorph} == {
        Concentration.parse("10 mg/mL"),
        Concentration.parse("25 mg/mL"),
    }
    assert all(c.status is Status.LABEL for c in infumorph)


def test_every_drug_has_a_daily_ceiling_and_unpublished_ones_are_unverified() -> None:
    catalogue = load_catalogue()
    for rule_set in RuleSet:
        for drug in catalogue.drugs(rule_set):
            assert drug.max_daily_dose.value is not None, drug.name
    for name in ("fentanyl", "sufentanil"):
        limit = catalogue.get(name).max_daily_dose
        assert limit.status is Status.UNVERIFIED
        assert limit.source.key == "project"
        assert "no known upper limit" in limit.note


def test_granuloma_thresholds_can_fire_below_the_maximum_concentration() -> None:
    catalogue = load_catalogue()
    for drug in catalogue.drugs():
        threshold = drug.granuloma_concentration
        if threshold is not None:
            assert threshold.value <= drug.max_concentration.value, drug.name


def test_every_opioid_has_a_sourced_morphine_equivalent() -> None:
    for drug in load_catalogue().drugs():
        if drug.is_opioid:
            assert drug.morphine_equivalent is not None, drug.name
            assert drug.morphine_equivalent.value > 0


def test_statuses_match_what_the_reference_supports() -> None:
    catalogue = load_catalogue()
    baclofen = catalogue.get("baclofen")
    assert baclofen.starting_daily_dose is not None
    assert baclofen.starting_daily_dose.status is Status.UNVERIFIED  # derived, not label
    ziconotide = catalogue.get("ziconotide", RuleSet.US)
    assert ziconotide.titration.min_interval is not None
    assert ziconotide.titration.min_interval.status is Status.LITERATURE  # trial protocol


def test_drug_classes_and_dose_units() -> None:
    catalogue = load_catalogue()
    assert catalogue.get("morphine").is_opioid
    assert catalogue.get("ziconotide").drug_class is DrugClass.N_TYPE_CALCIUM_CHANNEL_BLOCKER
    assert not catalogue.get("baclofen").is_opioid
    assert catalogue.get("morphine").dose_unit == "mg/day"
    assert catalogue.get("ziconotide").dose_unit == "mcg/day"
    assert catalogue.get("fentanyl").dose_unit == "mcg/day"


def test_get_is_case_insensitive_and_unknown_drug_lists_known_names() -> None:
    catalogue = load_catalogue()
    assert catalogue.get(" Morphine ").name == "morphine"
    with pytest.raises(UnknownDrug) as caught:
        catalogue.get("oxycodone")
    message = str(caught.value)
    assert "oxycodone" in message
    assert all(name in message for name in EXPECTED)


def test_unknown_rule_set_is_refused_with_the_choices() -> None:
    with pytest.raises(InvalidInput, match="us, eu"):
        parse_rule_set("uk")


def test_parse_fraction_reads_percentages_and_decimals() -> None:
    assert parse_fraction("20 %", "x") == parse_fraction("0.2", "x")
    with pytest.raises(InvalidInput, match="percentage"):
        parse_fraction("twenty", "x")


def test_catalogue_refuses_a_value_without_its_unit() -> None:
    data = _raw()
    data["drugs"]["morphine"]["max_daily_dose"]["value"] = 15
    with pytest.raises(InvalidQuantity, match=r"drugs\.morphine\.max_daily_dose\.value"):
        parse_catalogue(data)


def test_catalogue_refuses_a_value_in_the_wrong_dimension() -> None:
    data = _raw()
    data["drugs"]["morphine"]["max_concentration"]["value"] = "20 mg"
    with pytest.raises(InvalidQuantity, match="concentration"):
        parse_catalogue(data)


@pytest.mark.parametrize(
    ("field", "bad", "message"),
    [
        ("source", "nowhere", "unknown source"),
        ("status", "probably", "expected one of label"),
    ],
)
def test_catalogue_refuses_a_value_without_valid_source_or_status(
    field: str, bad: str, message: str
) -> None:
    data = copy.deepcopy(_raw())
    data["drugs"]["clonidine"]["max_daily_dose"][field] = bad
    with pytest.raises(InvalidInput, match=message):
        parse_catalogue(data)

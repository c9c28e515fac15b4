"""Exact values in FHIR JSON: quantities in UCUM carry the domain's exact decimal."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intrathecal.core.quantities import Concentration, DoseRate, Volume, VolumeRate
from intrathecal.fhir.elements import exact_decimal, quantity, strength
from intrathecal.fhir.jsonio import dumps, loads


def test_a_tenth_of_a_millilitre_stays_one_tenth_in_the_json_text() -> None:
    text = dumps(quantity(Volume.parse("0.1 mL")))
    assert text == '{"value":0.1,"unit":"mL","system":"http://unitsofmeasure.org","code":"mL"}'


@pytest.mark.parametrize(
    ("value", "ucum"),
    [
        (VolumeRate.parse("0.30 mL/day"), "mL/d"),
        (DoseRate.parse("500 mcg/day"), "ug/d"),
        (VolumeRate.parse("20 µL/h"), "uL/h"),
    ],
)
def test_quantities_use_ucum_codes_and_keep_our_display_unit(value: object, ucum: str) -> None:
    out = quantity(value)  # type: ignore[arg-type]
    assert out["code"] == ucum
    assert out["system"] == "http://unitsofmeasure.org"


def test_an_admixture_strength_is_mass_per_one_volume_unit() -> None:
    ratio = strength(Concentration.parse("0.025 mg/mL"))
    assert dumps(ratio) == (
        '{"numerator":{"value":0.025,"unit":"mg","system":"http://unitsofmeasure.org",'
        '"code":"mg"},"denominator":{"value":1,"unit":"mL",'
        '"system":"http://unitsofmeasure.org","code":"mL"}}'
    )


@given(st.integers(-(10**9), 10**9), st.integers(0, 12), st.integers(0, 12))
def test_terminating_fractions_render_exactly_and_read_back_equal(
    numerator: int, twos: int, fives: int
) -> None:
    value = Fraction(numerator, 2**twos * 5**fives)
    text = dumps({"v": exact_decimal(value)})
    assert Fraction(loads(text)["v"]) == value


def test_a_non_terminating_value_is_rounded_to_fifteen_significant_digits() -> None:
    assert str(exact_decimal(Fraction(1, 3))) == "0.333333333333333"

"""Unit-carrying API fields: any text either parses to the right dimension or is a clear 422."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from intrathecal.api.fields import ConcentrationField, Name, VolumeField, format_quantity
from intrathecal.core.quantities import Concentration, Volume


class Sample(BaseModel):
    reservoir: VolumeField
    concentration: ConcentrationField


class Named(BaseModel):
    name: Name


@given(text=st.text(max_size=30))
def test_any_text_is_a_volume_or_a_validation_error_naming_the_field(text: str) -> None:
    try:
        parsed = Sample(reservoir=text, concentration="10 mg/mL")
    except ValidationError as exc:
        errors = exc.errors()
        assert [e["loc"] for e in errors] == [("reservoir",)]
        assert "volume" in errors[0]["ctx"]["expected"]
    else:
        assert isinstance(parsed.reservoir, Volume)


@given(
    magnitude=st.fractions(min_value=Fraction(1, 1000), max_value=Fraction(10_000)).map(
        lambda f: Fraction(round(f * 1000), 1000)
    ),
    unit=st.sampled_from(["mg/mL", "mcg/mL"]),
)
def test_concentration_round_trips_through_json(magnitude: Fraction, unit: str) -> None:
    value = Concentration(magnitude, unit)
    dumped = Sample(reservoir="20 mL", concentration=value).model_dump(mode="json")
    assert Concentration.parse(dumped["concentration"]) == value


@pytest.mark.parametrize(
    ("given_value", "fragment"),
    [("10", "no unit"), (10, "with a unit"), ("10 mg", "got a mass"), (".5 mg/mL", "leading zero")],
)
def test_unitless_or_wrong_unit_concentration_says_why(given_value: object, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        Sample(reservoir="20 mL", concentration=given_value)
    assert fragment in info.value.errors()[0]["msg"]


def test_quantities_render_with_their_unit() -> None:
    assert format_quantity(Volume("0.25", "mL")) == "0.25 mL"
    assert format_quantity(Concentration(500, "mcg/mL")) == "500 mcg/mL"


@given(text=st.text(max_size=20))
def test_names_never_keep_control_characters(text: str) -> None:
    try:
        named = Named(name=text)
    except ValidationError:
        return
    assert named.name.strip()
    assert not any(ord(c) < 32 and c not in "\t\n\r" for c in named.name)

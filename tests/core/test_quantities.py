"""Unit-typed quantities: parsing, exact conversion, and refusal of dimension mix-ups."""

import pickle
from decimal import Decimal
from fractions import Fraction

import pint
import pytest
from hypothesis import given
from hypothesis import strategies as st

from intrathecal.core.errors import InvalidQuantity, UnitMismatch
from intrathecal.core.quantities import (
    Concentration,
    DoseRate,
    Duration,
    Mass,
    Volume,
    VolumeRate,
    mcg,
    mg,
    ml,
    parse_quantity,
)

UREG = pint.UnitRegistry()

decimals = st.decimals(
    min_value=Decimal("0.000001"), max_value=Decimal("100000"), places=6, allow_nan=False
)

UNIT_PAIRS = {
    Mass: [("mg", "mcg"), ("mcg", "mg"), ("g", "mg")],
    Volume: [("mL", "µL"), ("µL", "mL")],
    Concentration: [("mg/mL", "mcg/mL"), ("mcg/mL", "mg/mL"), ("mcg/µL", "mg/mL")],
    VolumeRate: [("mL/day", "µL/h"), ("µL/h", "mL/day"), ("mL/h", "mL/day")],
    DoseRate: [("mg/day", "mcg/h"), ("mcg/h", "mg/day"), ("mg/h", "mcg/day")],
    Duration: [("day", "h"), ("week", "min"), ("s", "day")],
}
PINT_SPELLING = {"mcg": "microgram", "µL": "microliter", "day": "day", "h": "hour"}


def _pint_unit(unit: str) -> str:
    return "/".join(PINT_SPELLING.get(part, part) for part in unit.split("/"))


@pytest.mark.parametrize(
    ("kind", "source", "target"),
    [(kind, s, t) for kind, pairs in UNIT_PAIRS.items() for s, t in pairs],
)
@given(value=decimals)
def test_conversion_agrees_with_pint_and_round_trips_exactly(
    kind: type, source: str, target: str, value: Decimal
) -> None:
    quantity = kind(value, source)
    converted = quantity.to(target)
    expected = UREG.Quantity(Fraction(value), _pint_unit(source)).to(_pint_unit(target))
    assert float(converted) == pytest.approx(float(expected.magnitude), rel=1e-12)
    assert kind(converted, target).to(source) == Fraction(value)
    assert kind(converted, target) == quantity


@given(value=decimals)
def test_a_dose_in_mcg_is_never_read_as_mg(value: Decimal) -> None:
    as_mcg = Mass.parse(f"{value} mcg")
    assert as_mcg.to("mg") == Fraction(value) / 1000
    assert as_mcg != Mass.parse(f"{value} mg")


@given(value=decimals)
def test_parse_then_format_round_trips(value: Decimal) -> None:
    quantity = Concentration.parse(f"{value} mg/mL")
    assert Concentration.parse(quantity.format(digits=20)) == quantity


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10 mg/mL", Concentration(10, "mg/mL")),
        ("500 mcg/day", DoseRate(500, "mcg/day")),
        ("500 µg/day", DoseRate(500, "mcg/day")),
        ("500 μg per day", DoseRate(500, "mcg/day")),  # Greek mu, 'per'
        ("0.25 ML/DAY", VolumeRate(Fraction(1, 4), "mL/day")),
        ("20 mL", Volume(20, "mL")),
        ("4 h", Duration(4, "h")),
    ],
)
def test_parse_reads_common_clinical_spellings(text: str, expected: object) -> None:
    assert parse_quantity(text) == expected


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("10", "has no unit"),
        ("", "expected a number followed by a unit"),
        (".5 mg", "leading zero"),
        ("5 cc", "ISMP"),
        ("5 furlongs", "unknown unit"),
        ("1,5 mg", "expected a number followed by a unit"),
        ("ten mg", "expected a number followed by a unit"),
    ],
)
def test_parse_rejects_bad_text_with_a_reason(text: str, needle: str) -> None:
    with pytest.raises(InvalidQuantity, match=needle):
        parse_quantity(text)


def test_typed_parse_names_the_expected_dimension() -> None:
    with pytest.raises(InvalidQuantity, match="expected a concentration such as '10 mg/mL'"):
        Concentration.parse("10 mg")
    with pytest.raises(InvalidQuantity, match="expected a dose rate"):
        DoseRate.parse("0.3 mL/day")


def test_constructor_refuses_a_unit_of_another_dimension() -> None:
    with pytest.raises(InvalidQuantity, match="expected a mass unit"):
        Mass(5, "mL")


def test_mixing_dimensions_is_refused() -> None:
    with pytest.raises(UnitMismatch, match="cannot add a mass and a volume"):
        mg(1) + ml(1)  # type: ignore[operator]
    with pytest.raises(UnitMismatch, match="cannot compare"):
        assert mg(1) < ml(1)  # type: ignore[operator]
    with pytest.raises(UnitMismatch, match="no unit-free float"):
        float(mg(1))


def test_equality_across_dimensions_is_false_not_an_error() -> None:
    assert mg(1) != ml(1)
    assert mg(1) != 1


def test_dimensional_arithmetic_gives_the_right_types() -> None:
    concentration = Concentration.parse("2 mg/mL")
    rate = VolumeRate.parse("0.25 mL/day")
    dose_rate = concentration * rate
    assert isinstance(dose_rate, DoseRate)
    assert dose_rate == DoseRate.parse("0.5 mg/day")
    assert dose_rate / Concentration.parse("4 mg/mL") == VolumeRate.parse("0.125 mL/day")
    assert mg(10) / ml(2) == Concentration.parse("5 mg/mL")
    assert mg(10) / Concentration.parse("5 mg/mL") == ml(2)
    assert ml(20) / VolumeRate.parse("0.3 mL/day") == Duration(Fraction(200, 3), "day")
    assert rate * Duration(4, "day") == ml(1)
    assert ml(2) * concentration == mg(4)
    assert 3 * ml(2) == ml(6)


def test_hourly_rates_convert_to_daily_exactly() -> None:
    # A per-hour vs per-day slip is a documented overdose cause: the two must differ 24x.
    per_hour = DoseRate.parse("1 mg/h")
    per_day = DoseRate.parse("1 mg/day")
    assert per_hour.ratio(per_day) == 24
    assert VolumeRate.parse("1 mL/day").to("mL/h") == Fraction(1, 24)


def test_quantities_are_immutable_hashable_and_picklable() -> None:
    dose = mcg(500)
    with pytest.raises(AttributeError):
        dose._base = Fraction(1)  # type: ignore[misc]
    assert {dose, mg("0.5")} == {dose}
    assert pickle.loads(pickle.dumps(Concentration.parse("2 mcg/µL"))) == Concentration(2, "mg/mL")


def test_division_by_zero_quantity_is_a_clear_error() -> None:
    with pytest.raises(InvalidQuantity, match="zero volume rate"):
        ml(1) / VolumeRate.parse("0 mL/day")


def test_format_keeps_the_display_unit_and_converts_on_request() -> None:
    dose = DoseRate.parse("0.5 mg/day")
    assert str(dose) == "0.5 mg/day"
    assert dose.format("mcg/day") == "500 mcg/day"
    assert dose.in_unit("mcg/h").format() == "20.8333 mcg/h"


@given(a=decimals, b=decimals)
def test_addition_is_exact_and_commutative(a: Decimal, b: Decimal) -> None:
    assert mg(a) + mcg(b) == mcg(b) + mg(a)
    assert (mg(a) + mcg(b)).to("mcg") == Fraction(a) * 1000 + Fraction(b)

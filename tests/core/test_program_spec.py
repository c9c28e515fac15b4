"""Program files: plain data to ``Prescription`` and back, errors naming the bad field."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from intrathecal.core.errors import InvalidProgram, InvalidQuantity
from intrathecal.core.program import Continuous, Flex, Prescription
from intrathecal.core.program_spec import (
    prescription_from_dict,
    prescription_to_dict,
    quantity_text,
)
from intrathecal.core.quantities import Concentration, VolumeRate

FULL = """
solution:
  - {drug: morphine, concentration: 10 mg/mL}
  - {drug: bupivacaine, concentration: 5 mg/mL}
basal: {flex: [{start: 0 h, rate: 0.2 mL/day}, {start: 8 h, rate: 0.4 mL/day}]}
periodic: [{volume: 0.05 mL, duration: 10 min, every: 6 h, first_at: 0 h}]
patient_bolus: {volume: 0.02 mL, duration: 5 min, lockout: 4 h, max_per_day: 4}
"""


def _simple(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "solution": [{"drug": "morphine", "concentration": "10 mg/mL"}],
        "basal": {"continuous": "0.3 mL/day"},
    }
    data.update(changes)
    return data


def test_reads_the_documented_shape() -> None:
    p = prescription_from_dict(yaml.safe_load(FULL))
    assert p.solution.drugs == ("morphine", "bupivacaine")
    assert p.solution.concentration_of("bupivacaine") == Concentration.parse("5 mg/mL")
    assert isinstance(p.basal, Flex)
    assert p.basal.steps[1].rate == VolumeRate.parse("0.4 mL/day")
    assert p.periodic[0].every.to("h") == 6
    assert p.patient_bolus is not None
    assert p.patient_bolus.max_per_day == 4


def test_round_trip_of_the_documented_shape_is_exact() -> None:
    p = prescription_from_dict(yaml.safe_load(FULL))
    data = prescription_to_dict(p)
    assert prescription_from_dict(data) == p
    assert yaml.safe_load(yaml.safe_dump(data)) == data  # plain YAML types only


def test_drug_names_are_folded_to_catalogue_keys() -> None:
    p = prescription_from_dict(
        _simple(solution=[{"drug": " Morphine", "concentration": "1 mg/mL"}])
    )
    assert p.solution.drugs == ("morphine",)


@pytest.mark.parametrize(
    ("data", "error", "path", "hint"),
    [
        (
            _simple(solution=[{"drug": "morphine", "concentration": 10}]),
            InvalidQuantity,
            "solution[0].concentration",
            "with its unit",
        ),
        (
            _simple(solution=[{"drug": "morphine", "concentration": "10 mg"}]),
            InvalidQuantity,
            "solution[0].concentration",
            "expected a concentration",
        ),
        (
            _simple(solution=[{"drug": "morphine", "concentration": "10"}]),
            InvalidQuantity,
            "solution[0].concentration",
            "no unit",
        ),
        (
            _simple(
                basal={
                    "flex": [
                        {"start": "0 h", "rate": "0.2 mL/day"},
                        {"start": "8 h", "rate": "0.4 mg/day"},
                    ]
                }
            ),
            InvalidQuantity,
            "basal.flex[1].rate",
            "volume rate",
        ),
        (
            _simple(
                basal={
                    "flex": [
                        {"start": "0 h", "rate": "0.2 mL/day"},
                        {"start": "30 h", "rate": "0.4 mL/day"},
                    ]
                }
            ),
            InvalidProgram,
            "basal.flex[1]",
            "24 h",
        ),
        (
            _simple(basal={"continuous": "0.3 mL/day", "flex": []}),
            InvalidProgram,
            "basal",
            "exactly one",
        ),
        (_simple(basal=None), InvalidProgram, "basal", "required"),
        (_simple(solution=None), InvalidProgram, "solution", "required"),
        (_simple(solution=[]), InvalidProgram, "solution", "at least one"),
        (
            _simple(periodic=[{"volume": "0.05 mL", "duration": "7 h", "every": "6 h"}]),
            InvalidProgram,
            "periodic[0]",
            "longer than its interval",
        ),
        (
            _simple(
                patient_bolus={
                    "volume": "0.02 mL",
                    "duration": "5 min",
                    "lockout": "4 h",
                    "max_per_day": "4",
                }
            ),
            InvalidProgram,
            "patient_bolus.max_per_day",
            "whole number",
        ),
        (
            _simple(patient_bolus={"volume": "0.02 mL", "duration": "5 min", "lockout": "4 h"}),
            InvalidProgram,
            "patient_bolus.max_per_day",
            "required",
        ),
        (_simple(basel={"continuous": "0.3 mL/day"}), InvalidProgram, "", "unknown field 'basel'"),
        (
            _simple(solution=[{"drug": "morphine", "concentration": "10 mg/mL", "dose": "1 mg"}]),
            InvalidProgram,
            "solution[0]",
            "unknown field 'dose'",
        ),
        ("just text", InvalidProgram, "prescription", "expected a mapping"),
    ],
)
def test_bad_fields_are_reported_with_their_path(
    data: object, error: type[Exception], path: str, hint: str
) -> None:
    with pytest.raises(error) as caught:
        prescription_from_dict(data)
    message = str(caught.value)
    assert message.startswith(path), message
    assert hint in message


def test_quantity_text_is_exact_for_decimals_and_close_otherwise() -> None:
    assert quantity_text(VolumeRate.parse("0.123456789 mL/day")) == "0.123456789 mL/day"
    third = VolumeRate(Fraction(1, 3), "mL/day")
    assert quantity_text(third).startswith("0.333333333333333")


decimals = st.decimals(min_value="0.001", max_value="99.999", places=3).map(str)


@given(
    conc=decimals,
    rate=decimals,
    steps=st.lists(st.tuples(st.integers(1, 1439), decimals), max_size=5, unique_by=lambda s: s[0]),
    every_h=st.integers(1, 24),
    with_patient=st.booleans(),
)
def test_round_trip_preserves_every_program(
    conc: str, rate: str, steps: list[tuple[int, str]], every_h: int, with_patient: bool
) -> None:
    data: dict[str, Any] = {"solution": [{"drug": "clonidine", "concentration": f"{conc} mcg/mL"}]}
    if steps:
        flex = [{"start": "0 h", "rate": f"{rate} mL/day"}] + [
            {"start": f"{minute} min", "rate": f"{r} mL/day"} for minute, r in sorted(steps)
        ]
        data["basal"] = {"flex": flex}
    else:
        data["basal"] = {"continuous": f"{rate} µL/h"}
    data["periodic"] = [{"volume": "0.01 mL", "duration": "1 min", "every": f"{every_h} h"}]
    if with_patient:
        data["patient_bolus"] = {
            "volume": "5 µL",
            "duration": "2 min",
            "lockout": "3 h",
            "max_per_day": 6,
        }
    p = prescription_from_dict(data)
    again = prescription_from_dict(prescription_to_dict(p))
    assert again == p
    assert isinstance(again.basal, Flex if steps else Continuous)
    assert isinstance(p, Prescription)

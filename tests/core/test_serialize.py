"""The shared JSON converter: quantities keep their unit, containers are walked."""

import enum
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from intrathecal.core.quantities import DoseRate, Quantity, ml
from intrathecal.core.serialize import to_jsonable


class Level(enum.Enum):
    HIGH = "high"


@dataclass(frozen=True)
class Row:
    dose: DoseRate
    level: Level
    on: date


def test_quantities_render_as_text_with_their_unit_by_default() -> None:
    row = Row(DoseRate.parse("0.5 mg/day"), Level.HIGH, date(2026, 11, 25))
    assert to_jsonable([row]) == [{"dose": "0.5 mg/day", "level": "high", "on": "2026-11-25"}]


def test_the_quantity_renderer_applies_at_every_depth() -> None:
    def as_pair(q: Quantity) -> list[str]:
        return [str(q.magnitude), q.unit]

    nested = {"a": (ml(2), {"b": ml("0.25")})}
    assert to_jsonable(nested, as_pair) == {"a": [["2", "mL"], {"b": ["1/4", "mL"]}]}


def test_exact_numbers_and_spans_become_plain_json() -> None:
    assert to_jsonable(Fraction(1, 3)) == "0.333333333333"
    assert to_jsonable(timedelta(hours=1)) == 3600.0

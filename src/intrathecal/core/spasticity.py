"""Spasticity scores of a baclofen screening: the scale, a grade before each bolus, and after.

Grades are whole points 0-4 on the Ashworth or the modified Ashworth scale; the modified
scale adds ``1+`` between 1 and 2. A fall in spasticity is counted in whole points and a
``1+`` counts against a response: as 1 in the score before a bolus and as 2 after it, so
that a drop is never overstated.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from intrathecal.core.errors import CoreError, InvalidInput
from intrathecal.core.program_spec import quantity_text
from intrathecal.core.quantities import Duration

GRADE_MAX = 4
PLUS = "1+"


class SpasticityScale(StrEnum):
    """Which scale the grades were taken on."""

    ASHWORTH = "ashworth"
    MODIFIED_ASHWORTH = "modified_ashworth"

    @property
    def label(self) -> str:
        """The scale's name as shown: ``Ashworth`` or ``modified Ashworth``."""
        return "Ashworth" if self is SpasticityScale.ASHWORTH else "modified Ashworth"


@dataclass(frozen=True)
class SpasticityGrade:
    """One grade: whole points 0-4, or ``1+`` on the modified Ashworth scale."""

    scale: SpasticityScale
    points: int
    plus: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.points, bool) or not isinstance(self.points, int):
            raise InvalidInput(f"a spasticity grade is a whole number, got {self.points!r}")
        if not 0 <= self.points <= GRADE_MAX:
            raise InvalidInput(
                f"a {self.scale.label} grade lies within 0..{GRADE_MAX}, got {self.points}"
            )
        if self.plus and (self.scale is not SpasticityScale.MODIFIED_ASHWORTH or self.points != 1):
            raise InvalidInput("only the modified Ashworth scale has a '1+' grade")

    @classmethod
    def of(cls, scale: SpasticityScale, raw: object) -> SpasticityGrade:
        """Read ``3``, ``"3"`` or (modified Ashworth) ``"1+"``; anything else is an error."""
        if isinstance(raw, str) and raw.strip() == PLUS:
            return cls(scale, 1, plus=True)
        if isinstance(raw, str) and raw.strip().isdigit():
            return cls(scale, int(raw.strip()))
        if isinstance(raw, int) and not isinstance(raw, bool):
            return cls(scale, raw)
        allowed = "0-4 or 1+" if scale is SpasticityScale.MODIFIED_ASHWORTH else "0-4"
        raise InvalidInput(f"expected a {scale.label} grade {allowed}, got {raw!r}")

    def drop_to(self, after: SpasticityGrade) -> int:
        """Whole points fallen from this grade to ``after`` (a ``1+`` counts against it)."""
        return self.points - (after.points + (1 if after.plus else 0))

    def plain(self) -> int | str:
        """The plain-data form: the whole points, or ``"1+"``."""
        return PLUS if self.plus else self.points

    def __str__(self) -> str:
        return str(self.plain())


@dataclass(frozen=True)
class SpasticityObservation:
    """A grade taken ``at`` an offset after the first injection."""

    at: Duration
    grade: SpasticityGrade

    def __post_init__(self) -> None:
        if self.at.is_negative() or self.at.is_zero():
            raise InvalidInput(
                f"spasticity after a bolus needs a time after the first injection, got {self.at}"
            )


@dataclass(frozen=True)
class SpasticityRecord:
    """The scale, a grade just before each injection (in order), and grades after them."""

    scale: SpasticityScale
    before: tuple[SpasticityGrade, ...]
    after: tuple[SpasticityObservation, ...]

    def __post_init__(self) -> None:
        grades = [*self.before, *(o.grade for o in self.after)]
        if any(g.scale is not self.scale for g in grades):
            raise InvalidInput("every spasticity grade must be on the record's scale")
        if any(b.at <= a.at for a, b in itertools.pairwise(self.after)):
            raise InvalidInput("spasticity score times must strictly increase")


def spasticity_from_dict(body: Mapping[str, Any], path: str) -> SpasticityRecord:
    """Read ``{scale, before: [grade per injection], after: [{at, grade}]}``."""
    unknown = sorted(set(map(str, body)) - {"scale", "before", "after"})
    if unknown:
        raise InvalidInput(
            f"{path}: unknown field(s) {', '.join(unknown)}; expected scale, before, after"
        )
    try:
        scale = SpasticityScale(str(body.get("scale")))
    except ValueError:
        known = ", ".join(s.value for s in SpasticityScale)
        raise InvalidInput(
            f"{path}.scale: expected one of {known}, got {body.get('scale')!r}"
        ) from None
    before = body.get("before")
    if not isinstance(before, list) or not before:
        raise InvalidInput(f"{path}.before: expected a list with one grade per injection")
    after = body.get("after", [])
    if not isinstance(after, list):
        raise InvalidInput(f"{path}.after: expected a list of {{at, grade}}")
    return SpasticityRecord(
        scale,
        tuple(_grade(scale, raw, f"{path}.before[{i}]") for i, raw in enumerate(before)),
        tuple(_observation(scale, raw, f"{path}.after[{i}]") for i, raw in enumerate(after)),
    )


def spasticity_to_dict(record: SpasticityRecord) -> dict[str, Any]:
    """The plain-data form ``spasticity_from_dict`` reads back unchanged."""
    return {
        "scale": record.scale.value,
        "before": [g.plain() for g in record.before],
        "after": [{"at": quantity_text(o.at), "grade": o.grade.plain()} for o in record.after],
    }


def _grade(scale: SpasticityScale, raw: object, path: str) -> SpasticityGrade:
    try:
        return SpasticityGrade.of(scale, raw)
    except InvalidInput as exc:
        raise InvalidInput(f"{path}: {exc}") from None


def _observation(scale: SpasticityScale, raw: object, path: str) -> SpasticityObservation:
    if not isinstance(raw, Mapping) or set(map(str, raw)) != {"at", "grade"}:
        raise InvalidInput(f"{path}: expected {{at, grade}}, got {raw!r}")
    at = raw["at"]
    if not isinstance(at, str):
        raise InvalidInput(f"{path}.at: expected a time offset with its unit such as '4 h'")
    try:
        when = Duration.parse(at)
    except CoreError as exc:
        raise InvalidInput(f"{path}.at: {exc}") from None
    try:
        return SpasticityObservation(when, _grade(scale, raw["grade"], f"{path}.grade"))
    except InvalidInput as exc:
        raise InvalidInput(f"{path}: {exc}") from None

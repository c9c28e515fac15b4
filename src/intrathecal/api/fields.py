"""Pydantic field types for the API edge: unit-carrying quantities and safe text.

A quantity travels in JSON as a string with its unit (``"10 mg/mL"``) and is parsed with
``intrathecal.core.quantities``; a unitless number or a unit of the wrong dimension fails
validation with the field named and the expected kind of unit stated. Text fields refuse
control characters (NUL cannot be stored by PostgreSQL, and none belongs in a record).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from intrathecal.clinic.validation import CONTROL_CHARACTERS, EARLIEST_DAY, LATEST_DAY
from intrathecal.core.errors import CoreError
from intrathecal.core.quantities import (
    Concentration,
    Duration,
    Mass,
    Quantity,
    Volume,
    VolumeRate,
    format_fraction,
)

_NO_CONTROL = r"[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]"
_TEXT_PATTERN = rf"^{_NO_CONTROL}*$"
REQUIRED_TEXT_PATTERN = rf"^{_NO_CONTROL}*[^\s\u0000-\u001f\u007f]{_NO_CONTROL}*$"


def format_quantity(value: Quantity) -> str:
    """Render a quantity for JSON: up to 12 significant digits and its unit."""
    return f"{format_fraction(value.magnitude, 12)} {value.unit}"


def expected_text(kind: type[Quantity]) -> str:
    """What a field of this quantity type expects, for error messages."""
    units = ", ".join(kind.CANONICAL_UNITS)
    return f"a {kind.KIND} with its unit ({units}), e.g. '{kind.EXAMPLE}'"


@dataclass(frozen=True)
class QuantityRule:
    """Pydantic metadata: parse text such as ``"10 mg/mL"`` into ``kind``; render it back."""

    kind: type[Quantity]

    def _parse(self, value: object) -> Quantity:
        if isinstance(value, self.kind):
            return value
        if not isinstance(value, str):
            raise PydanticCustomError(
                "quantity_type",
                "expected text with a unit such as '{example}', got {given}",
                {
                    "example": self.kind.EXAMPLE,
                    "given": type(value).__name__,
                    "expected": expected_text(self.kind),
                },
            )
        try:
            return self.kind.parse(value)
        except CoreError as exc:
            raise PydanticCustomError(
                "quantity", "{reason}", {"reason": str(exc), "expected": expected_text(self.kind)}
            ) from None

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            self._parse,
            serialization=core_schema.plain_serializer_function_ser_schema(
                format_quantity, return_schema=core_schema.str_schema()
            ),
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        units = "|".join(re.escape(unit) for unit in self.kind.CANONICAL_UNITS)
        return {
            "type": "string",
            "description": f"A {self.kind.KIND} with its unit "
            f"({', '.join(self.kind.CANONICAL_UNITS)}).",
            "examples": [self.kind.EXAMPLE],
            "pattern": rf"^[0-9]{{1,6}}(\.[0-9]{{1,6}})? ({units})$",
        }


@dataclass(frozen=True)
class TextRule:
    """Pydantic metadata: trimmed text within lengths and without control characters."""

    max_length: int
    min_length: int = 0

    @staticmethod
    def _check(value: str) -> str:
        if CONTROL_CHARACTERS.search(value):
            raise PydanticCustomError(
                "control_character",
                "text must not contain control characters",
                {"expected": "printable text"},
            )
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            self._check,
            core_schema.str_schema(
                strip_whitespace=True, min_length=self.min_length, max_length=self.max_length
            ),
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "minLength": self.min_length,
            "maxLength": self.max_length,
            "pattern": REQUIRED_TEXT_PATTERN if self.min_length else _TEXT_PATTERN,
        }


MassField = Annotated[Mass, QuantityRule(Mass)]
VolumeField = Annotated[Volume, QuantityRule(Volume)]
DurationField = Annotated[Duration, QuantityRule(Duration)]
ConcentrationField = Annotated[Concentration, QuantityRule(Concentration)]
VolumeRateField = Annotated[VolumeRate, QuantityRule(VolumeRate)]

#: A short single-line name (1-200 characters).
Name = Annotated[str, TextRule(200, 1)]
#: Optional free text such as a note (up to 4000 characters).
Note = Annotated[str, TextRule(4000)]
#: A required free-text reason (1-4000 characters).
Reason = Annotated[str, TextRule(4000, 1)]
#: Optional short text (up to 200 characters).
ShortText = Annotated[str, TextRule(200)]


def _whole_id(value: object) -> object:
    """A record id as written: an integer (JSON) or plain digits (a path), nothing else."""
    if isinstance(value, bool | float) or (
        isinstance(value, str) and not re.fullmatch(r"[1-9][0-9]{0,9}", value)
    ):
        raise PydanticCustomError(
            "id_type",
            "expected a record id (a whole number such as 4), got {given!r}",
            {"given": value},
        )
    return value


#: A record id in a path or body: positive and within a 32-bit SQL integer; never a boolean,
#: a float (``4.0``) or padded text (`` 4``, ``04``).
RecordId = Annotated[int, BeforeValidator(_whole_id), Field(ge=1, le=2**31 - 1)]


def _date_in_range(value: date) -> date:
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise PydanticCustomError(
            "date_range",
            "date {given} is outside {earliest}..{latest}",
            {
                "given": day.isoformat(),
                "earliest": EARLIEST_DAY.isoformat(),
                "latest": LATEST_DAY.isoformat(),
                "expected": f"a date between {EARLIEST_DAY} and {LATEST_DAY}",
            },
        )
    return value


def _iso_text(kind: str, example: str) -> Any:
    """A validator that accepts only ISO 8601 text: a number is not a date or a date-time
    (2**31 would read as 2038)."""

    def check(value: object) -> object:
        if isinstance(value, str) and not value.strip().lstrip("-").isdigit():
            return value
        if isinstance(value, date):  # already parsed (Python callers)
            return value
        raise PydanticCustomError(
            f"{kind.replace('-', '')}_text",
            "expected {expected}, got {given}",
            {"expected": f"an ISO 8601 {kind} such as {example}", "given": repr(value)},
        )

    return BeforeValidator(check)


#: A calendar date between 1900 and 2200, as ISO 8601 text.
Day = Annotated[date, _iso_text("date", "2026-11-28"), AfterValidator(_date_in_range)]
#: A timezone-aware date-time (ISO 8601 text with offset) between 1900 and 2200.
Moment = Annotated[
    AwareDatetime,
    _iso_text("date-time", "2026-11-28T10:30:00+00:00"),
    AfterValidator(_date_in_range),
]

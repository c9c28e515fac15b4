"""Domain values to JSON-ready values: one converter for the API and the CLI."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from intrathecal.core.quantities import Quantity, format_fraction


def quantity_as_text(quantity: Quantity) -> str:
    """A quantity as text with its unit, e.g. ``"0.5 mg/day"``."""
    return quantity.format(digits=12)


def to_jsonable(value: Any, quantity: Callable[[Quantity], Any] = quantity_as_text) -> Any:
    """Convert quantities (via ``quantity``), fractions, enums, dataclasses, dates and
    containers to JSON types, recursively."""
    if isinstance(value, Quantity):
        return quantity(value)
    if isinstance(value, Fraction):
        return format_fraction(value, 12)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_jsonable(getattr(value, f.name), quantity) for f in dataclasses.fields(value)
        }
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v, quantity) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v, quantity) for v in value]
    return value

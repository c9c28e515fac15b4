"""Domain values to JSON types for responses: quantities as text with their unit."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from intrathecal.api.fields import format_quantity
from intrathecal.core.quantities import Quantity, format_fraction


def jsonable(value: Any) -> Any:
    """Convert quantities, fractions, enums, dataclasses and dates to JSON-ready values."""
    if isinstance(value, Quantity):
        return format_quantity(value)
    if isinstance(value, Fraction):
        return format_fraction(value, 12)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value

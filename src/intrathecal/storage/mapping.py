"""Generic conversion between clinic records (frozen dataclasses) and table rows.

Columns share the record's field names. Quantities become their text, nested dataclasses
and tuples become JSON lists and dicts; core values with a plain-data form of their own (a
``Prescription``, a ``TrialRecord``) are stored in that form and read back typed. Decoding
reads each field's type hint to rebuild the typed value, so the unit always survives the
round trip.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from intrathecal.core.program import Prescription
from intrathecal.core.program_spec import prescription_from_dict, prescription_to_dict
from intrathecal.core.quantities import Quantity
from intrathecal.core.trial_config import load_trial_config
from intrathecal.core.trial_record import (
    TrialRecord,
    trial_record_from_dict,
    trial_record_to_dict,
)

T = TypeVar("T")

#: Significant digits kept when a quantity is written as text (clinical values are decimals).
_DIGITS = 15


def _trial_record(data: Any) -> TrialRecord:
    return trial_record_from_dict(data, load_trial_config().side_effects)


#: Core values stored in their own plain-data form: type -> (to plain data, from plain data).
CODECS: dict[type, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    Prescription: (prescription_to_dict, prescription_from_dict),
    TrialRecord: (trial_record_to_dict, _trial_record),
}


def encode_value(value: Any) -> Any:
    """A record field as a column value (JSON-friendly inside JSON columns)."""
    codec = CODECS.get(type(value))
    if codec is not None:
        return codec[0](value)
    if isinstance(value, Quantity):
        return value.format(digits=_DIGITS)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [encode_json(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): encode_json(v) for k, v in value.items()}
    return value


def encode_json(value: Any) -> Any:
    """A value nested inside a JSON column: dates and decimals become text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return encode_value(value)


def to_row(record: Any, *, drop_id: bool = False) -> dict[str, Any]:
    """The column values of ``record``; ``drop_id`` leaves out a ``None`` id for inserts."""
    row = {f.name: encode_value(getattr(record, f.name)) for f in dataclasses.fields(record)}
    if drop_id and row.get("id") is None:
        row.pop("id", None)
    return row


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def from_row(cls: type[T], row: Mapping[Any, Any]) -> T:
    """Rebuild a record of type ``cls`` from a row mapping (extra columns are ignored)."""
    hints = _hints(cls)
    values = {
        f.name: decode(hints[f.name], row[f.name])
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.name in row
    }
    return cls(**values)


def decode(hint: Any, value: Any) -> Any:
    """Turn a stored value back into the type named by ``hint``."""
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return decode(options[0], value) if len(options) == 1 else value
    if origin is tuple:
        (item, *_rest) = typing.get_args(hint)
        return tuple(decode(item, v) for v in value)
    if origin is not None:  # Mapping[...] and friends: stored as plain JSON
        return value
    if isinstance(hint, type):
        if isinstance(value, hint) and not (hint is date and isinstance(value, datetime)):
            return value
        if hint in CODECS:
            return CODECS[hint][1](value)
        if issubclass(hint, Quantity):
            return hint.parse(value)
        if dataclasses.is_dataclass(hint):
            return from_row(hint, value)
        if hint is datetime and isinstance(value, str):
            return datetime.fromisoformat(value)
        if hint is date and isinstance(value, str):
            return date.fromisoformat(value)
        if hint is Decimal and not isinstance(value, Decimal):
            return Decimal(str(value))
        if hint is bool:
            return bool(value)
    return value

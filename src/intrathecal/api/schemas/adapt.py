"""The adapters between request/response models and clinic values (parse once at the edge).

A request model's fields carry the same names as its command's; ``command_from`` copies
them (lists become tuples) and the caller supplies what comes from elsewhere (path ids,
converted nested values). A new field is then added to the model and the command only.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from pydantic import BaseModel

from intrathecal.api.fields import format_quantity
from intrathecal.core.quantities import Quantity

C = TypeVar("C")


def command_from(command: type[C], model: BaseModel, **given: Any) -> C:
    """``command`` built from ``model``'s same-named fields plus ``given``."""
    names = {f.name for f in dataclasses.fields(command)}  # type: ignore[arg-type]
    copied = {
        name: _frozen(getattr(model, name))
        for name in type(model).model_fields
        if name in names and name not in given
    }
    return command(**copied, **given)


def out_values(record: object) -> dict[str, Any]:
    """A record's fields for a response model: quantities as text with their unit, tuples as
    lists (the response model picks the fields it shows)."""
    return {
        f.name: _shown(getattr(record, f.name))
        for f in dataclasses.fields(record)  # type: ignore[arg-type]
    }


def _shown(value: Any) -> Any:
    if isinstance(value, Quantity):
        return format_quantity(value)
    if isinstance(value, tuple):
        return [_shown(v) for v in value]
    return value


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value

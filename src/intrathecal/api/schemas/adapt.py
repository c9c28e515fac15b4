"""The one adapter shape from a request model to a clinic command (parse once at the edge).

A request model's fields carry the same names as its command's; ``command_from`` copies
them (lists become tuples) and the caller supplies what comes from elsewhere (path ids,
converted nested values). A new field is then added to the model and the command only.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from pydantic import BaseModel

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


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value

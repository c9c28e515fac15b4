"""Shared CLI plumbing: domain errors to exit code 2, JSON rendering, rich tables."""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from intrathecal.core.errors import CoreError
from intrathecal.core.quantities import Quantity, format_fraction

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2

console = Console()
err_console = Console(stderr=True)

#: Error bases that mean "bad input": each layer adds its own hierarchy's root here.
INPUT_ERRORS: list[type[Exception]] = [CoreError]

P = ParamSpec("P")
R = TypeVar("R")


def guarded(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a layer's typed errors into a one-line message and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except tuple(INPUT_ERRORS) as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None

    return wrapper


def to_jsonable(value: Any) -> Any:
    """Convert domain values (quantities, fractions, dataclasses, dates) to JSON types."""
    if isinstance(value, Quantity):
        return {"value": format_fraction(value.magnitude, 12), "unit": value.unit}
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
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    return value


def print_json(value: Any) -> None:
    """Print a domain value as indented JSON on stdout."""
    typer.echo(json.dumps(to_jsonable(value), indent=2, ensure_ascii=False))

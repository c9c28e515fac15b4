"""Shared CLI plumbing: domain errors to exit code 2, JSON rendering, rich tables."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from intrathecal.core import serialize
from intrathecal.core.errors import CoreError
from intrathecal.core.quantities import Quantity, format_fraction

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2

#: The largest record id (ids are 32-bit integers in every database the clinic runs on).
LARGEST_ID = 2**31 - 1

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


def _quantity_as_object(quantity: Quantity) -> dict[str, str]:
    return {"value": format_fraction(quantity.magnitude, 12), "unit": quantity.unit}


def to_jsonable(value: Any) -> Any:
    """Domain values as JSON types; a quantity becomes ``{"value": "0.5", "unit": "mg/day"}``."""
    return serialize.to_jsonable(value, _quantity_as_object)


def print_json(value: Any) -> None:
    """Print a domain value as indented JSON on stdout."""
    typer.echo(json.dumps(to_jsonable(value), indent=2, ensure_ascii=False))

"""Clinical values with their citation and confidence, read from versioned YAML data files.

A data file entry looks like ``{value: "2 mL", source: "...", status: literature}``. The
``Sourced`` wrapper keeps the value, its ``Source`` and its ``Status`` together so every
number that reaches a user can be shown with where it came from, and ``unverified``
defaults are never shown as facts. This is the one definition of these types for the
whole project (the drug catalogue uses them too).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml

from intrathecal.core.errors import CoreError, InvalidInput
from intrathecal.core.quantities import Duration, Quantity, Volume

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
Q = TypeVar("Q", bound=Quantity)

SUPPORTED_SCHEMA = 1


class InvalidDataFile(CoreError, ValueError):
    """A clinical data file is missing, malformed, or lacks a source or status."""


class Status(StrEnum):
    """How sure a value is: read from a label, a guideline, a paper, or not verified."""

    LABEL = "label"
    GUIDELINE = "guideline"
    LITERATURE = "literature"
    UNVERIFIED = "unverified"


@dataclass(frozen=True)
class Source:
    """A citation: a stable key (may be empty), a short name for messages, the full reference."""

    key: str
    short: str
    citation: str


@dataclass(frozen=True)
class Sourced(Generic[T_co]):
    """A value with the citation it comes from and how sure it is."""

    value: T_co
    source: Source
    status: Status
    note: str = ""

    @property
    def unverified(self) -> bool:
        """True for configurable defaults that were not read from a primary source."""
        return self.status is Status.UNVERIFIED

    def tag(self) -> str:
        """A short marker to print next to the value: ``(unverified default)`` or ``(label)``."""
        return "(unverified default)" if self.unverified else f"({self.status.value})"

    def attribution(self) -> str:
        """Short text for messages, e.g. ``"PACC 2012, unverified default"``."""
        if self.unverified:
            own = self.source.key in {"project", "caller"}
            tail = "unverified" if own else "unverified default"
            return f"{self.source.short}, {tail}"
        return f"{self.source.short}, {self.status.value}"


def load_data_file(name: str, path: Path | None = None) -> Mapping[str, Any]:
    """Read a packaged data file (``refill.yaml``) or, when given, a local override file."""
    try:
        if path is None:
            text = resources.files("intrathecal.data").joinpath(name).read_text("utf-8")
        else:
            text = path.read_text("utf-8")
    except OSError as exc:
        raise InvalidDataFile(f"cannot read data file {path or name}: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidDataFile(f"data file {path or name} is not valid YAML: {exc}") from None
    if not isinstance(data, Mapping):
        raise InvalidDataFile(f"data file {path or name} must hold a mapping")
    if data.get("schema") != SUPPORTED_SCHEMA:
        raise InvalidDataFile(
            f"data file {path or name}: expected schema {SUPPORTED_SCHEMA}, "
            f"got {data.get('schema')!r}"
        )
    return data


def section(data: Mapping[str, Any], key: str, where: str) -> Any:
    """The entry ``key`` of a mapping; a clear error naming ``where`` when it is absent."""
    if not isinstance(data, Mapping) or key not in data:
        raise InvalidDataFile(f"{where}: missing '{key}'")
    return data[key]


def sourced(
    entry: Any,
    where: str,
    read: Callable[[Any], T],
    *,
    key: str = "",
    short: str | None = None,
) -> Sourced[T]:
    """Read one ``{value, source, status}`` entry, converting the value with ``read``.

    The entry's ``source`` is a plain citation; it becomes the ``Source`` citation, and also
    its short name unless ``short`` (e.g. the pump model's name) or the entry's own
    ``short`` is given.
    """
    if not isinstance(entry, Mapping):
        raise InvalidDataFile(f"{where}: expected a mapping with value, source and status")
    source = entry.get("source")
    if not isinstance(source, str) or not source.strip():
        raise InvalidDataFile(f"{where}: every value needs a 'source'")
    try:
        status = Status(str(entry.get("status")))
    except ValueError:
        allowed = ", ".join(s.value for s in Status)
        raise InvalidDataFile(
            f"{where}: status must be one of {allowed}, got {entry.get('status')!r}"
        ) from None
    if "value" not in entry:
        raise InvalidDataFile(f"{where}: missing 'value'")
    try:
        value = read(entry["value"])
    except (CoreError, TypeError, ValueError) as exc:
        raise InvalidDataFile(f"{where}: {exc}") from None
    citation = " ".join(source.split())
    named = entry.get("short")
    if named is not None and not isinstance(named, str):
        raise InvalidDataFile(f"{where}: 'short' must be text")
    return Sourced(value, Source(key, short or named or citation, citation), status)


def read_quantity(kind: type[Q]) -> Callable[[Any], Q]:
    """A reader for a value written with its unit, e.g. ``"2 mL"``."""

    def read(raw: Any) -> Q:
        if not isinstance(raw, str):
            raise InvalidInput(f"expected a {kind.KIND} with its unit such as '{kind.EXAMPLE}'")
        return kind.parse(raw)

    return read


def read_percent(raw: Any) -> Fraction:
    """A percentage written as a plain decimal string, e.g. ``"14.5"``."""
    if not isinstance(raw, str):
        raise InvalidInput(f"expected a percentage as text such as '14.5', got {raw!r}")
    try:
        value = Fraction(raw.strip())
    except ValueError:
        raise InvalidInput(f"expected a percentage such as '14.5', got {raw!r}") from None
    if not 0 <= value <= 100:
        raise InvalidInput(f"a percentage must lie within 0..100, got {raw!r}")
    return value


def read_bool(raw: Any) -> bool:
    """A yes/no flag."""
    if not isinstance(raw, bool):
        raise InvalidInput(f"expected true or false, got {raw!r}")
    return raw


def read_optional_duration(raw: Any) -> Duration | None:
    """A duration such as ``"8 h"``, or null for none."""
    return None if raw is None else read_quantity(Duration)(raw)


read_volume = read_quantity(Volume)
read_duration = read_quantity(Duration)

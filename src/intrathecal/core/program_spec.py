"""The plain-data form of a ``Prescription`` (what YAML/JSON files hold), both ways.

Shape::

    solution: [{drug: morphine, concentration: 10 mg/mL}, ...]
    basal: {continuous: 0.3 mL/day}        # or {flex: [{start: 0 h, rate: ...}, ...]}
    periodic: [{volume: 0.05 mL, duration: 10 min, every: 6 h, first_at: 0 h}]
    patient_bolus: {volume: 0.02 mL, duration: 5 min, lockout: 4 h, max_per_day: 4}

Every quantity is text with its unit. Errors carry the path of the bad field, e.g.
``basal.flex[1].rate: ...``. No file I/O here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from intrathecal.core.errors import InvalidProgram, InvalidQuantity
from intrathecal.core.program import (
    Basal,
    Component,
    Continuous,
    Flex,
    FlexStep,
    PatientBolus,
    PeriodicBolus,
    Prescription,
    Solution,
)
from intrathecal.core.quantities import (
    Concentration,
    Duration,
    Quantity,
    Volume,
    VolumeRate,
    format_fraction,
)

Q = TypeVar("Q", bound=Quantity)
T = TypeVar("T")

_TOP_KEYS = ("solution", "basal", "periodic", "patient_bolus")


def prescription_from_dict(d: object) -> Prescription:
    """Build a ``Prescription`` from plain data; errors name the path of the bad field."""
    root = _mapping(d, "prescription")
    _known_keys(root, _TOP_KEYS, "")
    solution = _at("solution", _solution, root.get("solution"), "solution")
    basal = _at("basal", _basal, root.get("basal"), "basal")
    periodic = tuple(
        _at(f"periodic[{i}]", _periodic, item, f"periodic[{i}]")
        for i, item in enumerate(_sequence(root.get("periodic") or [], "periodic"))
    )
    patient = root.get("patient_bolus")
    patient_bolus = (
        None if patient is None else _at("patient_bolus", _patient_bolus, patient, "patient_bolus")
    )
    return Prescription(solution, basal, periodic, patient_bolus)


def prescription_to_dict(p: Prescription) -> dict[str, Any]:
    """The plain-data form of ``p``; ``prescription_from_dict`` reads it back unchanged."""
    out: dict[str, Any] = {
        "solution": [
            {"drug": c.drug, "concentration": quantity_text(c.concentration)}
            for c in p.solution.components
        ],
        "basal": _basal_to_dict(p.basal),
    }
    if p.periodic:
        out["periodic"] = [
            {
                "volume": quantity_text(b.volume),
                "duration": quantity_text(b.duration),
                "every": quantity_text(b.every),
                "first_at": quantity_text(b.first_at),
            }
            for b in p.periodic
        ]
    if p.patient_bolus is not None:
        pb = p.patient_bolus
        out["patient_bolus"] = {
            "volume": quantity_text(pb.volume),
            "duration": quantity_text(pb.duration),
            "lockout": quantity_text(pb.lockout),
            "max_per_day": pb.max_per_day,
        }
    return out


def quantity_text(q: Quantity) -> str:
    """Text for ``q`` in its display unit: exact when the value is a terminating decimal."""
    magnitude = q.magnitude
    denominator = magnitude.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator == 1:
        exact = Decimal(magnitude.numerator) / Decimal(magnitude.denominator)
        text = format(exact.normalize(), "f") if exact else "0"
    else:
        text = format_fraction(magnitude, 15)
    return f"{text} {q.unit}"


# --- readers ---------------------------------------------------------------------------


def _at(path: str, build: Callable[..., T], *args: Any) -> T:
    """Run ``build(*args)``; a program error without a path gets ``path`` in front of it."""
    try:
        return build(*args)
    except (InvalidProgram, InvalidQuantity) as exc:
        message = str(exc)
        if message.startswith(path):
            raise
        raise type(exc)(f"{path}: {message}") from None


def _mapping(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        shown = path or "prescription"
        raise InvalidProgram(f"{shown}: expected a mapping, got {_describe(value)}")
    return value


def _sequence(value: object, path: str) -> Sequence[Any]:
    if not isinstance(value, list | tuple):
        raise InvalidProgram(f"{path}: expected a list, got {_describe(value)}")
    return value


def _known_keys(body: Mapping[str, Any], allowed: Sequence[str], path: str) -> None:
    unknown = [str(k) for k in body if k not in allowed]
    if unknown:
        where = f"{path}: " if path else ""
        raise InvalidProgram(
            f"{where}unknown field {unknown[0]!r}; expected one of {', '.join(allowed)}"
        )


def _required(body: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in body or body[key] is None:
        raise InvalidProgram(f"{path}.{key}: required")
    return body[key]


def _quantity(kind: type[Q], body: Mapping[str, Any], key: str, path: str) -> Q:
    value = _required(body, key, path)
    where = f"{path}.{key}"
    if not isinstance(value, str):
        raise InvalidQuantity(
            f"{where}: expected a {kind.KIND} with its unit such as '{kind.EXAMPLE}', "
            f"got {_describe(value)}"
        )
    try:
        return kind.parse(value)
    except InvalidQuantity as exc:
        raise InvalidQuantity(f"{where}: {exc}") from None


def _solution(value: object, path: str) -> Solution:
    if value is None:
        raise InvalidProgram(f"{path}: required (a list of {{drug, concentration}})")
    items = _sequence(value, path)
    components = []
    for i, item in enumerate(items):
        where = f"{path}[{i}]"
        body = _mapping(item, where)
        _known_keys(body, ("drug", "concentration"), where)
        drug = _required(body, "drug", where)
        if not isinstance(drug, str):
            raise InvalidProgram(f"{where}.drug: expected a drug name, got {_describe(drug)}")
        concentration = _quantity(Concentration, body, "concentration", where)
        name = drug.strip().lower()
        components.append(_at(where, Component, name, concentration))
    return Solution(tuple(components))


def _basal(value: object, path: str) -> Basal:
    if value is None:
        raise InvalidProgram(f"{path}: required ({{continuous: <rate>}} or {{flex: [...]}})")
    body = _mapping(value, path)
    _known_keys(body, ("continuous", "flex"), path)
    if len(body) != 1:
        raise InvalidProgram(f"{path}: give exactly one of 'continuous' or 'flex'")
    if "continuous" in body:
        return Continuous(_quantity(VolumeRate, body, "continuous", path))
    steps = []
    for i, item in enumerate(_sequence(body["flex"], f"{path}.flex")):
        where = f"{path}.flex[{i}]"
        step = _mapping(item, where)
        _known_keys(step, ("start", "rate"), where)
        start = _quantity(Duration, step, "start", where)
        rate = _quantity(VolumeRate, step, "rate", where)
        steps.append(_at(where, FlexStep, start, rate))
    return _at(f"{path}.flex", Flex, tuple(steps))


def _periodic(value: object, path: str) -> PeriodicBolus:
    body = _mapping(value, path)
    _known_keys(body, ("volume", "duration", "every", "first_at"), path)
    first_at = (
        _quantity(Duration, body, "first_at", path)
        if body.get("first_at") is not None
        else Duration.zero()
    )
    return PeriodicBolus(
        volume=_quantity(Volume, body, "volume", path),
        duration=_quantity(Duration, body, "duration", path),
        every=_quantity(Duration, body, "every", path),
        first_at=first_at,
    )


def _patient_bolus(value: object, path: str) -> PatientBolus:
    body = _mapping(value, path)
    _known_keys(body, ("volume", "duration", "lockout", "max_per_day"), path)
    count = _required(body, "max_per_day", path)
    if isinstance(count, bool) or not isinstance(count, int):
        raise InvalidProgram(f"{path}.max_per_day: expected a whole number, got {_describe(count)}")
    return PatientBolus(
        volume=_quantity(Volume, body, "volume", path),
        duration=_quantity(Duration, body, "duration", path),
        lockout=_quantity(Duration, body, "lockout", path),
        max_per_day=count,
    )


def _basal_to_dict(basal: Basal) -> dict[str, Any]:
    if isinstance(basal, Continuous):
        return {"continuous": quantity_text(basal.rate)}
    return {
        "flex": [
            {"start": quantity_text(s.start), "rate": quantity_text(s.rate)} for s in basal.steps
        ]
    }


def _describe(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return repr(value)
    return f"{value!r} ({type(value).__name__})"

"""Typed values to the pump's float base units and back, memoised (the pump's boundary).

Typed values are exact Fractions and slow to build, hash and convert; the pump converts
them to float base units (mL, mL/s, s) once per object. ``by_identity`` keys a memo on the
identity of its arguments (floats and strings by value), so the same model, program,
solution or volume object shared by many pumps or commands is converted once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from intrathecal.core.program import Continuous, Flex, Prescription, Solution
from intrathecal.core.quantities import Mass, Volume, VolumeRate
from intrathecal.device.battery import BatteryModel
from intrathecal.device.limits import check_program, check_threshold
from intrathecal.device.models import BatterySpec, PumpModel
from intrathecal.device.patient_bolus import DAY_S, PatientLimits
from intrathecal.device.schedule import Cycle

_CACHE = 4096
A = TypeVar("A")


def by_identity(function: Callable[..., A]) -> Callable[..., A]:
    """Memoise ``function`` by the identity of its arguments (floats and strings by value).

    Hashing exact quantities costs more than most conversions, so objects are keyed by
    ``id``; each entry keeps its arguments alive, so an id cannot be reused while cached.
    """
    memo: dict[tuple[object, ...], tuple[tuple[object, ...], A]] = {}

    @functools.wraps(function)
    def call(*args: object) -> A:
        key = tuple(a if isinstance(a, float | str) else id(a) for a in args)
        hit = memo.get(key)
        if hit is not None and all(
            x is y or isinstance(y, float | str) for x, y in zip(hit[0], args, strict=True)
        ):
            return hit[1]
        value = function(*args)
        if len(memo) >= _CACHE:
            memo.clear()
        memo[key] = (args, value)
        return value

    return call


@functools.lru_cache(maxsize=_CACHE)
def ml(value: float) -> Volume:
    return Volume(round(value, 9), "mL")


@functools.lru_cache(maxsize=_CACHE)
def ml_text(value: float) -> str:
    return str(ml(value))


@by_identity
def in_ml(volume: Volume) -> float:
    return float(volume.to("mL"))


def ml_per_day(value_ml_s: float) -> VolumeRate:
    return VolumeRate(round(value_ml_s * DAY_S, 9), "mL/day")


@by_identity
def per_s(rate: VolumeRate) -> float:
    return float(rate.to("mL/s"))


@by_identity
def flex_cycle(basal: Flex, anchor: float) -> Cycle:
    """A flex basal as a 24 h cycle starting at ``anchor`` (the pump's local midnight)."""
    return Cycle.build(
        anchor,
        DAY_S,
        tuple(float(s.start.seconds()) for s in basal.steps),
        tuple(per_s(s.rate) for s in basal.steps),
    )


@by_identity
def checked_program(model: PumpModel, prescription: Prescription) -> PatientLimits | None:
    """Check a program against the model's limits (raises) and return its patient limits."""
    check_program(model, prescription)
    return PatientLimits.of(prescription.patient_bolus)


@by_identity
def threshold_ml(model: PumpModel, volume: Volume) -> float:
    """A checked low-reservoir alarm volume in mL."""
    check_threshold(model, volume)
    return float(volume.to("mL"))


@by_identity
def battery_model(spec: BatterySpec) -> BatteryModel:
    return BatteryModel.from_spec(spec)


@by_identity
def pure(solution: Solution) -> tuple[tuple[str, float], ...]:
    """A solution's concentrations in mcg/mL."""
    return tuple((c.drug, float(c.concentration.to("mcg/mL"))) for c in solution.components)


def masses(values: dict[str, float]) -> dict[str, Mass]:
    return {drug: Mass(round(mcg, 6), "mcg") for drug, mcg in sorted(values.items())}


@by_identity
def describe_basal(basal: Continuous | Flex) -> str:
    if isinstance(basal, Continuous):
        return f"continuous {basal.rate.format('mL/day')}"
    return "flex " + ", ".join(
        f"{s.start.format('h')}: {s.rate.format('mL/day')}" for s in basal.steps
    )


@by_identity
def describe_solution(solution: Solution) -> str:
    return " + ".join(f"{c.drug} {c.concentration}" for c in solution.components)

"""Wire layout of solutions and prescriptions (see docs/telemetry.md, "Prescription block").

The decoder rebuilds the core value types, so every rule the core applies to a program
(positive rates, ordered flex steps, lockout at least the bolus duration...) is applied
to what arrives over the air too; a breach becomes ``OUT_OF_RANGE``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from intrathecal.core.errors import CoreError
from intrathecal.core.program import (
    DEFAULT_MAX_FLEX_STEPS,
    Component,
    Continuous,
    Flex,
    FlexStep,
    PatientBolus,
    PeriodicBolus,
    Prescription,
    Solution,
)
from intrathecal.device.telemetry.errors import ErrorCode, TelemetryError
from intrathecal.device.telemetry.wire import Reader, Writer

BASAL_CONTINUOUS = 1
BASAL_FLEX = 2


@contextmanager
def core_rules() -> Iterator[None]:
    """Turn a core validation error raised inside the block into ``OUT_OF_RANGE``."""
    try:
        yield
    except CoreError as exc:
        raise TelemetryError(ErrorCode.OUT_OF_RANGE, str(exc)) from None


def write_solution(w: Writer, solution: Solution) -> None:
    """Component count, then (drug name, concentration in ng/mL) per component."""
    w.u8(len(solution.components), "component count")
    for component in solution.components:
        w.text(component.drug, "drug name")
        w.concentration(component.concentration, f"{component.drug} concentration")


def read_solution(r: Reader) -> Solution:
    """Inverse of ``write_solution``."""
    count = r.u8("component count")
    components = []
    for _ in range(count):
        drug = r.text("drug name")
        concentration = r.concentration(f"{drug} concentration")
        with core_rules():
            components.append(Component(drug, concentration))
    with core_rules():
        return Solution(tuple(components))


def write_prescription(w: Writer, prescription: Prescription) -> None:
    """Solution, basal (kind + rate or flex steps), periodic boluses, patient bolus."""
    write_solution(w, prescription.solution)
    basal = prescription.basal
    if isinstance(basal, Continuous):
        w.u8(BASAL_CONTINUOUS)
        w.volume_rate(basal.rate, "basal rate")
    else:
        w.u8(BASAL_FLEX)
        w.u8(len(basal.steps), "flex step count")
        for step in basal.steps:
            w.duration(step.start, "flex step start")
            w.volume_rate(step.rate, "flex step rate")
    w.u8(len(prescription.periodic), "periodic bolus count")
    for bolus in prescription.periodic:
        w.volume(bolus.volume, "periodic bolus volume")
        w.duration(bolus.duration, "periodic bolus duration")
        w.duration(bolus.every, "periodic bolus interval")
        w.duration(bolus.first_at, "periodic bolus first time")
    pb = prescription.patient_bolus
    w.flag(pb is not None)
    if pb is not None:
        w.volume(pb.volume, "patient bolus volume")
        w.duration(pb.duration, "patient bolus duration")
        w.duration(pb.lockout, "patient bolus lockout")
        w.u8(pb.max_per_day, "patient boluses per day")


def read_prescription(r: Reader) -> Prescription:
    """Inverse of ``write_prescription``; the pump applies its own flex step limit."""
    solution = read_solution(r)
    kind = r.u8("basal kind")
    basal: Continuous | Flex
    if kind == BASAL_CONTINUOUS:
        rate = r.volume_rate("basal rate")
        with core_rules():
            basal = Continuous(rate)
    elif kind == BASAL_FLEX:
        count = r.u8("flex step count")
        steps = []
        for _ in range(count):
            start = r.duration("flex step start")
            rate = r.volume_rate("flex step rate")
            with core_rules():
                steps.append(FlexStep(start, rate))
        with core_rules():
            basal = Flex(tuple(steps), max_steps=max(DEFAULT_MAX_FLEX_STEPS, count))
    else:
        raise TelemetryError(ErrorCode.MALFORMED_PAYLOAD, f"basal kind {kind} is not 1 or 2")
    periodic = []
    for _ in range(r.u8("periodic bolus count")):
        volume = r.volume("periodic bolus volume")
        duration = r.duration("periodic bolus duration")
        every = r.duration("periodic bolus interval")
        first_at = r.duration("periodic bolus first time")
        with core_rules():
            periodic.append(PeriodicBolus(volume, duration, every, first_at))
    patient_bolus = None
    if r.flag("patient bolus present"):
        volume = r.volume("patient bolus volume")
        duration = r.duration("patient bolus duration")
        lockout = r.duration("patient bolus lockout")
        per_day = r.u8("patient boluses per day")
        with core_rules():
            patient_bolus = PatientBolus(volume, duration, lockout, per_day)
    return Prescription(solution, basal, tuple(periodic), patient_bolus)

"""Infusion programs and prescriptions: what a pump is told to deliver, as value types.

A ``Prescription`` is a ``Solution`` (one drug or an admixture, each component with its
own concentration) plus a standing program: a basal pattern (``Continuous`` or a 24 h
``Flex`` cycle), optional ``PeriodicBolus`` entries and an optional ``PatientBolus``
setting. One-off boluses (clinician, bridge, priming) are commands, not standing program.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from intrathecal.core.errors import InvalidProgram
from intrathecal.core.quantities import Concentration, Duration, Volume, VolumeRate, days

#: Flex steps per 24 h cycle. The step count of real pumps was not confirmed from a
#: manual (see data/pumps.yaml): a configurable default, not a device fact.
DEFAULT_MAX_FLEX_STEPS = 10

ONE_DAY = days(1)


def _require_positive(value: Volume | Duration | VolumeRate | Concentration, what: str) -> None:
    if value.is_negative() or value.is_zero():
        raise InvalidProgram(f"{what} must be above zero, got {value}")


@dataclass(frozen=True)
class Component:
    """One drug in the reservoir at its own concentration."""

    drug: str
    concentration: Concentration

    def __post_init__(self) -> None:
        if not self.drug or self.drug != self.drug.strip().lower():
            raise InvalidProgram(f"drug name must be a lower-case catalogue key, got {self.drug!r}")
        _require_positive(self.concentration, f"{self.drug} concentration")


@dataclass(frozen=True)
class Solution:
    """What is in the reservoir: one or more components (an admixture)."""

    components: tuple[Component, ...]

    def __post_init__(self) -> None:
        if not self.components:
            raise InvalidProgram("a solution needs at least one drug")
        names = [c.drug for c in self.components]
        if len(set(names)) != len(names):
            raise InvalidProgram(f"a drug appears twice in the solution: {names}")

    @classmethod
    def single(cls, drug: str, concentration: Concentration) -> Solution:
        """A solution of one drug."""
        return cls((Component(drug, concentration),))

    @property
    def drugs(self) -> tuple[str, ...]:
        """The catalogue keys of the components, in order."""
        return tuple(c.drug for c in self.components)

    def concentration_of(self, drug: str) -> Concentration:
        """The concentration of ``drug``; an error if it is not in the solution."""
        for component in self.components:
            if component.drug == drug:
                return component.concentration
        raise InvalidProgram(f"{drug} is not in this solution ({', '.join(self.drugs)})")


@dataclass(frozen=True)
class Continuous:
    """One constant rate around the clock."""

    rate: VolumeRate

    def __post_init__(self) -> None:
        if self.rate.is_negative():
            raise InvalidProgram(f"rate must not be negative, got {self.rate}")


@dataclass(frozen=True)
class FlexStep:
    """A rate that starts ``start`` after the beginning of each 24 h cycle."""

    start: Duration
    rate: VolumeRate

    def __post_init__(self) -> None:
        if self.start.is_negative() or self.start >= ONE_DAY:
            raise InvalidProgram(f"a flex step must start within the 24 h cycle, got {self.start}")
        if self.rate.is_negative():
            raise InvalidProgram(f"rate must not be negative, got {self.rate}")


@dataclass(frozen=True)
class Flex:
    """A 24 h cycle of steps; each rate runs until the next step starts (the last wraps)."""

    steps: tuple[FlexStep, ...]
    max_steps: int = DEFAULT_MAX_FLEX_STEPS

    def __post_init__(self) -> None:
        if not self.steps:
            raise InvalidProgram("a flex program needs at least one step")
        if len(self.steps) > self.max_steps:
            raise InvalidProgram(
                f"a flex program allows at most {self.max_steps} steps, got {len(self.steps)}"
            )
        if not self.steps[0].start.is_zero():
            raise InvalidProgram("the first flex step must start at 0 h")
        starts = [s.start for s in self.steps]
        if any(b <= a for a, b in itertools.pairwise(starts)):
            raise InvalidProgram("flex step start times must strictly increase")

    def step_end(self, index: int) -> Duration:
        """When step ``index`` ends within the cycle (the next start, or 24 h)."""
        return self.steps[index + 1].start if index + 1 < len(self.steps) else ONE_DAY


Basal = Continuous | Flex


@dataclass(frozen=True)
class PeriodicBolus:
    """A bolus of ``volume`` over ``duration``, repeated every ``every`` from ``first_at``."""

    volume: Volume
    duration: Duration
    every: Duration
    first_at: Duration = field(default_factory=Duration.zero)

    def __post_init__(self) -> None:
        _require_positive(self.volume, "bolus volume")
        _require_positive(self.duration, "bolus duration")
        _require_positive(self.every, "bolus interval")
        if self.duration > self.every:
            raise InvalidProgram(
                f"bolus duration {self.duration} is longer than its interval {self.every}"
            )
        if self.first_at.is_negative():
            raise InvalidProgram("the first periodic bolus cannot start before the program")


@dataclass(frozen=True)
class PatientBolus:
    """Patient-activated bolus settings; lockout and daily count have no sourced default."""

    volume: Volume
    duration: Duration
    lockout: Duration
    max_per_day: int

    def __post_init__(self) -> None:
        _require_positive(self.volume, "patient bolus volume")
        _require_positive(self.duration, "patient bolus duration")
        _require_positive(self.lockout, "patient bolus lockout")
        if isinstance(self.max_per_day, bool) or not isinstance(self.max_per_day, int):
            raise InvalidProgram("max_per_day must be a whole number")
        if self.max_per_day < 1:
            raise InvalidProgram(f"max_per_day must be at least 1, got {self.max_per_day}")
        if self.lockout < self.duration:
            raise InvalidProgram("the lockout must be at least as long as the bolus itself")


@dataclass(frozen=True)
class Prescription:
    """A solution and the standing program the pump runs with it."""

    solution: Solution
    basal: Basal
    periodic: tuple[PeriodicBolus, ...] = ()
    patient_bolus: PatientBolus | None = None


@dataclass(frozen=True)
class ClinicianBolus:
    """A one-off bolus given by the clinician programmer."""

    volume: Volume
    duration: Duration

    def __post_init__(self) -> None:
        _require_positive(self.volume, "bolus volume")
        _require_positive(self.duration, "bolus duration")


@dataclass(frozen=True)
class BridgeBolus:
    """After a concentration change: pushes the old drug out of pump and catheter.

    The ``volume`` (old infusate in the pump's internal path and the catheter) is delivered
    over ``duration`` so that the old solution reaches the patient at the old rate.
    """

    volume: Volume
    duration: Duration
    old_solution: Solution

    def __post_init__(self) -> None:
        _require_positive(self.volume, "bridge volume")
        _require_positive(self.duration, "bridge duration")


@dataclass(frozen=True)
class PrimingBolus:
    """After catheter work: fills the empty catheter (and pump path) with infusate."""

    volume: Volume
    duration: Duration

    def __post_init__(self) -> None:
        _require_positive(self.volume, "priming volume")
        _require_positive(self.duration, "priming duration")

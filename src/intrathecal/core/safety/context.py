"""What a safety rule sees: the proposal, its patient's history, and the limits in force."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction

from intrathecal.core.catalogue import Catalogue, Drug, RuleSet
from intrathecal.core.errors import InvalidInput
from intrathecal.core.program import Prescription
from intrathecal.core.quantities import Duration, Quantity
from intrathecal.core.safety.findings import Finding, Severity
from intrathecal.core.safety.settings import PumpLimits, SafetySettings
from intrathecal.core.sourced_data import Sourced


@dataclass(frozen=True)
class DoseStep:
    """A past dose increase of one drug, at a moment in time."""

    drug: str
    at: datetime


@dataclass(frozen=True)
class History:
    """What is known about the patient beyond the two programs.

    ``now`` is when the proposed change would take effect (needed for titration frequency
    rules). ``patient_flags`` names recorded conditions such as ``psychosis_history``;
    ``None`` means they were not recorded (contraindications are then only reminded).
    """

    now: datetime | None = None
    steps: tuple[DoseStep, ...] = ()
    patient_flags: frozenset[str] | None = None

    def __post_init__(self) -> None:
        moments = [s.at for s in self.steps] + ([self.now] if self.now is not None else [])
        if len({m.tzinfo is None for m in moments}) > 1:
            raise InvalidInput("give all times with a time zone, or all without one")
        object.__setattr__(self, "steps", tuple(sorted(self.steps, key=lambda s: s.at)))
        if self.patient_flags is not None:
            object.__setattr__(self, "patient_flags", frozenset(self.patient_flags))
        if self.now is not None and any(s.at > self.now for s in self.steps):
            raise InvalidInput("a recorded dose step lies after the time of the proposed change")

    def steps_of(self, drug: str) -> tuple[DoseStep, ...]:
        """Past increases of ``drug``, oldest first."""
        return tuple(s for s in self.steps if s.drug == drug)

    def steps_within(self, drug: str, window: Duration) -> tuple[DoseStep, ...]:
        """Increases of ``drug`` less than ``window`` before ``now`` (requires ``now``)."""
        if self.now is None:
            raise InvalidInput("the time of the change is needed to count recent steps")
        start = self.now - to_timedelta(window)
        return tuple(s for s in self.steps_of(drug) if s.at > start)


def to_timedelta(duration: Duration) -> timedelta:
    """A ``Duration`` as a ``timedelta`` (microsecond resolution)."""
    return timedelta(microseconds=round(duration.to("s") * 1_000_000))


def from_timedelta(delta: timedelta) -> Duration:
    """A ``timedelta`` as a ``Duration``."""
    return Duration(Fraction(delta // timedelta(microseconds=1), 1_000_000), "s")


@dataclass(frozen=True)
class Proposal:
    """The program proposed, and the one running now (``None`` for a first program)."""

    proposed: Prescription
    current: Prescription | None = None


@dataclass(frozen=True)
class RuleContext:
    """The limits in force for one check."""

    catalogue: Catalogue
    rule_set: RuleSet
    pump_limits: PumpLimits
    settings: SafetySettings
    history: History = field(default_factory=History)

    def drug(self, name: str) -> Drug:
        """The catalogue entry of ``name`` under this check's rule set."""
        return self.catalogue.get(name, self.rule_set)

    def finding(
        self,
        rule: str,
        default: Severity,
        message: str,
        limit: Sourced[object] | None,
        values: Mapping[str, Quantity],
        drug: str | None = None,
        source: str | None = None,
    ) -> Finding:
        """A finding whose severity honours the settings and whose source is ``limit``'s."""
        cited = source if source is not None else _cite(limit)
        return Finding(
            rule=rule,
            severity=self.settings.severity(rule, default),
            message=message,
            source=cited,
            values=values,
            drug=drug,
        )


def _cite(limit: Sourced[object] | None) -> str:
    if limit is None:
        return ""
    return f"{limit.source.citation} [{limit.status.value}]"


Rule = Callable[[Proposal, RuleContext], Iterable[Finding]]

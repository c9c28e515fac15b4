"""What a safety rule sees: the proposal, its patient's history, and the limits in force."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction

from intrathecal.core.catalogue import Catalogue, Drug, RuleSet
from intrathecal.core.errors import InvalidInput
from intrathecal.core.program import Prescription
from intrathecal.core.program_math import daily_dose
from intrathecal.core.quantities import DoseRate, Duration, Quantity, format_fraction
from intrathecal.core.safety.findings import Finding, Severity
from intrathecal.core.safety.profile import DosingProfile
from intrathecal.core.safety.settings import PumpLimits, SafetySettings
from intrathecal.core.sourced_data import Sourced


@dataclass(frozen=True)
class DoseStep:
    """A past change of one drug's daily dose at a moment in time.

    ``before``/``after`` are the daily doses on either side (``None`` when only the time of
    an increase is known, e.g. from the command line); a step without them counts as an
    increase for the frequency rules.
    """

    drug: str
    at: datetime
    before: DoseRate | None = None
    after: DoseRate | None = None

    @property
    def is_increase(self) -> bool:
        """True for a rise of the dose (or a step whose doses are unknown)."""
        if self.before is None or self.after is None:
            return True
        return self.after > self.before


@dataclass(frozen=True)
class History:
    """The patient's dose changes of every drug, and when the proposed change takes effect.

    ``now`` is needed by the titration frequency and 24 h window rules.
    """

    now: datetime | None = None
    steps: tuple[DoseStep, ...] = ()

    def __post_init__(self) -> None:
        moments = [s.at for s in self.steps] + ([self.now] if self.now is not None else [])
        if len({m.tzinfo is None for m in moments}) > 1:
            raise InvalidInput("give all times with a time zone, or all without one")
        object.__setattr__(self, "steps", tuple(sorted(self.steps, key=lambda s: s.at)))
        if self.now is not None and any(s.at > self.now for s in self.steps):
            raise InvalidInput("a recorded dose step lies after the time of the proposed change")

    @classmethod
    def of_programs(
        cls, programs: Sequence[tuple[datetime, Prescription]], now: datetime | None = None
    ) -> History:
        """The history of every drug's dose across programs in force from each time on."""
        return cls(now=now, steps=dose_changes(programs))

    def steps_of(self, drug: str) -> tuple[DoseStep, ...]:
        """Past increases of ``drug``, oldest first."""
        return tuple(s for s in self.steps if s.drug == drug and s.is_increase)

    def lowest_dose_within(self, drug: str, window: Duration, current: DoseRate) -> DoseRate:
        """The lowest non-zero dose of ``drug`` in force at any moment of ``window`` before now.

        ``current`` is the dose running now. A change exactly ``window`` ago counts as in
        force at the window's start; a drug started inside the window counts from its first
        dose (not from zero). Without ``now`` the current dose stands for the window.
        """
        if self.now is None:
            return current
        start = self.now - to_timedelta(window)
        inside = [
            s
            for s in self.steps
            if s.drug == drug and s.at > start and s.before is not None and s.after is not None
        ]
        doses = [current, *(s.after for s in inside), *(s.before for s in inside[:1])]
        return min((d for d in doses if d is not None and not d.is_zero()), default=current)

    def steps_within(self, drug: str, window: Duration) -> tuple[DoseStep, ...]:
        """Increases of ``drug`` less than ``window`` before ``now`` (requires ``now``)."""
        if self.now is None:
            raise InvalidInput("the time of the change is needed to count recent steps")
        start = self.now - to_timedelta(window)
        return tuple(s for s in self.steps_of(drug) if s.at > start)


def dose_changes(programs: Sequence[tuple[datetime, Prescription]]) -> tuple[DoseStep, ...]:
    """Every change of every drug's daily dose between consecutive programs.

    The first program starts every drug from zero, a drug added later counts as a change
    from zero, a drug removed as a change to zero, so a drug listed second in an admixture is
    tracked exactly like the first.
    """
    changes: list[DoseStep] = []
    before: Mapping[str, DoseRate] = {}
    for at, program in sorted(programs, key=lambda entry: entry[0]):
        after = daily_dose(program)
        for drug in dict.fromkeys([*before, *after]):
            old = before.get(drug, DoseRate.zero())
            new = after.get(drug, DoseRate.zero())
            if old != new:
                changes.append(DoseStep(drug, at, old, new))
        before = after
    return tuple(changes)


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
    pump_limits: PumpLimits | None
    settings: SafetySettings
    history: History = field(default_factory=History)
    profile: DosingProfile = field(default_factory=DosingProfile)

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
        decided: Severity | None = None,
    ) -> Finding:
        """A finding whose severity honours the settings and whose source is ``limit``'s.

        ``decided`` is a severity the rule already resolved (see ``ceiling``).
        """
        cited = source if source is not None else _cite(limit)
        return Finding(
            rule=rule,
            severity=decided if decided is not None else self.severity(rule, default),
            message=message,
            source=cited,
            values=values,
            drug=drug,
        )

    def severity(self, rule: str, default: Severity) -> Severity:
        """The configured severity of ``rule``, else ``default``."""
        return self.settings.severity(rule, default)

    def ceiling(self, rule: str, limit: Sourced[object], excess: Fraction) -> tuple[Severity, str]:
        """Severity of a dose ``excess`` times a ceiling, and the override note to add.

        An unverified default ceiling may be passed with a co-signed override (SOFT) for a
        patient with recorded cancer pain, up to ``cancer_override_factor`` times it;
        otherwise the configured severity (HARD by default) holds. docs/dosing.md.
        """
        base = self.severity(rule, Severity.HARD)
        factor = self.settings.cancer_override_factor
        if (
            base is not Severity.HARD
            or not self.profile.cancer_pain
            or not limit.unverified
            or factor is None
            or excess > factor.value
        ):
            return base, ""
        return Severity.SOFT, (
            "; cancer pain recorded: an unverified default ceiling, a co-signed override may "
            f"accept up to {format_fraction(factor.value)} times it ({factor.attribution()})"
        )


def _cite(limit: Sourced[object] | None) -> str:
    if limit is None:
        return ""
    return f"{limit.source.citation} [{limit.status.value}]"


Rule = Callable[[Proposal, RuleContext], Iterable[Finding]]

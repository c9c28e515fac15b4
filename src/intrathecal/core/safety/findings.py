"""Safety findings, the report that collects them, and the two-clinician override."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from intrathecal.core.errors import InvalidInput
from intrathecal.core.quantities import Quantity


class Severity(StrEnum):
    """HARD: refused. SOFT: allowed only with an override. INFO: shown, never blocks."""

    HARD = "hard"
    SOFT = "soft"
    INFO = "info"


_ORDER = {Severity.HARD: 0, Severity.SOFT: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class Finding:
    """One rule's verdict on one part of a proposed program, with the numbers behind it."""

    rule: str
    severity: Severity
    message: str
    source: str
    values: Mapping[str, Quantity] = field(default_factory=lambda: MappingProxyType({}))
    drug: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))


@dataclass(frozen=True)
class Override:
    """A clinician's decision to accept SOFT findings: reason and a second clinician."""

    codes: frozenset[str]
    reason: str
    clinician_id: str
    second_clinician_id: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "codes", frozenset(self.codes))
        if not self.codes:
            raise InvalidInput("an override must name the finding codes it accepts")
        if not self.reason or not self.reason.strip():
            raise InvalidInput("an override needs a reason")
        first = (self.clinician_id or "").strip()
        second = (self.second_clinician_id or "").strip()
        if not first or not second:
            raise InvalidInput("an override needs the ids of two clinicians")
        if first.lower() == second.lower():
            raise InvalidInput("the second clinician must be a different person from the first")


@dataclass(frozen=True)
class SafetyReport:
    """Every finding of one check, HARD first; ``refused`` if any is HARD."""

    findings: tuple[Finding, ...]
    rule_set: str
    catalogue_version: int

    def __post_init__(self) -> None:
        ordered = sorted(self.findings, key=lambda f: _ORDER[f.severity])
        object.__setattr__(self, "findings", tuple(ordered))

    def of(self, severity: Severity) -> tuple[Finding, ...]:
        """The findings of one severity."""
        return tuple(f for f in self.findings if f.severity is severity)

    @property
    def refused(self) -> bool:
        """True when any finding is HARD: no override can accept the program."""
        return any(f.severity is Severity.HARD for f in self.findings)

    @property
    def needs_override(self) -> bool:
        """True when any finding is SOFT."""
        return any(f.severity is Severity.SOFT for f in self.findings)

    @property
    def ok(self) -> bool:
        """True when the program may be used without an override."""
        return not self.refused and not self.needs_override

    def rules(self) -> frozenset[str]:
        """The codes of the rules that fired."""
        return frozenset(f.rule for f in self.findings)

    def unaccepted(self, override: Override | None) -> tuple[Finding, ...]:
        """HARD findings, and SOFT findings the override does not name."""
        codes = override.codes if override is not None else frozenset()
        return tuple(
            f
            for f in self.findings
            if f.severity is Severity.HARD or (f.severity is Severity.SOFT and f.rule not in codes)
        )

    def accepts(self, override: Override | None) -> bool:
        """True when the program may be used: nothing HARD, every SOFT code overridden."""
        return not self.unaccepted(override)

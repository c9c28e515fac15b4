"""Checker thresholds (defaults from ``data/drugs.yaml``) and the pump limits value."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from intrathecal.core.catalogue import Catalogue, parse_fraction, parse_sourced
from intrathecal.core.errors import InvalidInput
from intrathecal.core.quantities import VolumeRate
from intrathecal.core.safety.findings import Severity
from intrathecal.core.sourced_data import Source, Sourced, Status

#: Source given to thresholds a caller sets in code or on the command line.
CALLER_SOURCE = Source("caller", "set by the caller", "A value set for this check by the user.")


@dataclass(frozen=True)
class PumpLimits:
    """The flow range the pump can deliver; boluses may have their own ceiling.

    Built from the pump model's data by ``intrathecal.device.limits.safety_limits`` (the one
    source of pump facts); ``of`` builds it from plain values for tests and callers.
    """

    min_rate: Sourced[VolumeRate]
    max_rate: Sourced[VolumeRate]
    max_bolus_rate: Sourced[VolumeRate] | None = None

    @property
    def peak_ceiling(self) -> Sourced[VolumeRate]:
        """The limit for the peak flow while boluses run (the basal maximum if unset)."""
        return self.max_bolus_rate if self.max_bolus_rate is not None else self.max_rate

    def __post_init__(self) -> None:
        if self.max_rate.value < self.min_rate.value:
            raise InvalidInput(
                f"pump maximum rate {self.max_rate.value} is below its minimum "
                f"{self.min_rate.value}"
            )

    @classmethod
    def of(
        cls,
        min_rate: VolumeRate,
        max_rate: VolumeRate,
        max_bolus_rate: VolumeRate | None = None,
        source: Source = CALLER_SOURCE,
        status: Status = Status.UNVERIFIED,
    ) -> PumpLimits:
        """Limits from plain values (e.g. a pump model's data), all with one source."""
        bolus = None if max_bolus_rate is None else Sourced(max_bolus_rate, source, status)
        return cls(Sourced(min_rate, source, status), Sourced(max_rate, source, status), bolus)


@dataclass(frozen=True)
class SafetySettings:
    """Thresholds of the rules that are not drug-specific, and each rule's severity."""

    dose_increase_fraction: Sourced[Fraction]
    unit_slip_ratio: Sourced[Fraction]
    patient_bolus_fraction: Sourced[Fraction] | None = None
    opioid_switch_reduction: Sourced[Fraction] | None = None
    cancer_override_factor: Sourced[Fraction] | None = None
    severities: Mapping[str, Severity] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if self.dose_increase_fraction.value < 0:
            raise InvalidInput("the dose increase limit cannot be negative")
        if self.unit_slip_ratio.value <= 1:
            raise InvalidInput("the unit-slip ratio must be above 1")
        object.__setattr__(self, "severities", MappingProxyType(dict(self.severities)))

    @classmethod
    def from_catalogue(cls, catalogue: Catalogue) -> SafetySettings:
        """The defaults in the catalogue's settings block."""
        data = catalogue.settings
        severities: dict[str, Severity] = {}
        raw = data.get("severities", {})
        if not isinstance(raw, Mapping):
            raise InvalidInput("settings.severities: expected a mapping of rule to severity")
        for rule, value in raw.items():
            severities[str(rule)] = _severity(value, f"settings.severities.{rule}")
        return cls(
            dose_increase_fraction=_sourced_fraction(data, "dose_increase_fraction", catalogue),
            unit_slip_ratio=_sourced_fraction(data, "unit_slip_ratio", catalogue),
            patient_bolus_fraction=_optional_fraction(data, "patient_bolus_fraction", catalogue),
            opioid_switch_reduction=_optional_fraction(data, "opioid_switch_reduction", catalogue),
            cancer_override_factor=_optional_fraction(data, "cancer_override_factor", catalogue),
            severities=severities,
        )

    def severity(self, rule: str, default: Severity) -> Severity:
        """The configured severity of ``rule``, else ``default``."""
        return self.severities.get(rule, default)

    def with_dose_increase_fraction(self, fraction: Fraction) -> SafetySettings:
        """A copy whose general dose-increase limit is ``fraction`` (set by the caller)."""
        value = Sourced(fraction, CALLER_SOURCE, Status.UNVERIFIED)
        return dataclasses.replace(self, dose_increase_fraction=value)

    def with_severity(self, rule: str, severity: Severity) -> SafetySettings:
        """A copy in which ``rule`` fires at ``severity``."""
        return dataclasses.replace(self, severities={**self.severities, rule: severity})


def _severity(value: object, path: str) -> Severity:
    try:
        return Severity(str(value).strip().lower())
    except ValueError:
        raise InvalidInput(f"{path}: expected hard, soft or info, got {value!r}") from None


def _body(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    body = data.get(key)
    if not isinstance(body, Mapping):
        raise InvalidInput(f"settings.{key}: missing from the catalogue")
    return body


def _sourced_fraction(data: Mapping[str, Any], key: str, cat: Catalogue) -> Sourced[Fraction]:
    return parse_sourced(
        _body(data, key),
        f"settings.{key}",
        cat.sources,
        lambda b, p: parse_fraction(b.get("value"), f"{p}.value"),
    )


def _optional_fraction(
    data: Mapping[str, Any], key: str, cat: Catalogue
) -> Sourced[Fraction] | None:
    return _sourced_fraction(data, key, cat) if key in data else None

"""Trial success rules and the side-effect vocabulary, read from ``data/trial.yaml``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

from intrathecal.core.errors import InvalidInput
from intrathecal.core.quantities import Duration
from intrathecal.core.sourced_data import (
    InvalidDataFile,
    Sourced,
    load_data_file,
    read_bool,
    read_duration,
    read_optional_duration,
    read_percent,
    section,
    sourced,
)
from intrathecal.core.trial_record import Severity

DATA_FILE = "trial.yaml"


@dataclass(frozen=True)
class TrialRule:
    """A named success rule: relief threshold, optional sustain window, observation, tolerance."""

    key: str
    description: str
    relief_threshold_percent: Sourced[Fraction]
    sustained_for: Sourced[Duration | None]
    min_observation: Sourced[Duration]
    max_tolerated_severity: Sourced[Severity]
    requires_function_improvement: Sourced[bool]

    def sourced_values(self) -> Mapping[str, Sourced[Any]]:
        """Each parameter by name, for reports that show sources and statuses."""
        return {
            "relief_threshold_percent": self.relief_threshold_percent,
            "sustained_for": self.sustained_for,
            "min_observation": self.min_observation,
            "max_tolerated_severity": self.max_tolerated_severity,
            "requires_function_improvement": self.requires_function_improvement,
        }


@dataclass(frozen=True)
class SpasticityRule:
    """How a screening judged on spasticity (baclofen) succeeds: a sustained fall in grade."""

    drugs: tuple[str, ...]
    judged_on: Sourced[str]
    min_drop_points: Sourced[int]
    sustained_for: Sourced[Duration]
    min_observation: Sourced[Duration]

    def sourced_values(self) -> Mapping[str, Sourced[Any]]:
        """Each parameter by name, for reports that show sources and statuses."""
        return {
            "judged_on": self.judged_on,
            "min_drop_points": self.min_drop_points,
            "sustained_for": self.sustained_for,
            "min_observation": self.min_observation,
        }


@dataclass(frozen=True)
class TrialConfig:
    """All trial rules, the default one, known side effects and those that always fail."""

    version: str
    default_rule: str
    rules: Mapping[str, TrialRule]
    side_effects: tuple[str, ...]
    disqualifying_effects: Mapping[str, Sourced[Severity]]
    spasticity: SpasticityRule

    def rule(self, key: str | None = None) -> TrialRule:
        """The rule ``key`` (the default when ``None``); an input error naming the known ones."""
        name = key or self.default_rule
        try:
            return self.rules[name]
        except KeyError:
            known = ", ".join(sorted(self.rules))
            raise InvalidInput(f"unknown trial rule {name!r}; expected one of {known}") from None


def _severity(raw: Any) -> Severity:
    try:
        return Severity(raw)
    except ValueError:
        raise InvalidInput(
            f"expected a severity ({', '.join(s.value for s in Severity)}), got {raw!r}"
        ) from None


def _rule(key: str, raw: Any) -> TrialRule:
    where = f"{DATA_FILE}: rules.{key}"
    description = section(raw, "description", where)
    if not isinstance(description, str):
        raise InvalidDataFile(f"{where}.description must be text")

    def entry(name: str) -> Any:
        return section(raw, name, where)

    return TrialRule(
        key=key,
        description=" ".join(description.split()),
        relief_threshold_percent=sourced(
            entry("relief_threshold_percent"), f"{where}.relief_threshold_percent", read_percent
        ),
        sustained_for=sourced(
            entry("sustained_for"), f"{where}.sustained_for", read_optional_duration
        ),
        min_observation=sourced(
            entry("min_observation"), f"{where}.min_observation", read_duration
        ),
        max_tolerated_severity=sourced(
            entry("max_tolerated_severity"), f"{where}.max_tolerated_severity", _severity
        ),
        requires_function_improvement=sourced(
            entry("requires_function_improvement"),
            f"{where}.requires_function_improvement",
            read_bool,
        ),
    )


def _whole_points(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise InvalidInput(f"expected a whole number of points above 0, got {raw!r}")
    return raw


def _spasticity_rule(raw: Any) -> SpasticityRule:
    where = f"{DATA_FILE}: spasticity_response"
    drugs = section(raw, "drugs", where)
    if not isinstance(drugs, list) or not all(isinstance(d, str) for d in drugs):
        raise InvalidDataFile(f"{where}.drugs must be a list of drug names")

    def entry(name: str) -> Any:
        return section(raw, name, where)

    def text(value: Any) -> str:
        if not isinstance(value, str):
            raise InvalidInput(f"expected text, got {value!r}")
        return " ".join(value.split())

    return SpasticityRule(
        drugs=tuple(drugs),
        judged_on=sourced(entry("judged_on"), f"{where}.judged_on", text),
        min_drop_points=sourced(
            entry("min_drop_points"), f"{where}.min_drop_points", _whole_points
        ),
        sustained_for=sourced(entry("sustained_for"), f"{where}.sustained_for", read_duration),
        min_observation=sourced(
            entry("min_observation"), f"{where}.min_observation", read_duration
        ),
    )


def parse_trial_config(data: Mapping[str, Any]) -> TrialConfig:
    """Build the configuration from an already-loaded data file mapping."""
    rules_raw = section(data, "rules", DATA_FILE)
    if not isinstance(rules_raw, Mapping) or not rules_raw:
        raise InvalidDataFile(f"{DATA_FILE}: rules must be a non-empty mapping")
    effects = section(data, "side_effects", DATA_FILE)
    if not isinstance(effects, list) or not all(isinstance(e, str) for e in effects):
        raise InvalidDataFile(f"{DATA_FILE}: side_effects must be a list of names")
    disqualifying_raw = section(data, "disqualifying_effects", DATA_FILE)
    if not isinstance(disqualifying_raw, Mapping):
        raise InvalidDataFile(f"{DATA_FILE}: disqualifying_effects must be a mapping")
    disqualifying = {
        str(name): sourced(entry, f"{DATA_FILE}: disqualifying_effects.{name}", _severity)
        for name, entry in disqualifying_raw.items()
    }
    unknown = sorted(set(disqualifying) - set(effects))
    if unknown:
        raise InvalidDataFile(f"{DATA_FILE}: disqualifying effects not in side_effects: {unknown}")
    config = TrialConfig(
        version=str(section(data, "version", DATA_FILE)),
        default_rule=str(section(data, "default_rule", DATA_FILE)),
        rules={str(k): _rule(str(k), v) for k, v in rules_raw.items()},
        side_effects=tuple(effects),
        disqualifying_effects=disqualifying,
        spasticity=_spasticity_rule(section(data, "spasticity_response", DATA_FILE)),
    )
    if config.default_rule not in config.rules:
        raise InvalidDataFile(f"{DATA_FILE}: default_rule {config.default_rule!r} is not defined")
    return config


@cache
def _packaged() -> TrialConfig:
    return parse_trial_config(load_data_file(DATA_FILE))


def load_trial_config(path: Path | None = None) -> TrialConfig:
    """The packaged trial configuration, or one read from a local override file."""
    if path is None:
        return _packaged()
    return parse_trial_config(load_data_file(DATA_FILE, path))

"""The drug catalogue: typed, sourced drug limits read from ``data/drugs.yaml``.

Every number is a ``Sourced`` value (defined in ``sourced_data``) with its ``Source`` and
``Status``; values that differ by jurisdiction are resolved for one ``RuleSet`` when the file
is loaded, so ``catalogue.get("ziconotide", RuleSet.EU)`` already holds the EU maximum. The
file is read once per process.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from fractions import Fraction
from importlib import resources
from types import MappingProxyType
from typing import Any, Generic, TypeVar

import yaml

from intrathecal.core.errors import InvalidInput, InvalidQuantity, UnknownDrug
from intrathecal.core.quantities import (
    Concentration,
    DoseRate,
    Duration,
    Mass,
    Quantity,
    format_fraction,
)
from intrathecal.core.sourced_data import Source, Sourced, Status

T = TypeVar("T")
Q = TypeVar("Q", bound=Quantity)


class RuleSet(StrEnum):
    """The jurisdiction whose label limits apply."""

    US = "us"
    EU = "eu"


class DrugClass(StrEnum):
    """Pharmacological class of a catalogue drug."""

    OPIOID = "opioid"
    LOCAL_ANAESTHETIC = "local_anaesthetic"
    ALPHA2_AGONIST = "alpha2_agonist"
    N_TYPE_CALCIUM_CHANNEL_BLOCKER = "n_type_calcium_channel_blocker"
    GABA_B_AGONIST = "gaba_b_agonist"


@dataclass(frozen=True)
class Range(Generic[Q]):
    """An inclusive range of one quantity type."""

    low: Q
    high: Q

    def format(self) -> str:
        """Text such as ``"0.1–0.5 mg"``."""
        unit = self.high.unit
        return f"{format_fraction(self.low.to(unit))}–{self.high.format(unit)}"


@dataclass(frozen=True)
class StepLimit:
    """At most ``count`` dose increases within any window of length ``per``."""

    count: int
    per: Duration


@dataclass(frozen=True)
class Titration:
    """How fast a drug's dose may rise; absent fields mean "no drug-specific rule"."""

    start_max: Sourced[DoseRate] | None = None
    step_max: Sourced[DoseRate] | None = None
    max_steps: Sourced[StepLimit] | None = None
    min_interval: Sourced[Duration] | None = None
    recommended_interval: Sourced[Duration] | None = None
    max_increase_fraction: Sourced[Fraction] | None = None
    max_decrease_fraction: Sourced[Fraction] | None = None
    increase_per_24h: Mapping[str, Sourced[Fraction]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    @property
    def has_absolute_steps(self) -> bool:
        """True when increases are limited in dose units rather than as a fraction."""
        return self.step_max is not None


@dataclass(frozen=True)
class ScreeningStart:
    """From an effective screening bolus to a starting daily dose (baclofen label rule).

    The start is ``short_factor`` times the bolus per day when its effect lasted less than
    ``threshold``, ``long_factor`` times when it lasted at least that long.
    """

    threshold: Duration
    short_factor: Fraction
    long_factor: Fraction


@dataclass(frozen=True)
class Drug:
    """One catalogue drug with its limits resolved for one rule set."""

    name: str
    display_name: str
    drug_class: DrugClass
    line_of_therapy: Sourced[str]
    trial_bolus: Sourced[Range[Mass]] | None
    starting_daily_dose: Sourced[Range[DoseRate]] | None
    max_concentration: Sourced[Concentration]
    max_daily_dose: Sourced[DoseRate | None]
    concentrations: tuple[Sourced[Concentration], ...]
    titration: Titration = field(default_factory=Titration)
    granuloma_concentration: Sourced[Concentration] | None = None
    granuloma_daily_dose: Sourced[DoseRate] | None = None
    contraindications: Mapping[str, Sourced[str]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    naive_daily_dose: Sourced[Range[DoseRate]] | None = None
    tolerant_daily_dose: Sourced[Range[DoseRate]] | None = None
    morphine_equivalent: Sourced[Fraction] | None = None
    continuous_only: Sourced[str] | None = None
    first_fill_concentration: Sourced[Concentration] | None = None
    no_admixture: Sourced[str] | None = None
    on_stop: Sourced[str] | None = None
    trial_spacing: Sourced[Duration] | None = None
    screening_start: Sourced[ScreeningStart] | None = None

    @property
    def dose_unit(self) -> str:
        """The unit daily doses of this drug are shown in (that of its limits)."""
        if self.max_daily_dose.value is not None:
            return self.max_daily_dose.value.unit
        if self.starting_daily_dose is not None:
            return self.starting_daily_dose.value.high.unit
        return "mg/day"

    @property
    def is_opioid(self) -> bool:
        """True for the opioid class."""
        return self.drug_class is DrugClass.OPIOID


@dataclass(frozen=True, eq=False)
class Catalogue:
    """All drugs of every rule set, the shared settings block, and the file's version.

    Compared and hashed by identity: one loaded file is one catalogue.
    """

    version: int
    reviewed: date
    default_rule_set: RuleSet
    sources: Mapping[str, Source]
    settings: Mapping[str, Any]
    _drugs: Mapping[RuleSet, Mapping[str, Drug]]

    @property
    def names(self) -> tuple[str, ...]:
        """The catalogue keys, in file order."""
        return tuple(self._drugs[self.default_rule_set])

    def get(self, name: str, rule_set: RuleSet | str | None = None) -> Drug:
        """The drug ``name`` under ``rule_set``; ``UnknownDrug`` lists the known names."""
        drugs = self._drugs[self._rule_set(rule_set)]
        key = name.strip().lower() if isinstance(name, str) else name
        try:
            return drugs[key]
        except (KeyError, TypeError):
            raise UnknownDrug(
                f"unknown drug {name!r}; the catalogue knows {', '.join(drugs)}"
            ) from None

    def drugs(self, rule_set: RuleSet | str | None = None) -> tuple[Drug, ...]:
        """Every drug under ``rule_set``, in file order."""
        return tuple(self._drugs[self._rule_set(rule_set)].values())

    def __contains__(self, name: object) -> bool:
        return name in self._drugs[self.default_rule_set]

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def _rule_set(self, rule_set: RuleSet | str | None) -> RuleSet:
        if rule_set is None:
            return self.default_rule_set
        return parse_rule_set(rule_set)


def parse_rule_set(text: RuleSet | str) -> RuleSet:
    """A rule set from its name (``us`` or ``eu``)."""
    try:
        return RuleSet(str(text).strip().lower())
    except ValueError:
        known = ", ".join(r.value for r in RuleSet)
        raise InvalidInput(f"unknown rule set {text!r}; expected one of {known}") from None


# --- loading -------------------------------------------------------------------------------


@functools.cache
def load_catalogue() -> Catalogue:
    """The packaged catalogue (read and validated once, then cached)."""
    text = resources.files("intrathecal").joinpath("data/drugs.yaml").read_text("utf-8")
    return parse_catalogue(yaml.safe_load(text))


def parse_catalogue(data: object) -> Catalogue:
    """Build a catalogue from the parsed YAML document; errors name the bad field."""
    root = _mapping(data, "drugs.yaml")
    version = root.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise InvalidInput("drugs.yaml: 'version' must be a whole number")
    reviewed = root.get("reviewed")
    if not isinstance(reviewed, date):
        raise InvalidInput("drugs.yaml: 'reviewed' must be a date (YYYY-MM-DD)")
    default = parse_rule_set(str(root.get("default_rule_set", "us")))
    sources = {
        key: Source(key, _text(v, f"sources.{key}.short"), _text(v, f"sources.{key}.citation"))
        for key, v in _mapping(root.get("sources"), "sources").items()
    }
    drugs_data = _mapping(root.get("drugs"), "drugs")
    drugs: dict[RuleSet, Mapping[str, Drug]] = {}
    for rule_set in RuleSet:
        reader = _Reader(sources, rule_set)
        drugs[rule_set] = MappingProxyType(
            {name: reader.drug(name, body) for name, body in drugs_data.items()}
        )
    return Catalogue(
        version=version,
        reviewed=reviewed,
        default_rule_set=default,
        sources=MappingProxyType(sources),
        settings=MappingProxyType(dict(_mapping(root.get("settings", {}), "settings"))),
        _drugs=MappingProxyType(drugs),
    )


def _mapping(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{path}: expected a mapping, got {type(value).__name__}")
    return value


def _text(container: object, path: str) -> str:
    value = _mapping(container, path.rsplit(".", 1)[0]).get(path.rsplit(".", 1)[1])
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{path}: expected text")
    return value.strip()


_PERCENT_RE = re.compile(r"^\s*(?P<number>\d+(?:\.\d+)?)\s*%\s*$")


def parse_fraction(value: object, path: str) -> Fraction:
    """A dimensionless value written as ``"20 %"`` or a plain decimal like ``"0.2"``."""
    if isinstance(value, str):
        match = _PERCENT_RE.match(value)
        if match:
            return Fraction(match.group("number")) / 100
        try:
            return Fraction(value.strip())
        except ValueError:
            pass
    elif isinstance(value, int) and not isinstance(value, bool):
        return Fraction(value)
    raise InvalidInput(f"{path}: expected a percentage such as '20 %' or a number, got {value!r}")


def parse_typed(kind: type[Q], value: object, path: str) -> Q:
    """A quantity of ``kind`` from text with its unit; errors name ``path``."""
    if not isinstance(value, str):
        raise InvalidQuantity(
            f"{path}: expected a {kind.KIND} with its unit such as '{kind.EXAMPLE}', got {value!r}"
        )
    try:
        return kind.parse(value)
    except InvalidQuantity as exc:
        raise InvalidQuantity(f"{path}: {exc}") from None


def parse_sourced(
    body: Mapping[str, Any],
    path: str,
    sources: Mapping[str, Source],
    read: Callable[[Mapping[str, Any], str], T],
) -> Sourced[T]:
    """Wrap ``read(body)`` with the ``source``/``status``/``note`` fields of ``body``."""
    key = body.get("source")
    if key not in sources:
        raise InvalidInput(f"{path}.source: unknown source {key!r}")
    try:
        status = Status(str(body.get("status")))
    except ValueError:
        known = ", ".join(s.value for s in Status)
        raise InvalidInput(f"{path}.status: expected one of {known}") from None
    note = body.get("note", "")
    return Sourced(read(body, path), sources[str(key)], status, str(note).strip())


class _Reader:
    """Reads one drug entry for one rule set."""

    def __init__(self, sources: Mapping[str, Source], rule_set: RuleSet) -> None:
        self.sources = sources
        self.rule_set = rule_set

    def resolve(self, value: object, path: str) -> Mapping[str, Any] | None:
        """The entry for this rule set when ``value`` is keyed by rule set, else ``value``."""
        if value is None:
            return None
        body = _mapping(value, path)
        if body and all(k in {r.value for r in RuleSet} for k in body):
            chosen = body.get(self.rule_set.value)
            return None if chosen is None else _mapping(chosen, f"{path}.{self.rule_set}")
        return body

    def sourced(
        self, value: object, path: str, read: Callable[[Mapping[str, Any], str], T]
    ) -> Sourced[T] | None:
        body = self.resolve(value, path)
        return None if body is None else parse_sourced(body, path, self.sources, read)

    def required(
        self, value: object, path: str, read: Callable[[Mapping[str, Any], str], T]
    ) -> Sourced[T]:
        result = self.sourced(value, path, read)
        if result is None:
            raise InvalidInput(f"{path}: required for rule set {self.rule_set.value}")
        return result

    def drug(self, name: str, data: object) -> Drug:
        path = f"drugs.{name}"
        body = _mapping(data, path)
        try:
            drug_class = DrugClass(str(body.get("class")))
        except ValueError:
            raise InvalidInput(f"{path}.class: unknown class {body.get('class')!r}") from None
        concentrations: list[Sourced[Concentration]] = []
        for i, entry in enumerate(body.get("concentrations") or []):
            entry_path = f"{path}.concentrations[{i}]"
            group = _mapping(entry, entry_path)
            values = group.get("values")
            if not isinstance(values, list) or not values:
                raise InvalidInput(f"{entry_path}.values: expected a list of concentrations")
            for j, text in enumerate(values):
                concentration = parse_typed(Concentration, text, f"{entry_path}.values[{j}]")
                concentrations.append(
                    parse_sourced(group, entry_path, self.sources, _constant(concentration))
                )
        contraindications = {
            flag: self.required(v, f"{path}.contraindications.{flag}", _value_text)
            for flag, v in _mapping(body.get("contraindications", {}), path).items()
        }
        return Drug(
            name=name,
            display_name=str(body.get("display_name", name)),
            drug_class=drug_class,
            line_of_therapy=self.required(
                body.get("line_of_therapy"), f"{path}.line_of_therapy", _value_text
            ),
            trial_bolus=self.sourced(
                body.get("trial_bolus"), f"{path}.trial_bolus", _range_reader(Mass)
            ),
            starting_daily_dose=self.sourced(
                body.get("starting_daily_dose"),
                f"{path}.starting_daily_dose",
                _range_reader(DoseRate),
            ),
            max_concentration=self.required(
                body.get("max_concentration"),
                f"{path}.max_concentration",
                _value_reader(Concentration),
            ),
            max_daily_dose=self.required(
                body.get("max_daily_dose"), f"{path}.max_daily_dose", _optional_dose
            ),
            concentrations=tuple(concentrations),
            titration=self.titration(body.get("titration"), f"{path}.titration"),
            granuloma_concentration=self.sourced(
                body.get("granuloma_concentration"),
                f"{path}.granuloma_concentration",
                _value_reader(Concentration),
            ),
            granuloma_daily_dose=self.sourced(
                body.get("granuloma_daily_dose"),
                f"{path}.granuloma_daily_dose",
                _value_reader(DoseRate),
            ),
            contraindications=MappingProxyType(contraindications),
            naive_daily_dose=self.sourced(
                body.get("naive_daily_dose"), f"{path}.naive_daily_dose", _range_reader(DoseRate)
            ),
            tolerant_daily_dose=self.sourced(
                body.get("tolerant_daily_dose"),
                f"{path}.tolerant_daily_dose",
                _range_reader(DoseRate),
            ),
            morphine_equivalent=self.sourced(
                body.get("morphine_equivalent"), f"{path}.morphine_equivalent", _fraction
            ),
            continuous_only=self.sourced(
                body.get("continuous_only"), f"{path}.continuous_only", _value_text
            ),
            first_fill_concentration=self.sourced(
                body.get("first_fill_concentration"),
                f"{path}.first_fill_concentration",
                _value_reader(Concentration),
            ),
            no_admixture=self.sourced(
                body.get("no_admixture"), f"{path}.no_admixture", _value_text
            ),
            on_stop=self.sourced(body.get("on_stop"), f"{path}.on_stop", _value_text),
            trial_spacing=self.sourced(
                body.get("trial_spacing"), f"{path}.trial_spacing", _value_reader(Duration)
            ),
            screening_start=self.sourced(
                body.get("screening_start"), f"{path}.screening_start", _screening_start
            ),
        )

    def titration(self, data: object, path: str) -> Titration:
        if data is None:
            return Titration()
        body = _mapping(data, path)
        return Titration(
            start_max=self.sourced(
                body.get("start_max"), f"{path}.start_max", _value_reader(DoseRate)
            ),
            step_max=self.sourced(
                body.get("step_max"), f"{path}.step_max", _value_reader(DoseRate)
            ),
            max_steps=self.sourced(body.get("max_steps"), f"{path}.max_steps", _step_limit),
            min_interval=self.sourced(
                body.get("min_interval"), f"{path}.min_interval", _value_reader(Duration)
            ),
            recommended_interval=self.sourced(
                body.get("recommended_interval"),
                f"{path}.recommended_interval",
                _value_reader(Duration),
            ),
            max_increase_fraction=self.sourced(
                body.get("max_increase_fraction"), f"{path}.max_increase_fraction", _fraction
            ),
            max_decrease_fraction=self.sourced(
                body.get("max_decrease_fraction"), f"{path}.max_decrease_fraction", _fraction
            ),
            increase_per_24h=MappingProxyType(
                {
                    str(origin): self.required(v, f"{path}.increase_per_24h.{origin}", _fraction)
                    for origin, v in _mapping(
                        body.get("increase_per_24h", {}), f"{path}.increase_per_24h"
                    ).items()
                }
            ),
        )


def _value_reader(kind: type[Q]) -> Callable[[Mapping[str, Any], str], Q]:
    def read(body: Mapping[str, Any], path: str) -> Q:
        return parse_typed(kind, body.get("value"), f"{path}.value")

    return read


def _range_reader(kind: type[Q]) -> Callable[[Mapping[str, Any], str], Range[Q]]:
    def read(body: Mapping[str, Any], path: str) -> Range[Q]:
        low = parse_typed(kind, body.get("low"), f"{path}.low")
        high = parse_typed(kind, body.get("high"), f"{path}.high")
        if high < low:
            raise InvalidInput(f"{path}: high {high} is below low {low}")
        return Range(low, high)

    return read


def _constant(value: T) -> Callable[[Mapping[str, Any], str], T]:
    def read(_body: Mapping[str, Any], _path: str) -> T:
        return value

    return read


def _optional_dose(body: Mapping[str, Any], path: str) -> DoseRate | None:
    value = body.get("value")
    return None if value is None else parse_typed(DoseRate, value, f"{path}.value")


def _value_text(body: Mapping[str, Any], path: str) -> str:
    return _text(body, f"{path}.value")


def _fraction(body: Mapping[str, Any], path: str) -> Fraction:
    return parse_fraction(body.get("value"), f"{path}.value")


def _screening_start(body: Mapping[str, Any], path: str) -> ScreeningStart:
    return ScreeningStart(
        threshold=parse_typed(Duration, body.get("threshold"), f"{path}.threshold"),
        short_factor=parse_fraction(body.get("short_factor"), f"{path}.short_factor"),
        long_factor=parse_fraction(body.get("long_factor"), f"{path}.long_factor"),
    )


def _step_limit(body: Mapping[str, Any], path: str) -> StepLimit:
    count = body.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise InvalidInput(f"{path}.count: expected a whole number of at least 1")
    return StepLimit(count, parse_typed(Duration, body.get("per"), f"{path}.per"))


def describe_max_daily_dose(drug: Drug) -> str:
    """The maximum daily dose as text, or "no known upper limit"."""
    limit = drug.max_daily_dose.value
    return "no known upper limit" if limit is None else limit.format()


__all__ = [
    "Catalogue",
    "Drug",
    "DrugClass",
    "Range",
    "RuleSet",
    "ScreeningStart",
    "Source",
    "Sourced",
    "Status",
    "StepLimit",
    "Titration",
    "describe_max_daily_dose",
    "load_catalogue",
    "parse_catalogue",
    "parse_fraction",
    "parse_rule_set",
    "parse_sourced",
    "parse_typed",
]

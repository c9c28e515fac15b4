"""Pump models as data: capacities, rate limits, battery and fixed-rate physics from pumps.yaml.

Each number is a ``Sourced`` value (value, source, status) so that unverified defaults
travel with their label to every output; a model value's ``Source`` is short-named after the
model (messages read "(Medtronic SynchroMed II 8637-20, literature)") and cites the file's
text in full. ``pump_model("synchromed-ii-20")`` returns one model; ``pump_models()`` all of
them; ``default_catheter()`` a catheter with the file's default geometry.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from intrathecal.core.quantities import Duration, Volume, VolumeRate
from intrathecal.core.sourced_data import (
    InvalidDataFile,
    Sourced,
    load_data_file,
    read_bool,
    read_duration,
    read_percent,
    read_quantity,
    read_volume,
    section,
    sourced,
)
from intrathecal.device.catheter import Catheter
from intrathecal.device.errors import UnknownPumpModel

DATA_FILE = "pumps.yaml"

read_rate = read_quantity(VolumeRate)

T = TypeVar("T")


class Behaviour(enum.Enum):
    """How the pump meters drug."""

    PROGRAMMABLE = "programmable"  # constant flow set by a program (rotor or valve-gated)
    FIXED_RATE = "fixed_rate"  # propellant-driven, factory rate, no electronics


@dataclass(frozen=True)
class BatterySpec:
    """Service-life model inputs: life at low dose (hard max), life at a reference rate."""

    service_life_hard_max: Sourced[Duration]
    service_life_at_reference_rate: Sourced[Duration]
    reference_rate: Sourced[VolumeRate]
    eri_to_eos: Sourced[Duration]


@dataclass(frozen=True)
class FixedRateSpec:
    """Factory rate and its (configurable, unverified) temperature and pressure dependence."""

    nominal_rate: Sourced[VolumeRate]
    reference_temperature_c: Sourced[Fraction]
    temperature_percent_per_c: Sourced[Fraction]
    reference_pressure_kpa: Sourced[Fraction]
    pressure_percent_per_kpa: Sourced[Fraction]


@dataclass(frozen=True)
class PumpModel:
    """One pump model. Rate fields are ``None`` for fixed-rate pumps, ``battery`` too."""

    key: str
    name: str
    manufacturer: str
    behaviour: Behaviour
    mechanism: str
    has_alarms: bool
    has_telemetry: bool
    reservoir_capacity: Sourced[Volume]
    internal_volume: Sourced[Volume]
    flow_accuracy_percent: Sourced[Fraction]
    mean_delivery_percent: Sourced[Fraction]
    min_rate: Sourced[VolumeRate] | None = None
    max_rate: Sourced[VolumeRate] | None = None
    max_bolus_rate: Sourced[VolumeRate] | None = None
    low_reservoir_default: Sourced[Volume] | None = None
    max_flex_steps: Sourced[int] | None = None
    valve_closing_bolus: Sourced[Volume] | None = None
    battery: BatterySpec | None = None
    fixed_rate: FixedRateSpec | None = None

    @property
    def programmable(self) -> bool:
        """True for pumps that accept programs, boluses and alarm settings."""
        return self.behaviour is Behaviour.PROGRAMMABLE


@dataclass(frozen=True)
class CatheterDefaults:
    """Default catheter geometry (both values are unverified project defaults)."""

    volume_per_cm: Sourced[Volume]
    length_cm: Sourced[Fraction]


def _read_number(raw: Any) -> Fraction:
    if not isinstance(raw, str):
        raise ValueError(f"expected a decimal number as text, got {raw!r}")
    try:
        return Fraction(raw.strip())
    except ValueError:
        raise ValueError(f"expected a decimal number, got {raw!r}") from None


def _read_count(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise ValueError(f"expected a whole number of at least 1, got {raw!r}")
    return raw


def _text(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = section(entry, key, where)
    if not isinstance(value, str) or not value.strip():
        raise InvalidDataFile(f"{where}.{key}: expected text")
    return value


def _value(entry: Any, key: str, where: str, read: Callable[[Any], T], name: str) -> Sourced[T]:
    """One model value; messages cite it by the model's name (full reference kept too)."""
    return sourced(section(entry, key, where), f"{where}.{key}", read, key=DATA_FILE, short=name)


def _optional(
    entry: Mapping[str, Any], key: str, where: str, read: Callable[[Any], T], name: str
) -> Sourced[T] | None:
    return _value(entry, key, where, read, name) if key in entry else None


def _battery(raw: Any, where: str, name: str) -> BatterySpec:
    return BatterySpec(
        service_life_hard_max=_value(raw, "service_life_hard_max", where, read_duration, name),
        service_life_at_reference_rate=_value(
            raw, "service_life_at_reference_rate", where, read_duration, name
        ),
        reference_rate=_value(raw, "reference_rate", where, read_rate, name),
        eri_to_eos=_value(raw, "eri_to_eos", where, read_duration, name),
    )


def _fixed(raw: Any, where: str, name: str) -> FixedRateSpec:
    return FixedRateSpec(
        nominal_rate=_value(raw, "nominal_rate", where, read_rate, name),
        reference_temperature_c=_value(raw, "reference_temperature_c", where, _read_number, name),
        temperature_percent_per_c=_value(
            raw, "temperature_percent_per_c", where, read_percent, name
        ),
        reference_pressure_kpa=_value(raw, "reference_pressure_kpa", where, _read_number, name),
        pressure_percent_per_kpa=_value(raw, "pressure_percent_per_kpa", where, read_percent, name),
    )


def _model(key: str, raw: Any) -> PumpModel:
    where = f"{DATA_FILE}: models.{key}"
    if not isinstance(raw, Mapping):
        raise InvalidDataFile(f"{where}: expected a mapping")
    try:
        behaviour = Behaviour(raw.get("behaviour"))
    except ValueError:
        raise InvalidDataFile(f"{where}.behaviour: expected programmable or fixed_rate") from None
    name = _text(raw, "name", where)
    model = PumpModel(
        key=key,
        name=name,
        manufacturer=_text(raw, "manufacturer", where),
        behaviour=behaviour,
        mechanism=_text(raw, "mechanism", where),
        has_alarms=read_bool(section(raw, "has_alarms", where)),
        has_telemetry=read_bool(section(raw, "has_telemetry", where)),
        reservoir_capacity=_value(raw, "reservoir_capacity", where, read_volume, name),
        internal_volume=_value(raw, "internal_volume", where, read_volume, name),
        flow_accuracy_percent=_value(raw, "flow_accuracy_percent", where, read_percent, name),
        mean_delivery_percent=_value(raw, "mean_delivery_percent", where, _read_number, name),
        min_rate=_optional(raw, "min_rate", where, read_rate, name),
        max_rate=_optional(raw, "max_rate", where, read_rate, name),
        max_bolus_rate=_optional(raw, "max_bolus_rate", where, read_rate, name),
        low_reservoir_default=_optional(raw, "low_reservoir_default", where, read_volume, name),
        max_flex_steps=_optional(raw, "max_flex_steps", where, _read_count, name),
        valve_closing_bolus=_optional(raw, "valve_closing_bolus", where, read_volume, name),
        battery=_battery(raw["battery"], f"{where}.battery", name) if raw.get("battery") else None,
        fixed_rate=_fixed(raw["fixed_rate"], f"{where}.fixed_rate", name)
        if raw.get("fixed_rate")
        else None,
    )
    _check(model, where)
    return model


def _check(model: PumpModel, where: str) -> None:
    if model.programmable:
        needed = (
            "min_rate",
            "max_rate",
            "max_bolus_rate",
            "low_reservoir_default",
            "max_flex_steps",
        )
        missing = [name for name in needed if getattr(model, name) is None]
        if missing:
            raise InvalidDataFile(f"{where}: a programmable pump needs {', '.join(missing)}")
        assert model.min_rate is not None
        assert model.max_rate is not None
        if not model.min_rate.value < model.max_rate.value:
            raise InvalidDataFile(f"{where}: min_rate must be below max_rate")
    elif model.fixed_rate is None:
        raise InvalidDataFile(f"{where}: a fixed-rate pump needs a fixed_rate section")
    if model.battery is not None:
        spec = model.battery
        if spec.eri_to_eos.value >= spec.service_life_at_reference_rate.value:
            raise InvalidDataFile(
                f"{where}.battery: ERI-to-EOS must be shorter than the service life"
            )
        if spec.service_life_at_reference_rate.value > spec.service_life_hard_max.value:
            raise InvalidDataFile(
                f"{where}.battery: life at reference rate exceeds the hard maximum"
            )


@cache
def _load(path: Path | None) -> tuple[dict[str, PumpModel], CatheterDefaults]:
    data = load_data_file(DATA_FILE, path)
    models_raw = section(data, "models", DATA_FILE)
    if not isinstance(models_raw, Mapping) or not models_raw:
        raise InvalidDataFile(f"{DATA_FILE}: 'models' must be a non-empty mapping")
    models = {str(key): _model(str(key), raw) for key, raw in models_raw.items()}
    cath = section(data, "catheter", DATA_FILE)
    defaults = CatheterDefaults(
        volume_per_cm=sourced(
            section(cath, "volume_per_cm", "catheter"), "catheter.volume_per_cm", read_volume
        ),
        length_cm=sourced(
            section(cath, "length_cm", "catheter"), "catheter.length_cm", _read_number
        ),
    )
    return models, defaults


def pump_models(path: Path | None = None) -> Mapping[str, PumpModel]:
    """All pump models, keyed by model key (from ``path`` when given, else the packaged file)."""
    return dict(_load(path)[0])


def pump_model(key: str, path: Path | None = None) -> PumpModel:
    """One pump model by key; ``UnknownPumpModel`` lists the known keys otherwise."""
    models = _load(path)[0]
    try:
        return models[key]
    except KeyError:
        raise UnknownPumpModel(
            f"unknown pump model {key!r}; known models: {', '.join(sorted(models))}"
        ) from None


def catheter_defaults(path: Path | None = None) -> CatheterDefaults:
    """The default catheter geometry (unverified project defaults)."""
    return _load(path)[1]


def default_catheter(tip_level: str = "T10", path: Path | None = None) -> Catheter:
    """An intact catheter with the default length and lumen volume."""
    defaults = catheter_defaults(path)
    return Catheter(defaults.length_cm.value, defaults.volume_per_cm.value, tip_level)

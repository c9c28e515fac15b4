"""The refill thresholds and drug stability limits, read from ``data/refill.yaml``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

from intrathecal.core.errors import InvalidInput
from intrathecal.core.quantities import Duration, Volume
from intrathecal.core.sourced_data import (
    InvalidDataFile,
    Sourced,
    load_data_file,
    read_duration,
    read_percent,
    read_volume,
    section,
    sourced,
)

DATA_FILE = "refill.yaml"


@dataclass(frozen=True)
class PumpFamily:
    """Refill-relevant facts of one pump family (flow accuracy, default alarm volume)."""

    key: str
    name: str
    accuracy_percent: Sourced[Fraction]
    low_reservoir_alarm: Sourced[Volume]


@dataclass(frozen=True)
class GapLimit:
    """Largest acceptable injected-vs-measured gap after a refill, for pumps up to a capacity."""

    reservoir: Volume
    limit: Sourced[Volume]


@dataclass(frozen=True)
class ZiconotideStability:
    """Prialt refill intervals: the first fill of a pump, then diluted or undiluted drug."""

    first_fill: Sourced[Duration]
    diluted: Sourced[Duration]
    undiluted: Sourced[Duration]


@dataclass(frozen=True)
class RefillConfig:
    """Every clinical number the refill planner uses, each with its source and status."""

    version: str
    residual_discrepancy_limit: Sourced[Volume]
    pump_families: Mapping[str, PumpFamily]
    post_refill_gap_limits: tuple[GapLimit, ...]
    refill_margin: Sourced[Duration]
    drug_stability: Mapping[str, Sourced[Duration]]
    ziconotide: ZiconotideStability | None
    max_refill_interval: Sourced[Duration]

    def pump_family(self, key: str) -> PumpFamily:
        """The pump family ``key``; an input error listing the known ones otherwise."""
        try:
            return self.pump_families[key]
        except KeyError:
            known = ", ".join(sorted(self.pump_families))
            raise InvalidInput(f"unknown pump family {key!r}; expected one of {known}") from None

    def family_of(self, model_key: str) -> str | None:
        """The family a pump model belongs to, by key prefix (``synchromed-ii-20`` ->
        ``synchromed-ii``; the longest family key that matches), if any."""
        for family in sorted(self.pump_families, key=len, reverse=True):
            if model_key.startswith(family):
                return family
        return None

    def gap_limit_for(self, reservoir: Volume) -> GapLimit | None:
        """The post-refill gap limit for a reservoir of this capacity, if one is on file."""
        for limit in self.post_refill_gap_limits:
            if reservoir <= limit.reservoir:
                return limit
        return None


def _pump_family(key: str, raw: Any) -> PumpFamily:
    where = f"{DATA_FILE}: pump_families.{key}"
    name = section(raw, "name", where)
    if not isinstance(name, str):
        raise InvalidDataFile(f"{where}.name must be text")
    return PumpFamily(
        key=key,
        name=name,
        accuracy_percent=sourced(
            section(raw, "accuracy_percent", where), f"{where}.accuracy_percent", read_percent
        ),
        low_reservoir_alarm=sourced(
            section(raw, "low_reservoir_alarm", where), f"{where}.low_reservoir_alarm", read_volume
        ),
    )


def _gap_limits(raw: Any) -> tuple[GapLimit, ...]:
    where = f"{DATA_FILE}: post_refill_gap_limits"
    if not isinstance(raw, list) or not raw:
        raise InvalidDataFile(f"{where} must be a non-empty list")
    limits = []
    for index, entry in enumerate(raw):
        at = f"{where}[{index}]"
        try:
            reservoir = read_volume(section(entry, "reservoir", at))
        except InvalidInput as exc:
            raise InvalidDataFile(f"{at}.reservoir: {exc}") from None
        limits.append(GapLimit(reservoir, sourced(entry, at, read_volume)))
    return tuple(sorted(limits, key=lambda g: g.reservoir.to("mL")))


def _stability(raw: Any) -> tuple[dict[str, Sourced[Duration]], ZiconotideStability | None]:
    where = f"{DATA_FILE}: drug_stability"
    if not isinstance(raw, Mapping):
        raise InvalidDataFile(f"{where} must be a mapping")
    simple: dict[str, Sourced[Duration]] = {}
    ziconotide = None
    for drug, entry in raw.items():
        at = f"{where}.{drug}"
        if drug == "ziconotide":
            ziconotide = ZiconotideStability(
                first_fill=sourced(section(entry, "first_fill", at), at, read_duration),
                diluted=sourced(section(entry, "diluted", at), at, read_duration),
                undiluted=sourced(section(entry, "undiluted", at), at, read_duration),
            )
        else:
            simple[str(drug)] = sourced(entry, at, read_duration)
    return simple, ziconotide


def parse_refill_config(data: Mapping[str, Any]) -> RefillConfig:
    """Build the configuration from an already-loaded data file mapping."""
    families_raw = section(data, "pump_families", DATA_FILE)
    if not isinstance(families_raw, Mapping) or not families_raw:
        raise InvalidDataFile(f"{DATA_FILE}: pump_families must be a non-empty mapping")
    stability, ziconotide = _stability(section(data, "drug_stability", DATA_FILE))
    return RefillConfig(
        version=str(section(data, "version", DATA_FILE)),
        residual_discrepancy_limit=sourced(
            section(data, "residual_discrepancy_limit", DATA_FILE),
            f"{DATA_FILE}: residual_discrepancy_limit",
            read_volume,
        ),
        pump_families={str(k): _pump_family(str(k), v) for k, v in families_raw.items()},
        post_refill_gap_limits=_gap_limits(section(data, "post_refill_gap_limits", DATA_FILE)),
        refill_margin=sourced(
            section(data, "refill_margin", DATA_FILE),
            f"{DATA_FILE}: refill_margin",
            read_duration,
        ),
        drug_stability=stability,
        ziconotide=ziconotide,
        max_refill_interval=sourced(
            section(data, "max_refill_interval", DATA_FILE),
            f"{DATA_FILE}: max_refill_interval",
            read_duration,
        ),
    )


@cache
def _packaged() -> RefillConfig:
    return parse_refill_config(load_data_file(DATA_FILE))


def load_refill_config(path: Path | None = None) -> RefillConfig:
    """The packaged refill configuration, or one read from a local override file."""
    if path is None:
        return _packaged()
    return parse_refill_config(load_data_file(DATA_FILE, path))

"""Clinic reference data: accepted insurers, locations, ICD-10/CPT codes, workflow settings.

Read from ``data/insurers.yaml``, ``data/locations.yaml``, ``data/codes.yaml`` and
``data/clinic.yaml``; each number keeps its source and status so unverified defaults can be
labelled wherever they are shown.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from intrathecal.clinic import icd10
from intrathecal.clinic.records import Location
from intrathecal.core.sourced_data import (
    InvalidDataFile,
    Sourced,
    load_data_file,
    section,
    sourced,
)


@dataclass(frozen=True)
class Insurer:
    """An accepted insurer: stable key and display name."""

    key: str
    name: str


@dataclass(frozen=True)
class DiagnosisCode:
    """An ICD-10-CM code the pathway knows, with the indication it implies."""

    code: str
    description: str
    condition: str
    indication: str
    status: str
    source: str


@dataclass(frozen=True)
class ClinicSettings:
    """Candidacy thresholds and worklist intervals (days unless named otherwise)."""

    conservative_care_min_months: Sourced[int]
    cancer_life_expectancy_min_months: Sourced[int]
    refill_horizon_days: Sourced[int]
    eri_horizon_days: Sourced[int]
    eri_estimate_years: Sourced[int]
    endocrine_review_interval_days: Sourced[int]
    endocrine_horizon_days: Sourced[int]
    wound_check_after_days: Sourced[int]
    wound_horizon_days: Sourced[int]
    rising_dose_percent_per_year: Sourced[int]


def whole_number(raw: Any) -> int:
    """A data-file count: a whole number >= 0 (never a boolean)."""
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise ValueError(f"expected a whole number >= 0, got {raw!r}")
    return raw


@functools.cache
def insurers() -> Mapping[str, Insurer]:
    """Accepted insurers by key, in the order of the data file."""
    data = load_data_file("insurers.yaml")
    rows = section(data, "insurers", "insurers.yaml")
    return {str(r["key"]): Insurer(str(r["key"]), str(r["name"])) for r in rows}


def insurer_key(text: str) -> str | None:
    """The key of an insurer given by key or display name (case-insensitive), else None."""
    wanted = text.strip().lower()
    for insurer in insurers().values():
        if wanted in (insurer.key, insurer.name.lower()):
            return insurer.key
    return None


@functools.cache
def locations() -> tuple[Location, ...]:
    """Locations from the data file (placeholders until a clinic enters its own)."""
    data = load_data_file("locations.yaml")
    return tuple(
        Location(str(r["code"]), str(r["name"]), str(r.get("address", "")), str(r.get("phone", "")))
        for r in section(data, "locations", "locations.yaml")
    )


@functools.cache
def diagnosis_codes() -> Mapping[str, DiagnosisCode]:
    """The pathway's ICD-10-CM codes by code (descriptions from the code set)."""
    data = load_data_file("codes.yaml")
    return {
        str(r["code"]): DiagnosisCode(
            str(r["code"]),
            icd10.description(str(r["code"]), f"codes.yaml: icd10 {r['code']}"),
            str(r["condition"]),
            str(r["indication"]),
            str(r["status"]),
            str(r["source"]),
        )
        for r in section(data, "icd10", "codes.yaml")
    }


@functools.cache
def procedure_codes() -> Mapping[str, str]:
    """CPT code -> short paraphrased description."""
    data = load_data_file("codes.yaml")
    return {str(r["code"]): str(r["description"]) for r in section(data, "cpt", "codes.yaml")}


@functools.cache
def settings() -> ClinicSettings:
    """The packaged clinic settings."""
    data = load_data_file("clinic.yaml")
    values: dict[str, Sourced[int]] = {}
    for block in ("candidacy", "worklist"):
        body = section(data, block, "clinic.yaml")
        if not isinstance(body, Mapping):
            raise InvalidDataFile(f"clinic.yaml: {block} must be a mapping")
        for key, entry in body.items():
            values[key] = sourced(entry, f"clinic.yaml: {block}.{key}", whole_number)
    try:
        return ClinicSettings(**values)
    except TypeError as exc:
        raise InvalidDataFile(f"clinic.yaml: {exc}") from None

"""The fleet study's configuration: a clinic's patients, pumps, refill policy and hazards.

Read from YAML into strict pydantic models; quantities are written with their units
("10 mg/mL", "3 mg/day") and parsed by the core's quantity types, so a number without a
unit is an error. Every rate and distribution here is a modelling input the user sets;
the shipped examples mark which ones no source supports (``unverified``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from intrathecal.core.catalogue import load_catalogue
from intrathecal.core.errors import CoreError, UnknownDrug
from intrathecal.core.quantities import Concentration, DoseRate, Duration
from intrathecal.device.models import pump_models


class StudyConfigError(ValueError):
    """The study configuration cannot be used; the message says where and why."""


def _parser(kind: type[Concentration] | type[DoseRate] | type[Duration]) -> BeforeValidator:
    def parse(value: object) -> object:
        if isinstance(value, kind):
            return value
        if not isinstance(value, str):
            raise ValueError(f"expected a {kind.__name__.lower()} with its unit, as text")
        try:
            return kind.parse(value)
        except CoreError as exc:
            raise ValueError(str(exc)) from None

    return BeforeValidator(parse)


ConcentrationField = Annotated[Concentration, _parser(Concentration)]
DoseRateField = Annotated[DoseRate, _parser(DoseRate)]
DurationField = Annotated[Duration, _parser(Duration)]
Share = Annotated[float, Field(ge=0, le=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, arbitrary_types_allowed=True
    )


class PatientBolusConfig(_Strict):
    """Patient-controlled boluses: who has them, their size and limits, how often asked for."""

    share: Share
    fraction_of_daily_dose: Annotated[float, Field(gt=0, le=0.5)] = 0.1
    duration: DurationField
    lockout: DurationField
    max_per_day: Annotated[int, Field(ge=1, le=24)]
    requests_per_day: Annotated[float, Field(ge=0, le=48)]


class DrugConfig(_Strict):
    """One drug of the clinic's mix: its share, strength and dose distribution."""

    drug: str
    share: Share
    concentration: ConcentrationField
    median_daily_dose: DoseRateField
    dose_spread: Annotated[float, Field(ge=1, le=5)] = 1.5
    max_daily_dose: DoseRateField | None = None
    stability_days: Annotated[int, Field(ge=1, le=365)] | None = None
    patient_bolus: PatientBolusConfig | None = None

    @field_validator("drug")
    @classmethod
    def _catalogue_drug(cls, value: str) -> str:
        try:
            return load_catalogue().get(value).name
        except UnknownDrug as exc:
            raise ValueError(str(exc)) from None

    @model_validator(mode="after")
    def _within_the_catalogue(self) -> DrugConfig:
        entry = load_catalogue().get(self.drug)
        limit = entry.max_daily_dose.value
        if limit is not None and self.max_daily_dose is not None and self.max_daily_dose > limit:
            raise ValueError(
                f"max_daily_dose {self.max_daily_dose} is above the {self.drug} maximum "
                f"{limit} ({entry.max_daily_dose.attribution()})"
            )
        if self.concentration > entry.max_concentration.value:
            raise ValueError(
                f"concentration {self.concentration} is above the {self.drug} maximum "
                f"{entry.max_concentration.value} ({entry.max_concentration.attribution()})"
            )
        ceiling = self.daily_ceiling
        if ceiling is not None and self.median_daily_dose > ceiling:
            raise ValueError(
                f"median_daily_dose {self.median_daily_dose} is above the daily ceiling {ceiling}"
            )
        return self

    @property
    def daily_ceiling(self) -> DoseRate | None:
        """The most a patient may get a day: ``max_daily_dose``, else the catalogue's maximum
        (the safety policy's ``max_daily_dose`` rule), if it has one."""
        return self.max_daily_dose or load_catalogue().get(self.drug).max_daily_dose.value

    @property
    def is_baclofen(self) -> bool:
        """Baclofen: a missed refill risks life-threatening withdrawal."""
        return self.drug == "baclofen"


class LocationConfig(_Strict):
    """A clinic site: which weekdays it holds refill clinics and with how many nurses."""

    weekdays: Annotated[list[Annotated[int, Field(ge=0, le=6)]], Field(min_length=1)]
    nurses: Annotated[int, Field(ge=1, le=100)]
    share_of_patients: Share


class ClinicConfig(_Strict):
    """Clinic capacity: sites, nurse minutes a day, minutes a refill visit takes, travel."""

    locations: Annotated[dict[str, LocationConfig], Field(min_length=1)]
    nurse_minutes_per_day: Annotated[int, Field(ge=30, le=720)] = 420
    visit_minutes: Annotated[int, Field(ge=5, le=240)] = 45
    urgent_visit_minutes: Annotated[int, Field(ge=5, le=480)] = 60
    travel_minutes_to_other_site: Annotated[int, Field(ge=0, le=600)] = 45

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> ClinicConfig:
        total = sum(loc.share_of_patients for loc in self.locations.values())
        if abs(total - 1) > 1e-9:
            raise ValueError(f"locations' share_of_patients must sum to 1, got {total:g}")
        return self


class PolicyConfig(_Strict):
    """How refills are booked: at alarm minus a margin (naive), or planned with CP-SAT."""

    kind: Literal["naive", "cpsat"] = "naive"
    margin_days: Annotated[int, Field(ge=0, le=60)] = 7
    baclofen_margin_days: Annotated[int, Field(ge=0, le=60)] = 14
    replan_days: Annotated[int, Field(ge=1, le=28)] = 7
    plan_weeks: Annotated[int, Field(ge=1, le=26)] = 6
    # The solver's deterministic time limit (roughly seconds): the same plan on any machine.
    solver_seconds: Annotated[float, Field(gt=0, le=600)] = 5.0


class BehaviourConfig(_Strict):
    """What patients do: miss visits, come late, get rebooked."""

    no_show: Annotated[float, Field(ge=0, lt=1)] = 0.05
    mean_delay_days: Annotated[float, Field(ge=0, le=30)] = 0.5
    rebook_after_days: Annotated[int, Field(ge=1, le=60)] = 3
    # where a missed visit is booked again: the patient's home site, or the site it was at
    rebook_at: Literal["home", "booked_site"] = "home"


class HazardConfig(_Strict):
    """Yearly event rates per patient (Poisson); set them from local data."""

    catheter_fault: Annotated[float, Field(ge=0, le=5)] = 0.0
    granuloma: Annotated[float, Field(ge=0, le=5)] = 0.0
    infection: Annotated[float, Field(ge=0, le=5)] = 0.0


class StudyConfig(_Strict):
    """A whole fleet study: who, which pumps, how the clinic books, what can go wrong."""

    seed: Annotated[int, Field(ge=0, le=2**63 - 1)]
    start: date
    years: Annotated[float, Field(gt=0, le=20)]
    patients: Annotated[int, Field(ge=1, le=1_000_000)]
    replications: Annotated[int, Field(ge=1, le=1000)] = 10
    drugs: Annotated[list[DrugConfig], Field(min_length=1)]
    pump_models: Annotated[dict[str, Share], Field(min_length=1)]
    flow_accuracy_sd: Annotated[float, Field(ge=0, le=0.5)] = 0.03
    yearly_dose_change: Annotated[float, Field(ge=-0.9, le=5)] = 0.0
    dose_change_sd_per_visit: Annotated[float, Field(ge=0, le=1)] = 0.0
    implant_age_years_max: Annotated[float, Field(ge=0, le=10)] = 0.0
    replacement_days_after_eri: Annotated[int, Field(ge=0, le=365)] = 60
    residual_noise_ml: Annotated[float, Field(ge=0, le=5)] = 0.2
    discrepancy_ml: Annotated[float, Field(gt=0, le=20)] = 2.0
    clinic: ClinicConfig
    policy: PolicyConfig = PolicyConfig()
    behaviour: BehaviourConfig = BehaviourConfig()
    hazards_per_patient_year: HazardConfig = HazardConfig()

    @field_validator("start", mode="before")
    @classmethod
    def _iso_date(cls, value: object) -> object:
        if isinstance(value, str):
            return date.fromisoformat(value)
        return value

    @field_validator("pump_models")
    @classmethod
    def _known_models(cls, value: dict[str, float]) -> dict[str, float]:
        models = pump_models()
        for key in value:
            model = models.get(key)
            if model is None:
                raise ValueError(f"unknown pump model {key!r}; known: {', '.join(sorted(models))}")
            if not model.programmable:
                raise ValueError(f"{key} is a fixed-rate pump; the fleet study models programmable")
        if abs(sum(value.values()) - 1) > 1e-9:
            raise ValueError("pump_models shares must sum to 1")
        return value

    @model_validator(mode="after")
    def _drug_shares(self) -> StudyConfig:
        total = sum(d.share for d in self.drugs)
        if abs(total - 1) > 1e-9:
            raise ValueError(f"drugs' shares must sum to 1, got {total:g}")
        return self


def load_study_config(path: Path) -> StudyConfig:
    """Read and check a study file; StudyConfigError names the field that is wrong."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise StudyConfigError(f"{path}: cannot read the study file: {exc}") from None
    if not isinstance(raw, dict):
        raise StudyConfigError(f"{path}: expected a mapping of study settings")
    try:
        return StudyConfig.model_validate(raw, strict=False)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise StudyConfigError(f"{path}: {where}: {first['msg']}") from None

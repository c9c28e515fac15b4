"""A clinic's simulated patients: drugs, doses, pumps and homes drawn from a study config.

One draw gives the engine's ``FleetPrograms`` (one row per patient) and the per-patient
facts the clinic side of the study needs (drug, baclofen, home site, bolus request rate,
dose ceiling). Programs are built once per (drug, pump model, bolus) group from a typed
template prescription, then each patient's own rates are set in the arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray

from intrathecal.core.program import Continuous, PatientBolus, Prescription, Solution
from intrathecal.core.quantities import Volume, VolumeRate
from intrathecal.device.models import pump_models
from intrathecal.sim.fleet import FleetPrograms
from intrathecal.sim.randomness import DAY_US
from intrathecal.sim.study_config import DrugConfig, StudyConfig

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
BOOL = NDArray[np.bool_]
YEAR_DAYS = 365.25
SECONDS_PER_DAY = 86_400.0


@dataclass
class Population:
    """The patients of one replication, in the row order of ``programs``."""

    programs: FleetPrograms
    drug: I64  # index into the config's drugs
    baclofen: BOOL
    home: I64  # index into the config's locations
    request_rate_per_day: F64
    bolus_fraction: F64  # bolus volume / daily basal volume (0: no patient bolus)
    max_daily_ml: F64  # the basal ceiling as a volume (worst case within the daily maximum)
    stability_days: I64  # refill at the latest this many days after a fill (drug stability)

    def __len__(self) -> int:
        return len(self.programs)

    def daily_basal_ml(self) -> F64:
        """Programmed basal volume per day (continuous programs: one step)."""
        return self.programs.step_rates_ml_s[:, 0] * SECONDS_PER_DAY

    def worst_case_daily_ml(self) -> F64:
        """Basal plus every allowed patient bolus: what the clinic plans refills on."""
        p = self.programs
        return self.daily_basal_ml() + p.bolus_ml * p.max_per_day


def _template(drug: DrugConfig) -> Prescription:
    """A typed prescription for the drug's group; rates are replaced per patient."""
    bolus = None
    if drug.patient_bolus is not None:
        pb = drug.patient_bolus
        bolus = PatientBolus(
            Volume(Fraction(1, 100), "mL"), pb.duration, pb.lockout, pb.max_per_day
        )
    return Prescription(
        Solution.single(drug.drug, drug.concentration),
        Continuous(VolumeRate(Fraction(1, 10), "mL/day")),
        patient_bolus=bolus,
    )


def draw_population(config: StudyConfig, rng: np.random.Generator, first_id: int = 0) -> Population:
    """Draw ``config.patients`` patients; pump ids start at ``first_id``."""
    n = config.patients
    drug_idx = rng.choice(len(config.drugs), size=n, p=[d.share for d in config.drugs])
    model_keys = list(config.pump_models)
    model_idx = rng.choice(len(model_keys), size=n, p=list(config.pump_models.values()))
    sites = list(config.clinic.locations.values())
    home = rng.choice(len(sites), size=n, p=[s.share_of_patients for s in sites])
    with_bolus = np.array(
        [
            d.patient_bolus is not None and rng.random() < d.patient_bolus.share
            for d in (config.drugs[i] for i in drug_idx)
        ],
        dtype=np.bool_,
    )
    order = np.lexsort((with_bolus, model_idx, drug_idx))
    drug_idx, model_idx, home, with_bolus = (
        drug_idx[order],
        model_idx[order],
        home[order],
        with_bolus[order],
    )
    flow = np.clip(rng.normal(1.0, config.flow_accuracy_sd, n), 0.5, 1.5)
    age_us = (rng.uniform(0, config.implant_age_years_max, n) * YEAR_DAYS * DAY_US).astype(np.int64)
    ids = np.arange(first_id, first_id + n, dtype=np.int64)
    models = pump_models()
    parts: list[FleetPrograms] = []
    start = 0
    for group in _groups(drug_idx, model_idx, with_bolus):
        d, m, b, size = group
        drug = config.drugs[d]
        template = (
            _template(drug) if b else _template(drug.model_copy(update={"patient_bolus": None}))
        )
        rows = slice(start, start + size)
        parts.append(
            FleetPrograms.build(
                [template] * size,
                models[model_keys[m]],
                pump_ids=ids[rows],
                flow_factor=flow[rows],
                battery_start_us=-age_us[rows],
            )
        )
        start += size
    programs = FleetPrograms.concat(parts)
    daily_ml, ceiling_ml, fraction, rate = _doses(config, drug_idx, with_bolus, rng)
    programs.step_rates_ml_s[:, 0] = daily_ml / SECONDS_PER_DAY
    programs.bolus_ml[:] = fraction * daily_ml
    return Population(
        programs=programs,
        drug=drug_idx,
        baclofen=np.array([config.drugs[i].is_baclofen for i in drug_idx], dtype=np.bool_),
        home=home,
        request_rate_per_day=rate,
        bolus_fraction=fraction,
        max_daily_ml=ceiling_ml,
        stability_days=np.array(
            [config.drugs[i].stability_days or 10_000 for i in drug_idx], dtype=np.int64
        ),
    )


def _groups(drug: I64, model: I64, bolus: BOOL) -> list[tuple[int, int, bool, int]]:
    """Runs of equal (drug, model, bolus) in the sorted rows, with their sizes."""
    out: list[tuple[int, int, bool, int]] = []
    for d, m, b in zip(drug.tolist(), model.tolist(), bolus.tolist(), strict=True):
        if out and out[-1][:3] == (d, m, b):
            out[-1] = (d, m, b, out[-1][3] + 1)
        else:
            out.append((d, m, b, 1))
    return out


def _doses(
    config: StudyConfig, drug_idx: I64, with_bolus: BOOL, rng: np.random.Generator
) -> tuple[F64, F64, F64, F64]:
    """Daily basal volume, ceiling volume, bolus fraction and request rate per patient."""
    n = drug_idx.shape[0]
    daily = np.empty(n)
    ceiling = np.full(n, np.inf)
    fraction = np.zeros(n)
    rate = np.zeros(n)
    for i, drug in enumerate(config.drugs):
        rows = drug_idx == i
        conc = float(drug.concentration.to("mcg/mL"))
        median_ml = float(drug.median_daily_dose.to("mcg/day")) / conc
        draws = median_ml * np.exp(rng.normal(0.0, np.log(drug.dose_spread), int(rows.sum())))
        if drug.daily_ceiling is not None:
            ceiling[rows] = float(drug.daily_ceiling.to("mcg/day")) / conc
        if drug.patient_bolus is not None:
            b = rows & with_bolus
            fraction[b] = drug.patient_bolus.fraction_of_daily_dose
            rate[b] = drug.patient_bolus.requests_per_day
            # the worst case (basal and every allowed bolus) within the ceiling, as the
            # safety policy's worst_case_daily_dose rule requires of a real program
            ceiling[b] /= 1.0 + fraction[b] * drug.patient_bolus.max_per_day
        daily[rows] = np.minimum(draws, ceiling[rows])
    return daily, ceiling, fraction, rate

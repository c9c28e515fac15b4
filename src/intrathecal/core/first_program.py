"""The first program proposed from a successful screening trial, checked before it is shown.

Daily dose: for a drug with a labelled screening-to-start rule (baclofen) the existing
calculator (``core.screening_start``) on the effective bolus and how long its spasticity
response lasted; for every other drug ``trial_to_daily_factor`` (unverified) times the
effective trial bolus per day, bounded by the label's start range for the patient's opioid
status (morphine) or else the drug's usual starting range. Strength: a sourced first-fill
strength where one exists, else the highest listed strength whose rate the pump can run; a
dose the pump cannot run that slowly is raised to its minimum rate while it stays within the
start range (ziconotide 25 mcg/mL at 0.048 mL/day = 1.2 mcg/day, domain worked example 5).
The proposal goes through ``check_program`` and says which parts are sourced and which are
unverified. It is a proposal for the clinician to confirm: nothing here programs a pump.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cache

from intrathecal.core.catalogue import Catalogue, Drug, Range, RuleSet, load_catalogue
from intrathecal.core.errors import InvalidInput
from intrathecal.core.program import Continuous, Prescription, Solution
from intrathecal.core.quantities import Concentration, DoseRate, Mass, days
from intrathecal.core.safety import (
    DosingProfile,
    OpioidStatus,
    ProgramRequest,
    PumpLimits,
    SafetyReport,
    check_program,
)
from intrathecal.core.screening_start import starting_dose_from_screening
from intrathecal.core.sourced_data import (
    InvalidDataFile,
    Sourced,
    load_data_file,
    read_quantity,
    section,
    sourced,
)
from intrathecal.core.trial import Outcome, TrialEvaluation

DATA_FILE = "first_program.yaml"
CONFIRM = "a proposal for the clinician to confirm and program; nothing has been programmed"


@dataclass(frozen=True)
class FirstProgramConfig:
    """The trial-to-daily factor and the first-fill strengths (``data/first_program.yaml``)."""

    trial_to_daily_factor: Sourced[Fraction]
    strength_choice: Sourced[str]
    strengths: Mapping[str, Sourced[Concentration]]


@dataclass(frozen=True)
class Provenance:
    """Where one part of the proposal comes from, and whether that source is verified."""

    part: str
    text: str
    attribution: str
    unverified: bool


@dataclass(frozen=True)
class FirstProgram:
    """A proposed first program, its safety report and the provenance of every part."""

    drug: str
    trial_dose: Mass
    daily_dose: DoseRate
    strength: Concentration
    prescription: Prescription
    report: SafetyReport
    provenance: tuple[Provenance, ...]
    note: str = CONFIRM


def propose_first_program(
    evaluation: TrialEvaluation,
    *,
    pump: PumpLimits,
    patient: DosingProfile | None = None,
    strength: Concentration | None = None,
    rule_set: RuleSet | None = None,
    catalogue: Catalogue | None = None,
    config: FirstProgramConfig | None = None,
) -> FirstProgram:
    """The first program from a successful trial; ``InvalidInput`` for any other outcome."""
    injection = evaluation.effective_injection
    if evaluation.outcome is not Outcome.SUCCESS or injection is None:
        raise InvalidInput(
            "a first program is proposed only from a successful trial with an effective "
            f"dose; this trial is {evaluation.outcome.value}"
        )
    catalogue = catalogue or load_catalogue()
    config = config or load_first_program_config()
    patient = patient or DosingProfile()
    drug = catalogue.get(injection.drug, rule_set)
    ceiling: DoseRate | None = None
    if drug.screening_start is not None:
        daily, parts = _from_screening(evaluation, drug, injection.dose, rule_set, catalogue)
    else:
        daily, parts, ceiling = _from_trial_bolus(drug, injection.dose, patient, config)
    chosen, strength_part = _strength(drug, daily, pump, strength, config)
    parts.append(strength_part)
    if strength is None:
        daily = _fit_pump(drug, daily, chosen, pump, ceiling, parts)
    rate = daily / chosen
    prescription = Prescription(Solution.single(drug.name, chosen), Continuous(rate))
    report = check_program(
        ProgramRequest(
            proposed=prescription,
            pump=pump,
            patient=patient,
            rule_set=rule_set,
            catalogue=catalogue,
        )
    )
    rate_part = Provenance(
        "rate",
        f"{daily} at {chosen} = {rate.format('mL/day', 4)}; checked by the dosing policy",
        "arithmetic",
        False,
    )
    return FirstProgram(
        drug.name,
        injection.dose,
        daily,
        chosen,
        prescription,
        report,
        (*parts, rate_part),
    )


def _from_screening(
    evaluation: TrialEvaluation,
    drug: Drug,
    dose: Mass,
    rule_set: RuleSet | None,
    catalogue: Catalogue,
) -> tuple[DoseRate, list[Provenance]]:
    """Baclofen: the label's screening-to-start rule, on how long the response lasted."""
    rule = drug.screening_start
    assert rule is not None
    response = evaluation.spasticity.effective if evaluation.spasticity else None
    if response is None or response.effect is None:
        raise InvalidInput(
            f"{drug.name}: the first dose follows the spasticity response to the screening "
            "bolus; the trial records none"
        )
    threshold = rule.value.threshold
    effect = response.effect
    parts = []
    ended_short = effect.ended_before is not None and effect.ended_before <= threshold
    if ended_short or effect.lasted_at_least >= threshold:
        lasted = effect.lasted_at_least
    else:
        lasted = threshold
        shown = effect.lasted_at_least.format("h", 4)
        parts.append(
            Provenance(
                "effect duration",
                f"the response was still present {shown} after the bolus and was not graded "
                f"again before {threshold.format('h')}: whether it lasted "
                f"{threshold.format('h')} is not known, so the lower start is proposed",
                "project choice (the lower of the two label starts)",
                True,
            )
        )
    start = starting_dose_from_screening(
        drug.name, dose, lasted, catalogue=catalogue, rule_set=rule_set
    )
    parts.insert(
        0, Provenance("daily dose", start.explanation, rule.attribution(), rule.unverified)
    )
    return start.daily_dose, parts


def _from_trial_bolus(
    drug: Drug, dose: Mass, patient: DosingProfile, config: FirstProgramConfig
) -> tuple[DoseRate, list[Provenance], DoseRate | None]:
    """Every other drug: factor x bolus per day, bounded by the sourced start range."""
    factor = config.trial_to_daily_factor
    candidate = (dose.scaled(factor.value) / days(1)).in_unit(drug.dose_unit)
    parts = [
        Provenance(
            "daily dose",
            f"{factor.value} × the effective trial bolus of {dose} per day = {candidate}",
            factor.attribution(),
            factor.unverified,
        )
    ]
    bound, who = _start_range(drug, patient)
    if bound is None:
        return candidate, parts, None
    low, high = bound.value.low, bound.value.high
    start_max = drug.titration.start_max
    if start_max is not None and start_max.value < high:
        high = start_max.value
    daily = min(max(candidate, low), high).in_unit(drug.dose_unit)
    moved = "" if daily == candidate else f", so {daily}"
    parts.append(
        Provenance(
            "bounded by",
            f"the {bound.value.format()} start range{who}{moved}",
            bound.attribution(),
            bound.unverified,
        )
    )
    return daily, parts, high


def _start_range(drug: Drug, patient: DosingProfile) -> tuple[Sourced[Range[DoseRate]] | None, str]:
    """The label's range for the recorded opioid status, else the usual starting range."""
    if patient.opioid_status is OpioidStatus.TOLERANT and drug.tolerant_daily_dose:
        return drug.tolerant_daily_dose, " for an opioid-tolerant patient"
    if drug.naive_daily_dose is not None:
        status = "naive" if patient.opioid_status is OpioidStatus.NAIVE else "unknown (as naive)"
        return drug.naive_daily_dose, f" for opioid status {status}"
    return drug.starting_daily_dose, ""


def _strength(
    drug: Drug,
    daily: DoseRate,
    pump: PumpLimits,
    given: Concentration | None,
    config: FirstProgramConfig,
) -> tuple[Concentration, Provenance]:
    """The given strength, a sourced first-fill strength, or the highest the pump can run."""
    if given is not None:
        return given, Provenance("strength", f"{given}, given by the clinician", "clinician", False)
    named = config.strengths.get(drug.name) or drug.first_fill_concentration
    if named is not None:
        return named.value, Provenance(
            "strength", f"{named.value} first fill", named.attribution(), named.unverified
        )
    runnable = [
        s.value
        for s in drug.concentrations
        if pump.min_rate.value <= daily / s.value <= pump.max_rate.value
    ]
    choice = config.strength_choice
    best = max(runnable) if runnable else min(s.value for s in drug.concentrations)
    return best, Provenance(
        "strength", f"{best}: {choice.value}", choice.attribution(), choice.unverified
    )


def _fit_pump(
    drug: Drug,
    daily: DoseRate,
    strength: Concentration,
    pump: PumpLimits,
    ceiling: DoseRate | None,
    parts: list[Provenance],
) -> DoseRate:
    """Raise a dose the pump cannot run slowly enough up to its minimum rate, within the
    start range; anything else the pump cannot run is an input error naming a remedy."""
    rate = daily / strength
    lowest, highest = pump.min_rate, pump.max_rate
    if rate > highest.value:
        raise InvalidInput(
            f"{drug.name}: {daily} at {strength} needs {rate}, above the pump's maximum "
            f"{highest.value}; give a stronger solution"
        )
    if rate >= lowest.value:
        return daily
    raised = (strength * lowest.value).in_unit(drug.dose_unit)
    if ceiling is None or raised > ceiling:
        raise InvalidInput(
            f"{drug.name}: {daily} at {strength} runs at {rate}, below the pump's minimum "
            f"{lowest.value}; give a more dilute solution"
        )
    parts.append(
        Provenance(
            "pump minimum",
            f"{daily} at {strength} would run at {rate.format('mL/day', 4)}, below the pump's "
            f"minimum rate {lowest.value}: raised to {raised}, still within the start range "
            "(a more dilute solution would keep the lower dose)",
            lowest.attribution(),
            lowest.unverified,
        )
    )
    return raised


def _text(raw: object) -> str:
    if not isinstance(raw, str):
        raise InvalidInput(f"expected text, got {raw!r}")
    return " ".join(raw.split())


def _factor(raw: object) -> Fraction:
    if not isinstance(raw, str):
        raise InvalidInput(f"expected a number as text such as '1', got {raw!r}")
    value = Fraction(raw.strip())
    if value <= 0:
        raise InvalidInput(f"the factor must be above zero, got {raw!r}")
    return value


@cache
def load_first_program_config() -> FirstProgramConfig:
    """The packaged ``data/first_program.yaml``."""
    data = load_data_file(DATA_FILE)
    strengths = section(data, "strengths", DATA_FILE)
    if not isinstance(strengths, Mapping):
        raise InvalidDataFile(f"{DATA_FILE}: strengths must be a mapping of drug to strength")
    return FirstProgramConfig(
        trial_to_daily_factor=sourced(
            section(data, "trial_to_daily_factor", DATA_FILE),
            f"{DATA_FILE}: trial_to_daily_factor",
            _factor,
            key="project",
        ),
        strength_choice=sourced(
            section(data, "strength_choice", DATA_FILE),
            f"{DATA_FILE}: strength_choice",
            _text,
            key="project",
        ),
        strengths={
            str(name): sourced(
                entry, f"{DATA_FILE}: strengths.{name}", read_quantity(Concentration)
            )
            for name, entry in strengths.items()
        },
    )

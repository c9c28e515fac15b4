"""The one safety entry point: every path that accepts a program or a trial dose calls it.

``check_program(ProgramRequest)``, ``check_trial_doses(TrialDoseRequest)`` and
``check_trial(record)`` (doses, then the outcome) are what the
CLI (``program check``, ``trial evaluate``), the clinic use cases and API, the web pages,
the clinician programmer and the scenario runner call. A request carries everything a rule
may read: the proposed and current program, the pump model's own limits (from
``device.limits.safety_limits``, the one source of pump facts), the patient's dosing
profile, the dose history of every drug, and the rule set. Omitted catalogue and settings
take the packaged defaults. The answer is a ``SafetyReport``: HARD findings refuse, SOFT
findings need a co-signed override, INFO findings are shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from intrathecal.core.catalogue import Catalogue, RuleSet, load_catalogue, parse_rule_set
from intrathecal.core.program import Prescription
from intrathecal.core.quantities import Duration, Mass
from intrathecal.core.safety.checker import RULES, TRIAL_RULES
from intrathecal.core.safety.context import History, Proposal, RuleContext
from intrathecal.core.safety.findings import Finding, SafetyReport
from intrathecal.core.safety.profile import DosingProfile
from intrathecal.core.safety.settings import PumpLimits, SafetySettings
from intrathecal.core.safety.trial_doses import TrialDose, TrialDoses
from intrathecal.core.screening_start import ScreeningStartDose, starting_dose_from_screening
from intrathecal.core.trial import TrialEvaluation, evaluate_trial
from intrathecal.core.trial_config import TrialConfig, TrialRule
from intrathecal.core.trial_record import TrialRecord


class CheckKind(StrEnum):
    """What is being checked: a first program, a change of a running one, or trial doses."""

    NEW_PROGRAM = "new_program"
    CHANGE = "change"
    TRIAL_DOSE = "trial_dose"


@dataclass(frozen=True)
class ProgramRequest:
    """Everything the rules may read about one proposed program."""

    proposed: Prescription
    pump: PumpLimits
    current: Prescription | None = None
    patient: DosingProfile = field(default_factory=DosingProfile)
    history: History = field(default_factory=History)
    rule_set: RuleSet | None = None
    settings: SafetySettings | None = None
    catalogue: Catalogue | None = None

    @property
    def kind(self) -> CheckKind:
        """A first program when nothing runs now, else a change."""
        return CheckKind.NEW_PROGRAM if self.current is None else CheckKind.CHANGE


@dataclass(frozen=True)
class TrialDoseRequest:
    """Screening-trial injections (drug, dose, offset from the first) for one patient."""

    doses: tuple[TrialDose, ...]
    patient: DosingProfile = field(default_factory=DosingProfile)
    rule_set: RuleSet | None = None
    settings: SafetySettings | None = None
    catalogue: Catalogue | None = None

    @classmethod
    def of(
        cls,
        injections: Sequence[tuple[str, Mass, Duration]],
        patient: DosingProfile | None = None,
        rule_set: RuleSet | str | None = None,
    ) -> TrialDoseRequest:
        """A request from ``(drug, dose, at)`` triples."""
        return cls(
            tuple(TrialDose(d, dose, at) for d, dose, at in injections),
            patient or DosingProfile(),
            None if rule_set is None else parse_rule_set(rule_set),
        )

    @property
    def kind(self) -> CheckKind:
        """Always a trial dose."""
        return CheckKind.TRIAL_DOSE


def check_program(request: ProgramRequest) -> SafetyReport:
    """Run every program rule over ``request``; unknown drugs raise ``UnknownDrug``."""
    ctx = _context(request, request.pump, request.history)
    for program in (request.proposed, request.current):
        if program is not None:
            for name in program.solution.drugs:
                ctx.drug(name)
    proposal = Proposal(request.proposed, request.current)
    findings = tuple(f for rule in RULES for f in rule(proposal, ctx))
    return _report(findings, ctx)


def check_trial_doses(request: TrialDoseRequest) -> SafetyReport:
    """Run every trial-dose rule (bolus range, screening spacing) over ``request``."""
    ctx = _context(request, None, History())
    for dose in request.doses:
        ctx.drug(dose.drug)
    doses = TrialDoses(request.doses)
    findings = tuple(f for rule in TRIAL_RULES for f in rule(doses, ctx))
    return _report(findings, ctx)


@dataclass(frozen=True)
class TrialCheck:
    """A screening trial's doses checked by the policy and, unless refused, its outcome."""

    report: SafetyReport
    evaluation: TrialEvaluation | None


def check_trial(
    record: TrialRecord,
    *,
    patient: DosingProfile | None = None,
    rule: TrialRule | None = None,
    config: TrialConfig | None = None,
    rule_set: RuleSet | None = None,
) -> TrialCheck:
    """Every injection through ``check_trial_doses``, then (unless refused) the outcome.

    The outcome comes from ``core.trial.evaluate_trial``: pain relief for most drugs, the
    spasticity response for a baclofen screening (never NRS). ``trial evaluate``, the
    clinic's ``record_trial`` (API and web) call this one function.
    """
    report = check_trial_doses(
        TrialDoseRequest(
            tuple(TrialDose(i.drug, i.dose, i.at) for i in record.injections),
            patient or DosingProfile(),
            rule_set,
        )
    )
    evaluation = None if report.refused else evaluate_trial(record, rule, config)
    return TrialCheck(report, evaluation)


@dataclass(frozen=True)
class ScreeningStartCheck:
    """An effective screening bolus checked by the policy and, unless refused, the first
    daily dose the screening-to-start rule gives from it."""

    report: SafetyReport
    proposal: ScreeningStartDose | None


def check_screening_start(
    drug: str,
    effective_dose: Mass,
    effect_duration: Duration,
    *,
    patient: DosingProfile | None = None,
    rule_set: RuleSet | None = None,
) -> ScreeningStartCheck:
    """The effective bolus through ``check_trial_doses`` (it was a screening injection, so
    it must lie in the trial bolus range), then the rule's first daily dose unless refused.

    ``program screening-start`` and the API's ``/dosing/screening-start`` call this one
    function; a 5000 mcg "screening bolus" would otherwise start at 10,000 mcg/day.
    """
    proposal = starting_dose_from_screening(
        drug, effective_dose, effect_duration, rule_set=rule_set
    )
    report = check_trial_doses(
        TrialDoseRequest.of([(proposal.drug, effective_dose, Duration(0, "h"))], patient, rule_set)
    )
    return ScreeningStartCheck(report, None if report.refused else proposal)


def _context(
    request: ProgramRequest | TrialDoseRequest, pump: PumpLimits | None, history: History
) -> RuleContext:
    catalogue = request.catalogue if request.catalogue is not None else load_catalogue()
    settings = request.settings
    return RuleContext(
        catalogue=catalogue,
        rule_set=catalogue.default_rule_set if request.rule_set is None else request.rule_set,
        pump_limits=pump,
        settings=settings if settings is not None else SafetySettings.from_catalogue(catalogue),
        history=history,
        profile=request.patient,
    )


def _report(findings: Sequence[Finding], ctx: RuleContext) -> SafetyReport:
    return SafetyReport(
        tuple(findings), rule_set=ctx.rule_set.value, catalogue_version=ctx.catalogue.version
    )

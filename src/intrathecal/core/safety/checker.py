"""The safety checker: runs every rule over a proposed program in one place."""

from __future__ import annotations

from intrathecal.core.catalogue import Catalogue, RuleSet, load_catalogue, parse_rule_set
from intrathecal.core.program import Prescription
from intrathecal.core.safety.context import History, Proposal, Rule, RuleContext
from intrathecal.core.safety.findings import SafetyReport
from intrathecal.core.safety.rules_dose import (
    granuloma_risk,
    max_concentration,
    max_daily_dose,
    patient_bolus_size,
    starting_dose,
    unit_slip,
    worst_case_daily_dose_rule,
)
from intrathecal.core.safety.rules_pump import pump_rate_range
from intrathecal.core.safety.rules_titration import (
    contraindication,
    dose_decrease,
    dose_increase,
    titration_frequency,
    titration_start,
    titration_step,
)
from intrathecal.core.safety.settings import PumpLimits, SafetySettings

RULES: tuple[Rule, ...] = (
    max_daily_dose,
    worst_case_daily_dose_rule,
    max_concentration,
    unit_slip,
    dose_increase,
    dose_decrease,
    titration_start,
    titration_step,
    titration_frequency,
    contraindication,
    pump_rate_range,
    granuloma_risk,
    patient_bolus_size,
    starting_dose,
)


def check(
    proposed: Prescription,
    current: Prescription | None = None,
    *,
    catalogue: Catalogue | None = None,
    rule_set: RuleSet | str | None = None,
    pump_limits: PumpLimits | None = None,
    settings: SafetySettings | None = None,
    history: History | None = None,
) -> SafetyReport:
    """Check ``proposed`` (against ``current`` when given) with every rule in ``RULES``.

    Omitted arguments take the packaged catalogue's defaults. Every drug must be in the
    catalogue (``UnknownDrug`` otherwise): an unknown drug is bad input, not a finding.
    """
    catalogue = catalogue if catalogue is not None else load_catalogue()
    chosen = catalogue.default_rule_set if rule_set is None else parse_rule_set(rule_set)
    for program in (proposed, current):
        if program is not None:
            for name in program.solution.drugs:
                catalogue.get(name, chosen)
    if pump_limits is None:
        pump_limits = PumpLimits.from_catalogue(catalogue)
    context = RuleContext(
        catalogue=catalogue,
        rule_set=chosen,
        pump_limits=pump_limits,
        settings=settings if settings is not None else SafetySettings.from_catalogue(catalogue),
        history=history if history is not None else History(),
    )
    proposal = Proposal(proposed, current)
    findings = tuple(finding for rule in RULES for finding in rule(proposal, context))
    return SafetyReport(findings, rule_set=chosen.value, catalogue_version=catalogue.version)

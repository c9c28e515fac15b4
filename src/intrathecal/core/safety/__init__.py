"""Dosing safety: named rules over a proposed program or trial doses, one entry point.

``check_program(ProgramRequest)`` and ``check_trial_doses(TrialDoseRequest)`` (in
``policy``) are the only way to run the rules; every path calls them. Each rule is a pure
function returning findings that name the rule, severity (HARD refused, SOFT needs a
two-clinician ``Override``, INFO shown), source with status, and the numbers involved.
"""

from intrathecal.core.safety.checker import RULES, TRIAL_RULES
from intrathecal.core.safety.context import DoseStep, History, Proposal, Rule, RuleContext
from intrathecal.core.safety.findings import Finding, Override, SafetyReport, Severity
from intrathecal.core.safety.policy import (
    CheckKind,
    ProgramRequest,
    ScreeningStartCheck,
    TrialCheck,
    TrialDoseRequest,
    check_program,
    check_screening_start,
    check_trial,
    check_trial_doses,
)
from intrathecal.core.safety.profile import DosingProfile, OpioidStatus, SpasticityOrigin
from intrathecal.core.safety.settings import PumpLimits, SafetySettings
from intrathecal.core.safety.trial_doses import TrialDose

__all__ = [
    "RULES",
    "TRIAL_RULES",
    "CheckKind",
    "DoseStep",
    "DosingProfile",
    "Finding",
    "History",
    "OpioidStatus",
    "Override",
    "ProgramRequest",
    "Proposal",
    "PumpLimits",
    "Rule",
    "RuleContext",
    "SafetyReport",
    "SafetySettings",
    "ScreeningStartCheck",
    "Severity",
    "SpasticityOrigin",
    "TrialCheck",
    "TrialDose",
    "TrialDoseRequest",
    "check_program",
    "check_screening_start",
    "check_trial",
    "check_trial_doses",
]

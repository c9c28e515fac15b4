"""Dosing safety: named rules over a proposed program, run in one place by ``check``.

Each rule is a pure function ``(Proposal, RuleContext) -> Iterable[Finding]``; a finding
names its rule, severity (HARD refused, SOFT needs a two-clinician ``Override``, INFO
shown), source and the numbers involved.
"""

from intrathecal.core.safety.checker import RULES, check
from intrathecal.core.safety.context import DoseStep, History, Proposal, Rule, RuleContext
from intrathecal.core.safety.findings import Finding, Override, SafetyReport, Severity
from intrathecal.core.safety.settings import PumpLimits, SafetySettings

__all__ = [
    "RULES",
    "DoseStep",
    "Finding",
    "History",
    "Override",
    "Proposal",
    "PumpLimits",
    "Rule",
    "RuleContext",
    "SafetyReport",
    "SafetySettings",
    "Severity",
    "check",
]

"""Test support: run the one safety entry point with the packaged defaults."""

from __future__ import annotations

from intrathecal.core.catalogue import Catalogue, RuleSet, parse_rule_set
from intrathecal.core.program import Prescription
from intrathecal.core.safety import (
    DosingProfile,
    History,
    ProgramRequest,
    PumpLimits,
    SafetyReport,
    SafetySettings,
    check_program,
)
from intrathecal.device.limits import DEFAULT_MODEL, safety_limits

PUMP = safety_limits(DEFAULT_MODEL)


def check(
    proposed: Prescription,
    current: Prescription | None = None,
    *,
    catalogue: Catalogue | None = None,
    rule_set: RuleSet | str | None = None,
    pump_limits: PumpLimits | None = None,
    settings: SafetySettings | None = None,
    history: History | None = None,
    profile: DosingProfile | None = None,
) -> SafetyReport:
    """``check_program`` on the default pump model unless limits are given."""
    return check_program(
        ProgramRequest(
            proposed=proposed,
            current=current,
            pump=pump_limits or PUMP,
            patient=profile or DosingProfile(),
            history=history or History(),
            rule_set=None if rule_set is None else parse_rule_set(rule_set),
            settings=settings,
            catalogue=catalogue,
        )
    )

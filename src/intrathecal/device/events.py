"""Pump alarms and on-board event-log entries, as immutable values with their exact times."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType


class Severity(enum.Enum):
    """Alarm class: critical (two-tone, therapy at risk now) or non-critical (one tone)."""

    CRITICAL = "critical"
    NON_CRITICAL = "non-critical"


class AlarmKind(enum.Enum):
    """Conditions the pump itself can detect and announce."""

    LOW_RESERVOIR = "low_reservoir"
    EMPTY_RESERVOIR = "empty_reservoir"
    ELECTIVE_REPLACEMENT = "elective_replacement_indicator"
    END_OF_SERVICE = "end_of_service"
    MOTOR_STALL = "motor_stall"
    LOW_BATTERY_RESET = "low_battery_reset"

    @property
    def severity(self) -> Severity:
        """The alarm class of this condition (see docs/device.md for sources)."""
        return Severity.NON_CRITICAL if self in _NON_CRITICAL else Severity.CRITICAL


# HSA 2017 SynchroMed II battery advisory: low-battery reset and EOS critical, ERI
# non-critical; motor stall sounds the two-tone (critical) alarm (Medtronic MRI page).
# Empty reservoir as critical is unverified (docs/device.md).
_NON_CRITICAL = frozenset({AlarmKind.LOW_RESERVOIR, AlarmKind.ELECTIVE_REPLACEMENT})


@dataclass(frozen=True)
class Alarm:
    """One alarm, raised at the exact simulated time its condition began."""

    kind: AlarmKind
    at: datetime
    message: str

    @property
    def severity(self) -> Severity:
        """Critical or non-critical."""
        return self.kind.severity

    @property
    def critical(self) -> bool:
        """True for critical alarms."""
        return self.kind.severity is Severity.CRITICAL


class LogKind(enum.Enum):
    """Kinds of on-board event-log entries."""

    PROGRAMMED = "programmed"
    REFILLED = "refilled"
    THRESHOLD_SET = "threshold_set"
    BOLUS_STARTED = "bolus_started"
    BOLUS_ENDED = "bolus_ended"
    PATIENT_BOLUS_GRANTED = "patient_bolus_granted"
    PATIENT_BOLUS_DENIED = "patient_bolus_denied"
    ALARM = "alarm"
    ALARM_CLEARED = "alarm_cleared"
    STOPPED = "stopped"
    RESUMED = "resumed"
    FAULT = "fault"
    FAULT_CLEARED = "fault_cleared"
    COMMAND_REFUSED = "command_refused"


@dataclass(frozen=True)
class LogEntry:
    """One line of the pump's event log; ``details`` holds plain text values."""

    seq: int
    at: datetime
    kind: LogKind
    message: str
    details: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

"""What a pump reports (``PumpStatus``), what really happened (``DeliveryTotals``), command results.

``PumpStatus`` holds only what the device itself knows (its calculated reservoir volume,
program, alarms, battery state): it is what an interrogation over telemetry may show.
``DeliveryTotals`` is simulation ground truth (true reservoir volume, drug that reached the
CSF or the tissue) and must never be presented as something the pump reported.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from intrathecal.core.program import Prescription, Solution
from intrathecal.core.quantities import Mass, Volume, VolumeRate
from intrathecal.device.catheter import Catheter
from intrathecal.device.errors import DeviceInputError
from intrathecal.device.events import Alarm


class PumpMode(enum.Enum):
    """The pump's infusion mode."""

    NOT_PROGRAMMED = "not_programmed"  # implanted, no program yet (no delivery)
    RUNNING = "running"
    STOPPED = "stopped"  # clinician "stopped pump" mode
    END_OF_SERVICE = "end_of_service"  # battery exhausted: stopped for good


class BolusDenial(enum.Enum):
    """Why the pump refused a patient bolus request (the typed reason; the text is for people)."""

    NO_FUNCTION = "no_function"  # fixed-rate pump: no patient bolus at all
    NOT_CONFIGURED = "not_configured"  # the program has no patient bolus
    NOT_PROGRAMMED = "not_programmed"
    PUMP_STOPPED = "pump_stopped"
    END_OF_SERVICE = "end_of_service"
    MOTOR_STALLED = "motor_stalled"
    BOLUS_RUNNING = "bolus_running"  # a bridge/priming or the previous patient bolus
    LOCKOUT = "lockout"
    DAILY_MAXIMUM = "daily_maximum"  # rolling 24 h count reached
    RESERVOIR_LOW = "reservoir_low"  # calculated volume below the bolus volume


class BatteryState(enum.Enum):
    """Battery life stage: normal, elective replacement indicated, or end of service."""

    OK = "ok"
    ERI = "elective_replacement_indicator"
    EOS = "end_of_service"


@dataclass(frozen=True)
class PumpStatus:
    """An interrogation snapshot: the pump's own view at ``at``."""

    serial: str
    model_key: str
    at: datetime
    mode: PumpMode
    reservoir: Volume  # the pump's calculated volume (it has no level sensor)
    low_reservoir_threshold: Volume | None
    solution: Solution | None  # as declared at the last refill
    prescription: Prescription | None
    programmed_rate: VolumeRate  # instantaneous rate the pump is commanding now
    active_alarms: tuple[Alarm, ...]
    battery: BatteryState
    eri_at: datetime | None
    eos_at: datetime | None
    motor_stalled: bool
    valve_closed: bool  # flow-activated valve shut by a magnet; needs a programmer reset
    active_bolus: str | None  # "clinician" | "bridge" | "priming" | None
    patient_boluses_last_24h: int
    next_patient_bolus_at: datetime | None
    projected_low_reservoir_at: datetime | None  # basal + periodic only, no patient boluses
    projected_empty_at: datetime | None
    solution_matches_program: bool


@dataclass(frozen=True)
class DeliveryTotals:
    """Ground truth since implant: volumes and drug masses by destination."""

    at: datetime
    reservoir: Volume  # true volume in the reservoir
    pumped: Volume  # volume that left the reservoir (into the pump path and catheter)
    to_csf: Volume
    to_tissue: Volume
    in_line: Volume  # volume held in the pump's internal path and the catheter lumen
    drug_to_csf: Mapping[str, Mass]
    drug_to_tissue: Mapping[str, Mass]
    catheter: Catheter


@dataclass(frozen=True)
class BolusDecision:
    """The pump's answer to a patient bolus request.

    ``denial`` is the typed reason (``None`` exactly when granted); ``reason`` is the
    human-readable message and must not be parsed.
    """

    granted: bool
    reason: str
    at: datetime
    volume: Volume
    next_allowed_at: datetime | None
    denial: BolusDenial | None = None

    def __post_init__(self) -> None:
        if self.granted != (self.denial is None):
            raise DeviceInputError("a bolus decision is granted exactly when it has no denial")


@dataclass(frozen=True)
class RefillResult:
    """What a refill did: the pump's expected residual vs the true one, and the new volumes."""

    at: datetime
    expected_residual: Volume  # the pump's calculated volume before the refill
    true_residual: Volume  # what was really in the reservoir
    withdrawn: Volume
    left_behind: Volume
    added: Volume
    into_pocket: Volume
    reservoir: Volume  # true volume after
    declared_reservoir: Volume  # the volume the pump now believes

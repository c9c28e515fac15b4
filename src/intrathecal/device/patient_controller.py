"""The patient controller: ask for a bolus, read the limited status; nothing else.

It holds the *patient* link key. The pump refuses every clinician command sent under
that key (``ROLE_FORBIDDEN``), whatever this class exposes, so the restriction does not
rely on the controller's software. A bolus request is answered granted or denied with a
reason (lockout, daily maximum, not configured, pump stopped, alarm, bolus running,
reservoir low) and the time the next one may be asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from intrathecal.core.quantities import Volume
from intrathecal.device.errors import DeviceError
from intrathecal.device.telemetry import messages as m
from intrathecal.device.telemetry.client import TelemetryClient, Transport
from intrathecal.device.telemetry.frame import LinkRole
from intrathecal.device.telemetry.messages import BolusReason
from intrathecal.device.telemetry.session import LinkKey

_REASON_TEXT: dict[BolusReason, str] = {
    BolusReason.GRANTED: "bolus granted",
    BolusReason.LOCKOUT: "too soon after the last bolus (lockout)",
    BolusReason.DAILY_MAXIMUM: "the number of boluses allowed per day has been reached",
    BolusReason.NOT_CONFIGURED: "no patient bolus is programmed",
    BolusReason.PUMP_STOPPED: "the pump is not delivering (stopped, not programmed or at EOS)",
    BolusReason.ALARM: "the pump has an alarm; contact your clinic",
    BolusReason.BOLUS_RUNNING: "another bolus is still being delivered",
    BolusReason.RESERVOIR_LOW: "not enough drug left in the reservoir",
}


@dataclass(frozen=True)
class BolusAnswer:
    """The answer shown to the patient."""

    granted: bool
    reason: BolusReason
    explanation: str
    volume: Volume
    next_allowed: datetime | None
    used_today: int
    max_per_day: int


class PatientController:
    """A patient's hand-held controller paired with one pump."""

    def __init__(self, key: LinkKey, transport: Transport) -> None:
        if key.role is not LinkRole.PATIENT:
            raise DeviceError(f"a patient controller needs a patient key, got {key.role}")
        self.client = TelemetryClient(key, transport)

    def request_bolus(self) -> BolusAnswer:
        """Press the bolus button: the pump grants or denies and says why."""
        decision = self.client.expect(m.PatientBolusRequest(), m.BolusDecision)
        return BolusAnswer(
            granted=decision.granted,
            reason=decision.reason,
            explanation=_REASON_TEXT[decision.reason],
            volume=decision.volume,
            next_allowed=decision.next_allowed,
            used_today=decision.used_today,
            max_per_day=decision.max_per_day,
        )

    def status(self) -> m.PatientStatus:
        """State, alarms and bolus availability."""
        return self.client.expect(m.PatientStatusRequest(), m.PatientStatus)

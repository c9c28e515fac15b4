"""The pump's telemetry endpoint: receive a frame, verify it, run the command, answer.

``PumpEndpoint.handle(bytes) -> bytes`` is the only way a controller reaches the pump.
Checks run in this order, and the first failure is answered with an ERROR frame naming
its ``ErrorCode`` (nothing in the pump changes): frame layout, pairing, tag, direction,
sequence freshness, message type, link role, payload layout and ranges. Only then is the
command given to the ``Pump``; a refusal by the pump itself (``PumpLimitError``,
``PumpStateError``, bad values) is answered the same way. Replies are signed with the
key of the link the request came on; a frame that names no paired link gets an
unauthenticated notice (see ``telemetry.notice``). Every rejection is also kept in
``rejections`` for audit, and their count is part of every interrogation, so a clinician
sees attempts to talk to the pump with a wrong key or replayed frames.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from intrathecal.core.errors import CoreError
from intrathecal.core.program import BridgeBolus, ClinicianBolus, PrimingBolus
from intrathecal.core.quantities import Volume
from intrathecal.device.errors import DeviceInputError, PumpLimitError, PumpStateError
from intrathecal.device.events import Alarm
from intrathecal.device.events import LogEntry as PumpLogEntry
from intrathecal.device.pump import Pump
from intrathecal.device.status import BolusDecision as PumpBolusDecision
from intrathecal.device.status import BolusDenial, PumpStatus
from intrathecal.device.telemetry import messages as m
from intrathecal.device.telemetry.errors import ErrorCode, TelemetryError
from intrathecal.device.telemetry.frame import MAX_PAYLOAD, LinkRole, read_header, role_of
from intrathecal.device.telemetry.notice import encode_notice
from intrathecal.device.telemetry.session import Link, LinkKey, pair
from intrathecal.device.telemetry.wire import nearest_volume, nearest_volume_rate


@dataclass(frozen=True)
class Rejection:
    """One refused frame or command, as the endpoint recorded it."""

    at: datetime
    role: LinkRole | None
    msg_type: int | None
    code: ErrorCode
    detail: str


#: The pump's typed denial reasons to wire reasons (every ``BolusDenial`` has one).
WIRE_REASONS: Mapping[BolusDenial, m.BolusReason] = MappingProxyType(
    {
        BolusDenial.NO_FUNCTION: m.BolusReason.NOT_CONFIGURED,
        BolusDenial.NOT_CONFIGURED: m.BolusReason.NOT_CONFIGURED,
        BolusDenial.NOT_PROGRAMMED: m.BolusReason.PUMP_STOPPED,
        BolusDenial.PUMP_STOPPED: m.BolusReason.PUMP_STOPPED,
        BolusDenial.END_OF_SERVICE: m.BolusReason.PUMP_STOPPED,
        BolusDenial.MOTOR_STALLED: m.BolusReason.ALARM,
        BolusDenial.BOLUS_RUNNING: m.BolusReason.BOLUS_RUNNING,
        BolusDenial.LOCKOUT: m.BolusReason.LOCKOUT,
        BolusDenial.DAILY_MAXIMUM: m.BolusReason.DAILY_MAXIMUM,
        BolusDenial.RESERVOIR_LOW: m.BolusReason.RESERVOIR_LOW,
    }
)


def bolus_reason(decision: PumpBolusDecision) -> m.BolusReason:
    """The wire reason for a pump bolus decision, from its typed denial (never its text)."""
    if decision.denial is None:
        return m.BolusReason.GRANTED
    return WIRE_REASONS[decision.denial]


def alarm_info(alarm: Alarm) -> m.AlarmInfo:
    """An alarm as sent over the air."""
    return m.AlarmInfo(alarm.kind.value, alarm.critical, alarm.at, alarm.message)


def log_info(entry: PumpLogEntry) -> m.LogEntry:
    """A log entry as sent over the air."""
    return m.LogEntry(entry.seq, entry.at, entry.kind.value, entry.message)


class PumpEndpoint:
    """The telemetry front of one ``Pump``: paired keys, sequence state and dispatch."""

    def __init__(self, pump: Pump) -> None:
        if not pump.model.has_telemetry:
            raise DeviceInputError(
                f"{pump.model.name} has no telemetry: there is no endpoint to talk to"
            )
        self.pump = pump
        self._links: dict[LinkRole, Link] = {}
        self.rejections: list[Rejection] = []

    # --- pairing ------------------------------------------------------------------------
    def pair(
        self, role: LinkRole, *, entropy: Callable[[int], bytes] = secrets.token_bytes
    ) -> LinkKey:
        """Generate and install a fresh key for ``role`` (replacing any earlier one)."""
        key = pair(self.pump.serial, role, entropy=entropy)
        self.install(key)
        return key

    def install(self, key: LinkKey) -> None:
        """Install a key made elsewhere; it must name this pump's serial."""
        if key.pump_serial != self.pump.serial:
            raise TelemetryError(
                ErrorCode.NOT_PAIRED,
                f"key is for pump {key.pump_serial}, this is {self.pump.serial}",
            )
        self._links[key.role] = Link(key, pump_side=True)

    def unpair(self, role: LinkRole) -> None:
        """Revoke the key of ``role`` (a lost controller)."""
        self._links.pop(role, None)

    # --- frames -------------------------------------------------------------------------
    def handle(self, data: bytes) -> bytes:
        """Answer one incoming frame; never raises for anything a sender can put in it."""
        try:
            header = read_header(bytes(data))
            role = role_of(header)
        except TelemetryError as exc:
            self._reject(None, None, exc)
            return encode_notice(exc)
        link = self._links.get(role)
        if link is None:
            missing = TelemetryError(ErrorCode.NOT_PAIRED, f"no {role.label} key is paired")
            self._reject(role, header.msg_type, missing)
            return encode_notice(missing, ack=header.sequence)
        try:
            frame = link.open(bytes(data))
        except TelemetryError as exc:
            self._reject(role, header.msg_type, exc)
            return self._seal(link, m.ErrorReply(exc.code, exc.detail), header.sequence)
        try:
            reply = self._dispatch(frame.msg_type, frame.payload, role)
        except TelemetryError as exc:
            self._reject(role, frame.msg_type, exc)
            reply = m.ErrorReply(exc.code, exc.detail)
        return self._seal(link, reply, frame.sequence)

    def _reject(self, role: LinkRole | None, msg_type: int | None, exc: TelemetryError) -> None:
        self.rejections.append(Rejection(self.pump.now, role, msg_type, exc.code, exc.detail))

    def _seal(self, link: Link, reply: m.Message, ack: int) -> bytes:
        _, data = link.seal(reply.TYPE, m.encode_message(reply), ack=ack)
        return data

    def _dispatch(self, msg_type: int, payload: bytes, role: LinkRole) -> m.Message:
        kind = m.message_type(msg_type)
        if not kind.is_request:
            raise TelemetryError(ErrorCode.WRONG_DIRECTION, f"{kind.name} is a reply type")
        m.check_role(kind, role)
        message = m.decode_message(kind, payload)
        try:
            return self._run(message)
        except PumpLimitError as exc:
            raise TelemetryError(ErrorCode.DEVICE_REFUSED, str(exc)) from None
        except PumpStateError as exc:
            raise TelemetryError(ErrorCode.PUMP_STATE, str(exc)) from None
        except (DeviceInputError, CoreError) as exc:
            raise TelemetryError(ErrorCode.OUT_OF_RANGE, str(exc)) from None

    # --- commands -----------------------------------------------------------------------
    def _run(self, message: m.Message) -> m.Message:
        pump = self.pump
        match message:
            case m.Interrogate(log_from=start, log_max=size):
                return self.status_report(start, size)
            case m.PatientStatusRequest():
                return self.patient_status()
            case m.PatientBolusRequest():
                return self._bolus_decision(pump.request_patient_bolus())
            case m.Program(prescription=prescription):
                pump.program(prescription)
            case m.Refill(withdrawn=withdrawn, added=added, solution=solution):
                declared = message.declared_volume
                pump.refill(
                    added=added, solution=solution, withdrawn=withdrawn, declared_volume=declared
                )
            case m.ClinicianBolusCommand(volume=volume, duration=duration):
                pump.bolus(ClinicianBolus(volume, duration))
            case m.PrimeCommand(volume=volume, duration=duration):
                pump.bolus(PrimingBolus(volume, duration))
            case m.BridgeBolusCommand(volume=volume, duration=duration, old_solution=old):
                pump.bolus(BridgeBolus(volume, duration, old))
            case m.Stop():
                pump.stop()
            case m.Resume():
                pump.resume()
            case m.SetAlarmThreshold(volume=volume):
                pump.set_low_reservoir_threshold(volume)
            case m.ClearFault():
                pump.clear_fault()
            case _:  # pragma: no cover - every request type is matched above
                raise TelemetryError(ErrorCode.UNKNOWN_TYPE, type(message).__name__)
        return m.Ack(message.TYPE, pump.status().mode.value)

    def _bolus_decision(self, decision: PumpBolusDecision) -> m.BolusDecision:
        status = self.pump.status()
        settings = status.prescription.patient_bolus if status.prescription else None
        return m.BolusDecision(
            granted=decision.granted,
            reason=bolus_reason(decision),
            volume=decision.volume if decision.granted else Volume.zero(),
            used_today=min(status.patient_boluses_last_24h, 255),
            max_per_day=settings.max_per_day if settings else 0,
            next_allowed=decision.next_allowed_at,
            detail=decision.reason,
        )

    def patient_status(self) -> m.PatientStatus:
        """The limited status a patient controller may read."""
        status = self.pump.status()
        settings = status.prescription.patient_bolus if status.prescription else None
        return m.PatientStatus(
            time=status.at,
            state=status.mode.value,
            alarms=tuple(alarm_info(a) for a in status.active_alarms),
            bolus_configured=settings is not None,
            used_today=min(status.patient_boluses_last_24h, 255),
            max_per_day=settings.max_per_day if settings else 0,
            next_allowed=status.next_patient_bolus_at,
        )

    def status_report(self, log_from: int = 0, log_max: int = 16) -> m.StatusReport:
        """The full interrogation, with as much of the requested log page as fits a frame."""
        status = self.pump.status()
        retained = self.pump.log
        total = retained[-1].seq if retained else 0  # entries ever written, not just retained
        entries = [e for e in retained if e.seq >= log_from][:log_max]
        while True:
            log = tuple(log_info(e) for e in entries)
            report = _report(status, total, log, len(self.rejections))
            if len(m.encode_message(report)) <= MAX_PAYLOAD or not entries:
                return report
            entries = entries[: len(entries) // 2]


def _report(
    status: PumpStatus, log_total: int, log: tuple[m.LogEntry, ...], rejected: int
) -> m.StatusReport:
    return m.StatusReport(
        pump_serial=status.serial,
        model=status.model_key,
        time=status.at,
        mode=status.mode.value,
        reservoir=nearest_volume(status.reservoir),
        low_reservoir_threshold=status.low_reservoir_threshold,
        solution=status.solution,
        prescription=status.prescription,
        programmed_rate=nearest_volume_rate(status.programmed_rate),
        alarms=tuple(alarm_info(a) for a in status.active_alarms),
        battery=status.battery.value,
        eri_at=status.eri_at,
        eos_at=status.eos_at,
        motor_stalled=status.motor_stalled,
        valve_closed=status.valve_closed,
        active_bolus=status.active_bolus or "",
        patient_boluses_last_24h=min(status.patient_boluses_last_24h, 255),
        next_patient_bolus_at=status.next_patient_bolus_at,
        projected_low_reservoir_at=status.projected_low_reservoir_at,
        projected_empty_at=status.projected_empty_at,
        solution_matches_program=status.solution_matches_program,
        rejected_frames=min(rejected, 0xFFFF_FFFF),
        log_total=log_total,
        log=log,
    )

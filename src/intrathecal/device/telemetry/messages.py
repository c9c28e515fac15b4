"""Message types, their payload layouts, and which link role may send each one.

Requests (types below 0x80) go from a controller to the pump; replies (0x80 and up) go
back. Every message is a frozen dataclass with ``write`` / ``read``; ``encode_message``
and ``decode_message`` are the only ways in and out of bytes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Self, TypeVar

from intrathecal.core.program import Prescription, Solution
from intrathecal.core.quantities import Duration, Volume, VolumeRate
from intrathecal.device.telemetry.errors import ErrorCode, TelemetryError
from intrathecal.device.telemetry.frame import LinkRole
from intrathecal.device.telemetry.program_codec import (
    read_prescription,
    read_solution,
    write_prescription,
    write_solution,
)
from intrathecal.device.telemetry.wire import Reader, Writer

TEXT_LIMIT = 255  # bytes: the most a one-byte length prefix can announce
E = TypeVar("E", bound=enum.IntEnum)


class MessageType(enum.IntEnum):
    """Wire value of the ``type`` header byte."""

    INTERROGATE = 0x01
    PROGRAM = 0x02
    REFILL = 0x03
    CLINICIAN_BOLUS = 0x04
    BRIDGE_BOLUS = 0x05
    PRIME = 0x06
    STOP = 0x07
    RESUME = 0x08
    SET_ALARM_THRESHOLD = 0x09
    CLEAR_FAULT = 0x0A
    PATIENT_BOLUS = 0x20
    PATIENT_STATUS = 0x21
    ACK = 0x80
    STATUS_REPORT = 0x81
    BOLUS_DECISION = 0x82
    PATIENT_STATUS_REPORT = 0x83
    ERROR = 0xFF

    @property
    def is_request(self) -> bool:
        """True for controller-to-pump messages."""
        return self < 0x80


class BolusReason(enum.IntEnum):
    """Why a patient bolus request was granted or denied (one byte)."""

    GRANTED = 0
    LOCKOUT = 1
    DAILY_MAXIMUM = 2
    NOT_CONFIGURED = 3
    PUMP_STOPPED = 4
    ALARM = 5
    BOLUS_RUNNING = 6
    RESERVOIR_LOW = 7


def clip(text: str, limit: int = TEXT_LIMIT) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes (whole characters only)."""
    data = text.encode("utf-8")[:limit]
    return data.decode("utf-8", errors="ignore")


def _read_enum(kind: type[E], value: int, what: str) -> E:
    try:
        return kind(value)
    except ValueError:
        raise TelemetryError(
            ErrorCode.MALFORMED_PAYLOAD, f"{what} {value} is not a defined value"
        ) from None


class Message:
    """Base of all messages: a type byte and a payload layout."""

    TYPE: ClassVar[MessageType]

    def write(self, w: Writer) -> None:
        """Append this message's fields (none by default)."""

    @classmethod
    def read(cls, r: Reader) -> Self:
        """Read this message's fields (none by default)."""
        return cls()


# --- requests -----------------------------------------------------------------------


@dataclass(frozen=True)
class Interrogate(Message):
    """Ask for the full status and a page of the event log starting at ``log_from``."""

    TYPE = MessageType.INTERROGATE
    log_from: int = 0
    log_max: int = 16

    def write(self, w: Writer) -> None:
        w.u32(self.log_from, "log start")
        w.u16(self.log_max, "log page size")

    @classmethod
    def read(cls, r: Reader) -> Self:
        return cls(r.u32("log start"), r.u16("log page size"))


@dataclass(frozen=True)
class Program(Message):
    """Replace the standing prescription (solution must match the reservoir)."""

    TYPE = MessageType.PROGRAM
    prescription: Prescription

    def write(self, w: Writer) -> None:
        write_prescription(w, self.prescription)

    @classmethod
    def read(cls, r: Reader) -> Self:
        return cls(read_prescription(r))


@dataclass(frozen=True)
class Refill(Message):
    """A refill: ``withdrawn`` aspirated (as measured), ``added`` of ``solution`` injected.

    ``declared_volume`` is the reservoir volume the clinician enters; without it the pump
    takes ``added`` (everything was aspirated first).
    """

    TYPE = MessageType.REFILL
    withdrawn: Volume
    added: Volume
    solution: Solution
    declared_volume: Volume | None = None

    def write(self, w: Writer) -> None:
        w.volume(self.withdrawn, "withdrawn volume")
        w.volume(self.added, "added volume")
        write_solution(w, self.solution)
        w.flag(self.declared_volume is not None)
        if self.declared_volume is not None:
            w.volume(self.declared_volume, "declared reservoir volume")

    @classmethod
    def read(cls, r: Reader) -> Self:
        withdrawn, added = r.volume("withdrawn volume"), r.volume("added volume")
        solution = read_solution(r)
        declared = r.volume("declared reservoir volume") if r.flag("declared present") else None
        return cls(withdrawn, added, solution, declared)


@dataclass(frozen=True)
class BolusCommand(Message):
    """A one-off bolus of ``volume`` over ``duration``."""

    volume: Volume
    duration: Duration

    def write(self, w: Writer) -> None:
        w.volume(self.volume, "bolus volume")
        w.duration(self.duration, "bolus duration")

    @classmethod
    def read(cls, r: Reader) -> Self:
        return cls(r.volume("bolus volume"), r.duration("bolus duration"))


@dataclass(frozen=True)
class ClinicianBolusCommand(BolusCommand):
    """A clinician bolus from the current reservoir."""

    TYPE = MessageType.CLINICIAN_BOLUS


@dataclass(frozen=True)
class BridgeBolusCommand(Message):
    """Push the old solution out of pump and catheter after a concentration change."""

    TYPE = MessageType.BRIDGE_BOLUS
    volume: Volume
    duration: Duration
    old_solution: Solution

    def write(self, w: Writer) -> None:
        w.volume(self.volume, "bridge volume")
        w.duration(self.duration, "bridge duration")
        write_solution(w, self.old_solution)

    @classmethod
    def read(cls, r: Reader) -> Self:
        return cls(r.volume("bridge volume"), r.duration("bridge duration"), read_solution(r))


@dataclass(frozen=True)
class PrimeCommand(BolusCommand):
    """A priming bolus that fills an empty catheter."""

    TYPE = MessageType.PRIME


@dataclass(frozen=True)
class Stop(Message):
    """Stop infusion (the pump keeps its program)."""

    TYPE = MessageType.STOP


@dataclass(frozen=True)
class Resume(Message):
    """Resume the standing program."""

    TYPE = MessageType.RESUME


@dataclass(frozen=True)
class SetAlarmThreshold(Message):
    """Set the low-reservoir alarm volume."""

    TYPE = MessageType.SET_ALARM_THRESHOLD
    volume: Volume

    def write(self, w: Writer) -> None:
        w.volume(self.volume, "alarm threshold")

    @classmethod
    def read(cls, r: Reader) -> Self:
        return cls(r.volume("alarm threshold"))


@dataclass(frozen=True)
class ClearFault(Message):
    """Reset a detected fault (a stall, a closed valve) once its cause is dealt with."""

    TYPE = MessageType.CLEAR_FAULT


@dataclass(frozen=True)
class PatientBolusRequest(Message):
    """The patient presses the bolus button; the pump decides."""

    TYPE = MessageType.PATIENT_BOLUS


@dataclass(frozen=True)
class PatientStatusRequest(Message):
    """The patient controller reads the limited status."""

    TYPE = MessageType.PATIENT_STATUS


# --- replies -----------------------------------------------------------------------


@dataclass(frozen=True)
class Ack(Message):
    """A command was carried out; ``state`` is the pump state afterwards."""

    TYPE = MessageType.ACK
    command: MessageType
    state: str

    def write(self, w: Writer) -> None:
        w.u8(int(self.command), "acknowledged type")
        w.text(clip(self.state), "state")

    @classmethod
    def read(cls, r: Reader) -> Self:
        command = _read_enum(MessageType, r.u8("acknowledged type"), "acknowledged type")
        return cls(command, r.text("state"))


@dataclass(frozen=True)
class AlarmInfo:
    """One active alarm as reported over the air."""

    name: str
    critical: bool
    since: datetime
    message: str

    def write(self, w: Writer) -> None:
        """Name, critical flag, start time, message."""
        w.text(clip(self.name), "alarm name")
        w.flag(self.critical)
        w.timestamp(self.since, "alarm time")
        w.text(clip(self.message), "alarm message")

    @classmethod
    def read(cls, r: Reader) -> AlarmInfo:
        """Inverse of ``write``."""
        name, critical = r.text("alarm name"), r.flag("alarm critical")
        return cls(name, critical, r.timestamp("alarm time"), r.text("alarm message"))


@dataclass(frozen=True)
class LogEntry:
    """One event-log record as reported over the air."""

    index: int
    time: datetime
    kind: str
    message: str

    def write(self, w: Writer) -> None:
        """Index, time, kind, message."""
        w.u32(self.index, "log index")
        w.timestamp(self.time, "log time")
        w.text(clip(self.kind), "log kind")
        w.text(clip(self.message), "log message")

    @classmethod
    def read(cls, r: Reader) -> LogEntry:
        """Inverse of ``write``."""
        index, time = r.u32("log index"), r.timestamp("log time")
        return cls(index, time, r.text("log kind"), r.text("log message"))


def _write_alarms(w: Writer, alarms: tuple[AlarmInfo, ...]) -> None:
    w.u8(len(alarms), "alarm count")
    for alarm in alarms:
        alarm.write(w)


def _read_alarms(r: Reader) -> tuple[AlarmInfo, ...]:
    return tuple(AlarmInfo.read(r) for _ in range(r.u8("alarm count")))


def _write_optional_time(w: Writer, value: datetime | None, what: str) -> None:
    w.flag(value is not None)
    if value is not None:
        w.timestamp(value, what)


def _read_optional_time(r: Reader, what: str) -> datetime | None:
    return r.timestamp(what) if r.flag(f"{what} present") else None


@dataclass(frozen=True)
class StatusReport(Message):
    """The clinician's interrogation: the pump's own view, alarms and a page of its log.

    Volumes here are what the pump calculates (it has no level sensor), never ground truth.
    """

    TYPE = MessageType.STATUS_REPORT
    pump_serial: str
    model: str
    time: datetime
    mode: str
    reservoir: Volume
    low_reservoir_threshold: Volume | None
    solution: Solution | None
    prescription: Prescription | None
    programmed_rate: VolumeRate
    alarms: tuple[AlarmInfo, ...]
    battery: str
    eri_at: datetime | None
    eos_at: datetime | None
    motor_stalled: bool
    valve_closed: bool
    active_bolus: str
    patient_boluses_last_24h: int
    next_patient_bolus_at: datetime | None
    projected_low_reservoir_at: datetime | None
    projected_empty_at: datetime | None
    solution_matches_program: bool
    rejected_frames: int
    log_total: int
    log: tuple[LogEntry, ...]

    def write(self, w: Writer) -> None:
        w.text(clip(self.pump_serial), "serial")
        w.text(clip(self.model), "model")
        w.timestamp(self.time, "pump time")
        w.text(clip(self.mode), "mode")
        w.volume(self.reservoir, "reservoir")
        w.flag(self.low_reservoir_threshold is not None)
        if self.low_reservoir_threshold is not None:
            w.volume(self.low_reservoir_threshold, "low-reservoir threshold")
        w.flag(self.solution is not None)
        if self.solution is not None:
            write_solution(w, self.solution)
        w.flag(self.prescription is not None)
        if self.prescription is not None:
            write_prescription(w, self.prescription)
        w.volume_rate(self.programmed_rate, "programmed rate")
        _write_alarms(w, self.alarms)
        w.text(clip(self.battery), "battery")
        _write_optional_time(w, self.eri_at, "ERI time")
        _write_optional_time(w, self.eos_at, "EOS time")
        w.flag(self.motor_stalled)
        w.flag(self.valve_closed)
        w.text(clip(self.active_bolus), "active bolus")
        w.u8(self.patient_boluses_last_24h, "patient boluses in 24 h")
        _write_optional_time(w, self.next_patient_bolus_at, "next patient bolus time")
        _write_optional_time(w, self.projected_low_reservoir_at, "projected low time")
        _write_optional_time(w, self.projected_empty_at, "projected empty time")
        w.flag(self.solution_matches_program)
        w.u32(self.rejected_frames, "rejected frames")
        w.u32(self.log_total, "log size")
        w.u16(len(self.log), "log page length")
        for entry in self.log:
            entry.write(w)

    @classmethod
    def read(cls, r: Reader) -> Self:
        serial, model = r.text("serial"), r.text("model")
        time, mode = r.timestamp("pump time"), r.text("mode")
        reservoir = r.volume("reservoir")
        threshold = r.volume("low-reservoir threshold") if r.flag("threshold present") else None
        solution = read_solution(r) if r.flag("solution present") else None
        prescription = read_prescription(r) if r.flag("prescription present") else None
        rate = r.volume_rate("programmed rate")
        alarms = _read_alarms(r)
        battery = r.text("battery")
        eri_at, eos_at = _read_optional_time(r, "ERI time"), _read_optional_time(r, "EOS time")
        stalled, valve = r.flag("motor stalled"), r.flag("valve closed")
        active_bolus = r.text("active bolus")
        boluses = r.u8("patient boluses in 24 h")
        next_bolus = _read_optional_time(r, "next patient bolus time")
        low_at = _read_optional_time(r, "projected low time")
        empty_at = _read_optional_time(r, "projected empty time")
        matches = r.flag("solution matches program")
        rejected = r.u32("rejected frames")
        total = r.u32("log size")
        log = tuple(LogEntry.read(r) for _ in range(r.u16("log page length")))
        return cls(
            serial, model, time, mode, reservoir, threshold, solution, prescription, rate,
            alarms, battery, eri_at, eos_at, stalled, valve, active_bolus, boluses,
            next_bolus, low_at, empty_at, matches, rejected, total, log,
        )  # fmt: skip


@dataclass(frozen=True)
class BolusDecision(Message):
    """The pump's answer to a patient bolus request, with its reason."""

    TYPE = MessageType.BOLUS_DECISION
    granted: bool
    reason: BolusReason
    volume: Volume
    used_today: int
    max_per_day: int
    next_allowed: datetime | None
    detail: str

    def write(self, w: Writer) -> None:
        w.flag(self.granted)
        w.u8(int(self.reason), "bolus reason")
        w.volume(self.volume, "bolus volume")
        w.u8(self.used_today, "boluses used today")
        w.u8(self.max_per_day, "boluses per day")
        _write_optional_time(w, self.next_allowed, "next allowed time")
        w.text(clip(self.detail), "detail")

    @classmethod
    def read(cls, r: Reader) -> Self:
        granted = r.flag("granted")
        reason = _read_enum(BolusReason, r.u8("bolus reason"), "bolus reason")
        if granted != (reason is BolusReason.GRANTED):
            raise TelemetryError(
                ErrorCode.MALFORMED_PAYLOAD, "granted flag contradicts the bolus reason"
            )
        volume = r.volume("bolus volume")
        used, per_day = r.u8("boluses used today"), r.u8("boluses per day")
        next_allowed = _read_optional_time(r, "next allowed time")
        return cls(granted, reason, volume, used, per_day, next_allowed, r.text("detail"))


@dataclass(frozen=True)
class PatientStatus(Message):
    """What the patient controller may show: state, alarms, bolus availability."""

    TYPE = MessageType.PATIENT_STATUS_REPORT
    time: datetime
    state: str
    alarms: tuple[AlarmInfo, ...]
    bolus_configured: bool
    used_today: int
    max_per_day: int
    next_allowed: datetime | None

    def write(self, w: Writer) -> None:
        w.timestamp(self.time, "pump time")
        w.text(clip(self.state), "state")
        _write_alarms(w, self.alarms)
        w.flag(self.bolus_configured)
        w.u8(self.used_today, "boluses used today")
        w.u8(self.max_per_day, "boluses per day")
        _write_optional_time(w, self.next_allowed, "next allowed time")

    @classmethod
    def read(cls, r: Reader) -> Self:
        time, state = r.timestamp("pump time"), r.text("state")
        alarms = _read_alarms(r)
        configured = r.flag("bolus configured")
        used, per_day = r.u8("boluses used today"), r.u8("boluses per day")
        return cls(
            time, state, alarms, configured, used, per_day,
            _read_optional_time(r, "next allowed time"),
        )  # fmt: skip


@dataclass(frozen=True)
class ErrorReply(Message):
    """The pump refused a frame or command; ``code`` says why."""

    TYPE = MessageType.ERROR
    code: ErrorCode
    detail: str

    def write(self, w: Writer) -> None:
        w.u16(int(self.code), "error code")
        w.text(clip(self.detail), "detail")

    @classmethod
    def read(cls, r: Reader) -> Self:
        code = _read_enum(ErrorCode, r.u16("error code"), "error code")
        return cls(code, r.text("detail"))


MESSAGES: dict[MessageType, type[Message]] = {
    cls.TYPE: cls
    for cls in (
        Interrogate, Program, Refill, ClinicianBolusCommand, BridgeBolusCommand, PrimeCommand,
        Stop, Resume, SetAlarmThreshold, ClearFault, PatientBolusRequest, PatientStatusRequest,
        Ack, StatusReport, BolusDecision, PatientStatus, ErrorReply,
    )
}  # fmt: skip

#: Which link roles may send each request. Replies are sent by the pump only.
ALLOWED_ROLES: dict[MessageType, frozenset[LinkRole]] = {
    **{
        t: frozenset({LinkRole.CLINICIAN})
        for t in MessageType
        if t.is_request and t not in (MessageType.PATIENT_BOLUS, MessageType.PATIENT_STATUS)
    },
    MessageType.PATIENT_BOLUS: frozenset({LinkRole.PATIENT}),
    MessageType.PATIENT_STATUS: frozenset({LinkRole.CLINICIAN, LinkRole.PATIENT}),
}


def message_type(value: int) -> MessageType:
    """The ``MessageType`` for a header byte; an undefined byte is ``UNKNOWN_TYPE``."""
    try:
        return MessageType(value)
    except ValueError:
        raise TelemetryError(ErrorCode.UNKNOWN_TYPE, f"message type {value:#04x}") from None


def encode_message(message: Message) -> bytes:
    """The payload bytes of ``message``."""
    w = Writer()
    message.write(w)
    return w.bytes()


def decode_message(msg_type: int, payload: bytes) -> Message:
    """Rebuild the message of type ``msg_type`` from ``payload``; raises only TelemetryError."""
    kind = MESSAGES[message_type(msg_type)]
    r = Reader(payload)
    message = kind.read(r)
    r.finish()
    return message


def check_role(msg_type: MessageType, role: LinkRole) -> None:
    """Refuse a request the sender's link role may not issue (``ROLE_FORBIDDEN``)."""
    if role not in ALLOWED_ROLES.get(msg_type, frozenset()):
        raise TelemetryError(
            ErrorCode.ROLE_FORBIDDEN, f"a {role.label} may not send {msg_type.name}"
        )

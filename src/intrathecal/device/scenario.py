"""Scripted pump scenarios: read a YAML file, run it through telemetry, report what happened.

A scenario names a pump model, a catheter, a start time, the first fill and prescription,
a duration and timed events (refills, program changes, patient and clinician boluses,
stop/resume, faults). ``run_scenario`` drives a ``Pump`` through a ``PumpEndpoint``: every
therapy change goes through the ``ClinicianProgrammer`` or ``PatientController`` as
authenticated frames; only physical events (faults) touch the pump directly. The result
is a timeline, a summary (drug to CSF and to tissue, alarms with times, boluses granted
and denied) and regular samples for plotting. Bad files raise ``ScenarioError`` naming
the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from intrathecal.core.errors import CoreError
from intrathecal.core.program import Prescription
from intrathecal.core.program_spec import prescription_from_dict
from intrathecal.core.quantities import DoseRate, Duration, Mass, Volume
from intrathecal.core.safety import DosingProfile, OpioidStatus, Override, SpasticityOrigin
from intrathecal.device.catheter import Catheter, Integrity
from intrathecal.device.endpoint import PumpEndpoint
from intrathecal.device.errors import DeviceError
from intrathecal.device.events import Alarm
from intrathecal.device.faults import (
    CatheterFault,
    Fault,
    LowBatteryReset,
    MagneticExposure,
    MotorStall,
)
from intrathecal.device.models import PumpModel, catheter_defaults, pump_model
from intrathecal.device.patient_controller import PatientController
from intrathecal.device.programmer import ClinicianProgrammer, RefillOutcome
from intrathecal.device.pump import Pump
from intrathecal.device.telemetry.errors import TelemetryError
from intrathecal.device.telemetry.frame import LinkRole

SAMPLES = 400
EVENT_KINDS = (
    "refill",
    "program",
    "patient_bolus",
    "clinician_bolus",
    "prime",
    "stop",
    "resume",
    "clear_fault",
    "alarm_threshold",
    "fault",
)


class ScenarioError(DeviceError):
    """A scenario file is missing a field or holds a bad value; the message names the field."""


# --- the scenario as values ---------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One scripted action ``after`` the start; ``body`` is its checked parameters."""

    after: Duration
    kind: str
    body: Mapping[str, Any]
    path: str


@dataclass(frozen=True)
class Scenario:
    """A parsed scenario file."""

    name: str
    model: PumpModel
    serial: str
    catheter: Catheter
    start: datetime
    duration: Duration
    fill: Volume
    prescription: Prescription
    low_reservoir_alarm: Volume | None
    flow_factor: Fraction
    events: tuple[Event, ...]
    patient: DosingProfile = field(default_factory=DosingProfile)
    override: Override | None = None


def _where(path: str, message: str) -> ScenarioError:
    return ScenarioError(f"{path}: {message}")


def _map(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _where(path, f"expected a mapping, got {type(value).__name__}")
    return value


def _need(body: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in body or body[key] is None:
        raise _where(f"{path}.{key}" if path else key, "missing")
    return body[key]


def _quantity(kind: type[Any], value: object, path: str) -> Any:
    if not isinstance(value, str):
        raise _where(path, f"expected a {kind.KIND} with its unit, e.g. '{kind.EXAMPLE}'")
    try:
        return kind.parse(value)
    except CoreError as exc:
        raise _where(path, str(exc)) from None


def _time(value: object, path: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise _where(
                path, f"expected an ISO time such as 2026-01-05T09:00Z, got {value!r}"
            ) from None
    else:
        raise _where(path, "expected an ISO date-time with a time zone")
    if moment.tzinfo is None:
        raise _where(path, "the start time needs a time zone (e.g. 'Z' or '+01:00')")
    return moment


def _prescription(value: object, path: str) -> Prescription:
    try:
        return prescription_from_dict(value)
    except CoreError as exc:
        raise _where(path, str(exc)) from None


def _check_keys(body: Mapping[str, Any], allowed: tuple[str, ...], path: str) -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        where = f"{path}.{unknown[0]}" if path else unknown[0]
        raise _where(where, f"unknown field; expected one of {', '.join(allowed)}")


def _catheter(value: object) -> Catheter:
    body = _map(value or {}, "catheter")
    _check_keys(body, ("length_cm", "volume_per_cm", "tip_level"), "catheter")
    defaults = catheter_defaults()
    try:
        length = Fraction(str(body.get("length_cm", defaults.length_cm.value)))
    except (ValueError, ZeroDivisionError):
        raise _where("catheter.length_cm", "expected a number of centimetres") from None
    per_cm = (
        _quantity(Volume, body["volume_per_cm"], "catheter.volume_per_cm")
        if "volume_per_cm" in body
        else defaults.volume_per_cm.value
    )
    try:
        return Catheter(length, per_cm, str(body.get("tip_level", "T10")))
    except DeviceError as exc:
        raise _where("catheter", str(exc)) from None


_EVENT_FIELDS: Mapping[str, tuple[str, ...]] = {
    "refill": (
        "added",
        "residual",
        "declared",
        "prescription",
        "alarm_threshold",
        "bridge",
        "override",
    ),
    "program": ("prescription", "override"),
    "patient_bolus": ("count", "every"),
    "clinician_bolus": ("volume", "duration"),
    "prime": ("volume", "duration"),
    "stop": (),
    "resume": (),
    "clear_fault": (),
    "alarm_threshold": ("volume",),
    "fault": ("motor_stall", "catheter", "tissue_fraction", "low_battery_reset", "mri"),
}


def _event(raw: object, index: int) -> Event:
    path = f"events[{index}]"
    body = _map(raw, path)
    after = _quantity(Duration, _need(body, "at", path), f"{path}.at")
    kinds = [k for k in body if k != "at"]
    if len(kinds) != 1 or kinds[0] not in EVENT_KINDS:
        raise _where(path, f"expected 'at' and exactly one of {', '.join(EVENT_KINDS)}")
    kind = kinds[0]
    params = body[kind] or {}
    if kind == "alarm_threshold" and isinstance(params, str):
        params = {"volume": params}
    params = _map(params, f"{path}.{kind}")
    _check_keys(params, _EVENT_FIELDS[kind], f"{path}.{kind}")
    event = Event(after, kind, params, f"{path}.{kind}")
    _validate(event)
    return event


def _validate(event: Event) -> None:
    """Parse every field now so a bad file fails before anything runs."""
    b, p = event.body, event.path
    if event.kind == "refill":
        _quantity(Volume, _need(b, "added", p), f"{p}.added")
        for key in ("residual", "declared", "alarm_threshold"):
            if key in b:
                _quantity(Volume, b[key], f"{p}.{key}")
        if "prescription" in b:
            _prescription(b["prescription"], f"{p}.prescription")
    elif event.kind == "program":
        _prescription(_need(b, "prescription", p), f"{p}.prescription")
        if "override" in b:
            _override(b["override"], f"{p}.override")
    elif event.kind == "patient_bolus":
        count = b.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise _where(f"{p}.count", f"expected a whole number of at least 1, got {count!r}")
        if count > 1:
            _quantity(Duration, _need(b, "every", p), f"{p}.every")
    elif event.kind in ("clinician_bolus", "prime"):
        for key in ("volume", "duration"):
            if key in b or event.kind == "clinician_bolus":
                kind = Volume if key == "volume" else Duration
                _quantity(kind, _need(b, key, p), f"{p}.{key}")
    elif event.kind == "alarm_threshold":
        _quantity(Volume, _need(b, "volume", p), f"{p}.volume")
    elif event.kind == "fault":
        _fault(b, p)


def _override(value: object, path: str) -> Override:
    body = _map(value, path)
    _check_keys(body, ("codes", "reason", "clinician", "second_clinician"), path)
    codes = _need(body, "codes", path)
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise _where(f"{path}.codes", "expected a list of finding codes")
    try:
        return Override(
            frozenset(codes),
            str(_need(body, "reason", path)),
            str(_need(body, "clinician", path)),
            str(_need(body, "second_clinician", path)),
        )
    except CoreError as exc:
        raise _where(path, str(exc)) from None


def _patient(value: object) -> DosingProfile:
    """The patient's dosing profile (``opioid_status``, ``psychosis_history``, ...)."""
    body = _map(value, "patient")
    fields = ("opioid_status", "psychosis_history", "spasticity_origin", "cancer_pain")
    _check_keys(body, fields, "patient")
    for flag in ("psychosis_history", "cancer_pain"):
        if flag in body and not isinstance(body[flag], bool):
            raise _where(f"patient.{flag}", "expected true or false")
    try:
        origin = body.get("spasticity_origin")
        return DosingProfile(
            opioid_status=OpioidStatus(str(body.get("opioid_status", "unknown"))),
            psychosis_history=body.get("psychosis_history"),
            spasticity_origin=None if origin is None else SpasticityOrigin(str(origin)),
            cancer_pain=body.get("cancer_pain"),
        )
    except ValueError as exc:
        raise _where("patient", str(exc)) from None


def _fault(body: Mapping[str, Any], path: str) -> Fault:
    chosen = [k for k in ("motor_stall", "catheter", "low_battery_reset", "mri") if k in body]
    if len(chosen) != 1:
        raise _where(path, "expected exactly one of motor_stall, catheter, low_battery_reset, mri")
    kind = chosen[0]
    try:
        if kind == "motor_stall":
            stall = _map(body[kind] or {}, f"{path}.motor_stall")
            _check_keys(stall, ("recover_after",), f"{path}.motor_stall")
            recover = stall.get("recover_after")
            if recover is None:
                return MotorStall()
            return MotorStall(_quantity(Duration, recover, f"{path}.motor_stall.recover_after"))
        if kind == "catheter":
            try:
                integrity = Integrity(body["catheter"])
            except ValueError:
                options = ", ".join(i.value for i in Integrity)
                raise _where(f"{path}.catheter", f"expected one of {options}") from None
            share = body.get("tissue_fraction")
            fraction = Fraction(str(share)) if share is not None else None
            return CatheterFault(integrity, fraction)
        if kind == "low_battery_reset":
            return LowBatteryReset()
        mri = _map(body["mri"], f"{path}.mri")
        duration = _quantity(
            Duration, _need(mri, "duration", f"{path}.mri"), f"{path}.mri.duration"
        )
        delay = _quantity(Duration, mri.get("recovery_delay", "0 h"), f"{path}.mri.recovery_delay")
        return MagneticExposure(duration, delay)
    except (ValueError, ZeroDivisionError, DeviceError) as exc:
        if isinstance(exc, ScenarioError):
            raise
        raise _where(path, str(exc)) from None


def parse_scenario(data: object) -> Scenario:
    """A ``Scenario`` from plain data (a parsed YAML document)."""
    root = _map(data, "scenario")
    _check_keys(
        root,
        (
            "name",
            "pump",
            "catheter",
            "start",
            "duration",
            "fill",
            "prescription",
            "events",
            "patient",
            "override",
        ),
        "",
    )
    pump = _map(_need(root, "pump", ""), "pump")
    _check_keys(pump, ("model", "serial", "low_reservoir_alarm", "flow_factor"), "pump")
    try:
        model = pump_model(str(_need(pump, "model", "pump")))
    except DeviceError as exc:
        raise _where("pump.model", str(exc)) from None
    if not (model.programmable and model.has_telemetry):
        raise _where(
            "pump.model",
            f"{model.key} is a fixed-rate pump without telemetry; scenarios drive the pump "
            "through its programmer, so they need a programmable model",
        )
    alarm = pump.get("low_reservoir_alarm")
    try:
        flow_factor = Fraction(str(pump.get("flow_factor", 1)))
    except (ValueError, ZeroDivisionError):
        raise _where("pump.flow_factor", "expected a number such as 1 or 0.9") from None
    events_raw = root.get("events") or []
    if not isinstance(events_raw, list):
        raise _where("events", "expected a list of events")
    events = tuple(_event(raw, i) for i, raw in enumerate(events_raw))
    duration = _quantity(Duration, _need(root, "duration", ""), "duration")
    if duration.is_negative() or duration.is_zero():
        raise _where("duration", "must be above zero")
    for event in events:
        if event.after.is_negative() or event.after > duration:
            raise _where(f"{event.path.rsplit('.', 1)[0]}.at", "must lie within the duration")
    return Scenario(
        name=str(root.get("name", "scenario")),
        model=model,
        serial=str(pump.get("serial", "SIM-0001")),
        catheter=_catheter(root.get("catheter")),
        start=_time(_need(root, "start", ""), "start"),
        duration=duration,
        fill=_quantity(Volume, _need(root, "fill", ""), "fill"),
        prescription=_prescription(_need(root, "prescription", ""), "prescription"),
        low_reservoir_alarm=_quantity(Volume, alarm, "pump.low_reservoir_alarm") if alarm else None,
        flow_factor=flow_factor,
        events=tuple(sorted(events, key=lambda e: e.after)),
        patient=_patient(root.get("patient", {})),
        override=_override(root["override"], "override") if "override" in root else None,
    )


def load_scenario(path: Path) -> Scenario:
    """Read and parse a scenario file."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ScenarioError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from None
    return parse_scenario(data)


# --- running ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened, at its simulated time."""

    at: datetime
    kind: str
    text: str


@dataclass(frozen=True)
class Sample:
    """The pump at one moment: calculated and true reservoir, the dose rate leaving the
    reservoir per drug (programmed rate × reservoir concentration; during a bridge bolus
    the catheter still delivers the old solution) and, as ground truth, the drug delivered
    to the CSF so far."""

    at: datetime
    reservoir: Volume
    true_reservoir: Volume
    dose_rates: Mapping[str, DoseRate]
    drug_to_csf: Mapping[str, Mass]


@dataclass(frozen=True)
class AlarmRecord:
    """An alarm with its time."""

    at: datetime
    kind: str
    critical: bool
    message: str


@dataclass(frozen=True)
class RefillRecord:
    """One refill as the programmer saw it: residual check and the planned dates."""

    at: datetime
    expected_residual: Volume
    measured_residual: Volume
    discrepancy: Volume
    investigate: bool
    reservoir_after: Volume
    bridge_volume: Volume | None
    alarm_expected: datetime | None
    empty_expected: datetime | None
    next_refill_due: datetime | None


@dataclass(frozen=True)
class Summary:
    """What the scenario delivered and raised."""

    to_csf: Volume
    to_tissue: Volume
    drug_to_csf: Mapping[str, Mass]
    drug_to_tissue: Mapping[str, Mass]
    final_reservoir: Volume
    final_true_reservoir: Volume
    alarms: tuple[AlarmRecord, ...]
    boluses_granted: int
    boluses_denied: int
    denial_reasons: Mapping[str, int]
    refused_commands: int
    refills: tuple[RefillRecord, ...]
    unverified_model_values: tuple[str, ...]


@dataclass(frozen=True)
class ScenarioResult:
    """Timeline, summary and samples of one run."""

    name: str
    model: str
    serial: str
    start: datetime
    end: datetime
    timeline: tuple[TimelineEntry, ...]
    summary: Summary
    samples: tuple[Sample, ...] = field(repr=False)


class _Run:
    def __init__(self, scenario: Scenario) -> None:
        self.s = scenario
        self.pump = Pump(
            scenario.model,
            scenario.catheter,
            scenario.serial,
            scenario.start,
            low_reservoir_threshold=scenario.low_reservoir_alarm,
            catheter_primed=True,
            flow_factor=scenario.flow_factor,
        )
        self.endpoint = PumpEndpoint(self.pump)
        self.programmer = ClinicianProgrammer(
            self.endpoint.pair(LinkRole.CLINICIAN),
            self.endpoint.handle,
            catheter_volume=scenario.catheter.volume,
            profile=scenario.patient,
        )
        self.patient = PatientController(self.endpoint.pair(LinkRole.PATIENT), self.endpoint.handle)
        self.timeline: list[TimelineEntry] = []
        self.alarms: list[AlarmRecord] = []
        self.samples: list[Sample] = []
        self.granted = 0
        self.denied: dict[str, int] = {}
        self.refused = 0
        self.refills: list[RefillRecord] = []

    def note(self, kind: str, text: str) -> None:
        self.timeline.append(TimelineEntry(self.pump.now, kind, text))

    def advance(self, when: datetime) -> None:
        if when <= self.pump.now:  # a multi-press bolus event already ran past this mark
            return
        for alarm in self.pump.advance_to(when):
            self._alarm(alarm)

    def _alarm(self, alarm: Alarm) -> None:
        record = AlarmRecord(alarm.at, alarm.kind.value, alarm.critical, alarm.message)
        self.alarms.append(record)
        level = "critical" if alarm.critical else "non-critical"
        self.timeline.append(TimelineEntry(alarm.at, "alarm", f"{level}: {alarm.message}"))

    def sample(self) -> None:
        status = self.pump.status()
        truth = self.pump.delivery()
        rates: dict[str, DoseRate] = {}
        if status.solution is not None and status.mode.value == "running":
            for component in status.solution.components:
                rates[component.drug] = component.concentration * status.programmed_rate
        self.samples.append(
            Sample(status.at, status.reservoir, truth.reservoir, rates, dict(truth.drug_to_csf))
        )

    def refill(
        self,
        body: Mapping[str, Any],
        prescription: Prescription,
        first: bool,
        override: Override | None = None,
    ) -> None:
        truth = self.pump.delivery().reservoir
        residual = (
            Volume.parse(body["residual"])
            if "residual" in body
            else Volume(Fraction(int(truth.to("mL") * 1_000_000), 1_000_000), "mL")
        )
        outcome = self.programmer.refill(
            measured_residual=residual,
            added=Volume.parse(body["added"]),
            prescription=prescription,
            declared_volume=Volume.parse(body["declared"]) if "declared" in body else None,
            alarm_threshold=(
                Volume.parse(body["alarm_threshold"]) if "alarm_threshold" in body else None
            ),
            bridge=bool(body.get("bridge", True)),
            override=_override(body["override"], "") if "override" in body else override,
        )
        self._refill_notes(outcome, first)

    def _refill_notes(self, outcome: RefillOutcome, first: bool) -> None:
        if not outcome.applied:
            self.refused += 1
            reasons = "; ".join(f.message for f in outcome.unaccepted)
            self.note("refused", f"refill not done, program refused by safety check: {reasons}")
            return
        res = outcome.residual
        plan = outcome.plan
        self.refills.append(
            RefillRecord(
                at=self.pump.now,
                expected_residual=res.expected,
                measured_residual=res.measured,
                discrepancy=res.discrepancy,
                investigate=res.investigate,
                reservoir_after=outcome.status.reservoir,
                bridge_volume=outcome.bridge.volume if outcome.bridge else None,
                alarm_expected=plan.alarm.at if plan else None,
                empty_expected=plan.empty.at if plan else None,
                next_refill_due=plan.due.at if plan else None,
            )
        )
        label = "initial fill" if first else "refill"
        text = f"{label}: reservoir {outcome.status.reservoir.format('mL')}"
        if not first:
            text += (
                f", residual measured {res.measured.format('mL')} vs expected "
                f"{res.expected.format('mL', 4)}"
            )
            if res.investigate:
                text += f" (differs by more than {res.limit.value}: investigate)"
        self.note("refill", text)
        if outcome.bridge is not None:
            self.note(
                "bolus",
                f"bridge bolus {outcome.bridge.volume.format('mL', 4)} over "
                f"{outcome.bridge.duration.format('h', 4)}",
            )
        if plan is not None:
            basis = " (if every allowed patient bolus is taken)" if plan.worst_case_used else ""
            margin = " (refill margin: unverified default)" if plan.due.margin.unverified else ""
            self.note(
                "plan",
                f"low-reservoir alarm expected {plan.alarm.at:%Y-%m-%d %H:%M}, empty "
                f"{plan.empty.at:%Y-%m-%d %H:%M}{basis}; next refill due "
                f"{plan.due.at:%Y-%m-%d}{margin}",
            )

    def apply(self, event: Event) -> None:
        b = event.body
        current = self.pump.status().prescription or self.s.prescription
        if event.kind == "refill":
            rx = _prescription(b["prescription"], "") if "prescription" in b else current
            self.refill(b, rx, first=False)
        elif event.kind == "program":
            rx = _prescription(b["prescription"], "")
            override = _override(b["override"], "") if "override" in b else None
            outcome = self.programmer.program(rx, override=override)
            if outcome.applied:
                self.note("program", f"new program sent ({len(outcome.report.findings)} findings)")
            else:
                self.refused += 1
                reasons = "; ".join(f.message for f in outcome.unaccepted)
                self.note("refused", f"program refused by safety check: {reasons}")
        elif event.kind == "patient_bolus":
            self._patient_boluses(b)
        elif event.kind == "clinician_bolus":
            self.programmer.bolus(Volume.parse(b["volume"]), Duration.parse(b["duration"]))
            self.note("bolus", f"clinician bolus {b['volume']} over {b['duration']}")
        elif event.kind == "prime":
            volume = Volume.parse(b["volume"]) if "volume" in b else None
            duration = Duration.parse(b["duration"]) if "duration" in b else None
            self.programmer.prime(volume, duration)
            self.note("bolus", "priming bolus started")
        elif event.kind == "stop":
            self.programmer.stop()
            self.note("command", "pump stopped")
        elif event.kind == "resume":
            self.programmer.resume()
            self.note("command", "pump resumed")
        elif event.kind == "clear_fault":
            self.programmer.clear_fault()
            self.note("command", "fault cleared")
        elif event.kind == "alarm_threshold":
            self.programmer.set_alarm_threshold(Volume.parse(b["volume"]))
            self.note("command", f"low-reservoir alarm set to {b['volume']}")
        elif event.kind == "fault":
            fault = _fault(b, event.path)
            self.note("fault", _describe_fault(fault))
            for alarm in self.pump.inject_fault(fault):
                self._alarm(alarm)

    def _patient_boluses(self, body: Mapping[str, Any]) -> None:
        count = int(body.get("count", 1))
        every = Duration.parse(body["every"]) if count > 1 else Duration.zero()
        first = self.pump.now
        for i in range(count):
            if i:
                self.advance(first + _delta(every.scaled(i)))
            answer = self.patient.request_bolus()
            if answer.granted:
                self.granted += 1
                self.note("bolus", f"patient bolus granted ({answer.volume.format('mL')})")
            else:
                self.denied[answer.reason.name.lower()] = (
                    self.denied.get(answer.reason.name.lower(), 0) + 1
                )
                self.note("denied", f"patient bolus denied: {answer.explanation}")

    def run(self) -> ScenarioResult:
        s = self.s
        end = s.start + _delta(s.duration)
        first_fill = {"added": s.fill.format("mL", 12), "residual": "0 mL"}
        self.refill(first_fill, s.prescription, True, s.override)
        step = _delta(s.duration.scaled(Fraction(1, SAMPLES)))
        marks = [s.start + step * i for i in range(1, SAMPLES)] + [end]
        events = list(s.events)
        self.sample()
        for mark in marks:
            while events and s.start + _delta(events[0].after) <= mark:
                event = events.pop(0)
                self.advance(s.start + _delta(event.after))
                try:
                    self.apply(event)
                except TelemetryError as exc:
                    self.refused += 1
                    self.note("refused", f"{event.kind} refused by the pump: {exc}")
            self.advance(mark)
            self.sample()
        return self._result(end)

    def _result(self, end: datetime) -> ScenarioResult:
        truth = self.pump.delivery()
        status = self.pump.status()
        summary = Summary(
            to_csf=truth.to_csf,
            to_tissue=truth.to_tissue,
            drug_to_csf=dict(truth.drug_to_csf),
            drug_to_tissue=dict(truth.drug_to_tissue),
            final_reservoir=status.reservoir,
            final_true_reservoir=truth.reservoir,
            alarms=tuple(self.alarms),
            boluses_granted=self.granted,
            boluses_denied=sum(self.denied.values()),
            denial_reasons=dict(self.denied),
            refused_commands=self.refused,
            refills=tuple(self.refills),
            unverified_model_values=_unverified(self.s.model),
        )
        timeline = tuple(sorted(self.timeline, key=lambda e: e.at))
        return ScenarioResult(
            self.s.name, self.s.model.key, self.s.serial, self.s.start, end, timeline, summary,
            tuple(self.samples),
        )  # fmt: skip


def _delta(duration: Duration) -> timedelta:
    return timedelta(microseconds=round(duration.to("s") * 1_000_000))


def _describe_fault(fault: Fault) -> str:
    if isinstance(fault, MotorStall):
        tail = f", recovers after {fault.recover_after}" if fault.recover_after else ""
        return f"motor stall{tail}"
    if isinstance(fault, CatheterFault):
        return f"catheter {fault.integrity.value}"
    if isinstance(fault, LowBatteryReset):
        return "low-battery reset"
    return f"MRI scan of {fault.duration}"


def _unverified(model: PumpModel) -> tuple[str, ...]:
    names = []
    for name in ("reservoir_capacity", "internal_volume", "min_rate", "max_rate",
                 "max_bolus_rate", "low_reservoir_default", "flow_accuracy_percent"):  # fmt: skip
        value = getattr(model, name)
        if value is not None and value.unverified:
            names.append(f"{name} = {value.value} (unverified default)")
    return tuple(names)


def run_scenario(scenario: Scenario) -> ScenarioResult:
    """Run ``scenario`` to its end and return what happened."""
    return _Run(scenario).run()

"""The implanted pump: exact event-driven delivery, alarms, event log and its own hard limits.

A ``Pump`` lives on its own simulated clock. Between commands it runs a piecewise-constant
program (basal ``Continuous`` or 24 h ``Flex``, ``PeriodicBolus`` entries, and any running
one-off or patient bolus); ``advance_to`` integrates that program in closed form, so a year
costs O(commands + events), never O(minutes). Every threshold (low reservoir, empty
reservoir, the battery's replacement indicator, the true reservoir running dry) is found at
its exact crossing time and reported as an ``Alarm`` with that time.

Two views are kept apart: what the pump knows (its *calculated* reservoir volume, program,
alarms, battery; see ``status``) and what really happened (true reservoir, drug that reached
the CSF or the tissue; see ``delivery``). They differ when the true flow differs from the
programmed one (``flow_factor``, body temperature for fixed-rate pumps), when the catheter is
occluded, torn, disconnected or migrated (the pump cannot tell), or after a refill error.

The pump enforces its own limits whatever its controllers send: rate range, flex step count,
bolus flow, reservoir capacity, patient-bolus lockout and count per rolling 24 h, and no
delivery when stopped, stalled or at end of service. A refused command raises a typed
``DeviceError`` and changes nothing but a ``command_refused`` entry in the log. Public values
are unit-typed; internally the pump uses floats in mL and seconds since its creation.

The pump orchestrates collaborators, each owning one part of the state: ``Regime`` (the
delivery integrator: schedule since the last rate change, exact crossing times),
``Reservoir`` (calculated and true volumes, alarm levels), ``FlowPath`` (catheter, valve,
true-flow factors, line contents), ``Boluses`` (running boluses, patient gate),
``BatteryClock`` (use, ERI, EOS), ``AlarmBoard`` and ``EventLog``; typed values cross into
floats through ``conversions``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Concatenate, ParamSpec, TypeVar

from intrathecal.core.program import (
    BridgeBolus,
    ClinicianBolus,
    Continuous,
    Prescription,
    PrimingBolus,
    Solution,
)
from intrathecal.core.quantities import Duration, Volume, VolumeRate
from intrathecal.device.alarm_board import AlarmBoard
from intrathecal.device.battery import BatteryClock, BatteryModel
from intrathecal.device.catheter import Catheter
from intrathecal.device.contents import NO_DRUG, Contents
from intrathecal.device.conversions import (
    battery_model as _battery_model,
)
from intrathecal.device.conversions import (
    checked_program as _checked_program,
)
from intrathecal.device.conversions import (
    describe_basal as _describe_basal,
)
from intrathecal.device.conversions import (
    describe_solution as _describe_solution,
)
from intrathecal.device.conversions import (
    flex_cycle as _flex_cycle,
)
from intrathecal.device.conversions import (
    in_ml as _in_ml,
)
from intrathecal.device.conversions import (
    masses as _masses,
)
from intrathecal.device.conversions import (
    ml as _ml,
)
from intrathecal.device.conversions import (
    ml_per_day as _rate,
)
from intrathecal.device.conversions import (
    ml_text as _ml_text,
)
from intrathecal.device.conversions import (
    per_s as _per_s,
)
from intrathecal.device.conversions import (
    pure as _pure,
)
from intrathecal.device.conversions import (
    threshold_ml as _threshold_ml,
)
from intrathecal.device.errors import (
    BolusInProgress,
    ClockError,
    DeviceError,
    DeviceInputError,
    NotProgrammable,
    PumpStateError,
)
from intrathecal.device.event_log import EventLog
from intrathecal.device.events import Alarm, AlarmKind, LogEntry, LogKind
from intrathecal.device.faults import (
    CatheterFault,
    Fault,
    LowBatteryReset,
    MagneticExposure,
    MotorStall,
)
from intrathecal.device.flow_path import FlowPath
from intrathecal.device.limits import (
    check_bolus,
    check_fill,
    limit_text,
)
from intrathecal.device.models import PumpModel, pump_model
from intrathecal.device.regime import Regime
from intrathecal.device.reservoir import EPS_V as _EPS_V
from intrathecal.device.reservoir import Reservoir
from intrathecal.device.running_boluses import REPLACING, Boluses, Running
from intrathecal.device.schedule import Cycle, Schedule
from intrathecal.device.status import (
    BatteryState,
    BolusDecision,
    BolusDenial,
    DeliveryTotals,
    PumpMode,
    PumpStatus,
    RefillResult,
)

OneOffBolus = ClinicianBolus | BridgeBolus | PrimingBolus

_EPS_T = 1e-6  # s: events this close together are simultaneous
_MODE_DENIALS = {
    PumpMode.NOT_PROGRAMMED: BolusDenial.NOT_PROGRAMMED,
    PumpMode.STOPPED: BolusDenial.PUMP_STOPPED,
    PumpMode.END_OF_SERVICE: BolusDenial.END_OF_SERVICE,
}


P = ParamSpec("P")
R = TypeVar("R")


def _logs_refusals(command: Callable[Concatenate[Pump, P], R]) -> Callable[Concatenate[Pump, P], R]:
    """Write a refused command (any ``DeviceError``) to the event log, then re-raise it."""

    @functools.wraps(command)
    def run(pump: Pump, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(pump, *args, **kwargs)
        except DeviceError as exc:
            pump._append(
                LogKind.COMMAND_REFUSED,
                f"{command.__name__} refused: {exc}",
                command=command.__name__,
                error=type(exc).__name__,
            )
            raise

    return run


class Pump:
    """One implanted pump (and its catheter) on its own simulated clock."""

    def __init__(
        self,
        model: PumpModel | str,
        catheter: Catheter,
        serial: str,
        now: datetime,
        *,
        battery_start: datetime | None = None,
        flow_factor: Fraction | float = 1,
        utc_offset: timedelta = timedelta(0),
        low_reservoir_threshold: Volume | None = None,
        catheter_primed: bool = False,
        fixed_rate: VolumeRate | None = None,
        log_capacity: int | None = None,
    ) -> None:
        """Create a pump at ``now`` (time-zone aware), empty, not yet programmed.

        ``battery_start`` (default ``now``) is when the battery started (manufacture or
        implant); the hard service-life maximum counts from it. ``flow_factor`` is the true
        flow as a multiple of the programmed flow (simulation ground truth, default 1).
        ``utc_offset`` is the pump clock's offset: flex cycles start at local midnight.
        ``catheter_primed`` fills the line with the first refill's drug (as if primed).
        ``fixed_rate`` overrides a fixed-rate model's factory rate for this pump.
        ``log_capacity`` bounds the event log like a device's memory (oldest entries are
        dropped, sequence numbers keep counting); ``None`` keeps every entry.
        """
        self._model = pump_model(model) if isinstance(model, str) else model
        if not isinstance(catheter, Catheter):
            raise DeviceInputError(f"expected a Catheter, got {type(catheter).__name__}")
        if not isinstance(serial, str) or not serial.strip():
            raise DeviceInputError("a pump needs a non-empty serial number")
        self._serial = serial
        self._epoch = _aware(now, "now")
        self._t = 0.0
        self._dt_memo: dict[float, datetime] = {}
        factor = float(flow_factor)
        if not 0.0 < factor <= 2.0:
            raise DeviceInputError(f"flow_factor must lie in (0, 2], got {flow_factor}")
        if not isinstance(utc_offset, timedelta) or abs(utc_offset) > timedelta(hours=14):
            raise DeviceInputError(
                f"utc_offset must be a timedelta within 14 h, got {utc_offset!r}"
            )
        local = self._epoch.astimezone(UTC).replace(tzinfo=None) + utc_offset
        self._flex_anchor = -(
            local - local.replace(hour=0, minute=0, second=0, microsecond=0)
        ).total_seconds()

        model_ = self._model
        threshold: float | None = None
        if model_.programmable:
            assert model_.low_reservoir_default is not None
            chosen = (
                model_.low_reservoir_default.value
                if low_reservoir_threshold is None
                else low_reservoir_threshold
            )
            if not isinstance(chosen, Volume):
                raise DeviceInputError(f"expected a Volume, got {type(chosen).__name__}")
            threshold = _threshold_ml(model_, chosen)
        elif low_reservoir_threshold is not None:
            raise NotProgrammable(f"{model_.name} has no electronics and no reservoir alarm")
        if fixed_rate is not None and model_.fixed_rate is None:
            raise DeviceInputError("fixed_rate applies only to fixed-rate pump models")
        if fixed_rate is not None and (fixed_rate.is_negative() or fixed_rate.is_zero()):
            raise DeviceInputError(f"a fixed rate must be above zero, got {fixed_rate}")
        self._fixed_rate: float | None = None
        if model_.fixed_rate is not None:
            self._fixed_rate = _per_s(fixed_rate or model_.fixed_rate.nominal_rate.value)

        battery: BatteryModel | None = None
        start = 0.0
        if model_.battery is not None:
            battery = _battery_model(model_.battery)
            start = self._to_t(battery_start, allow_past=True) if battery_start else 0.0
            if start > 0.0:
                raise ClockError("battery_start cannot lie after the pump's creation time")
        self._battery = BatteryClock(battery, start)
        self._reservoir = Reservoir(threshold)
        self._solution: Solution | None = None
        self._prescription: Prescription | None = None
        self._mode = PumpMode.RUNNING if not model_.programmable else PumpMode.NOT_PROGRAMMED
        self._standing_const = self._fixed_rate or 0.0
        self._standing_cycles: tuple[Cycle, ...] = ()
        self._boluses = Boluses()
        self._stalled = False
        self._stall_until = math.inf
        self._primed = catheter_primed
        self._alarms = AlarmBoard()
        self._log = EventLog(log_capacity)
        contents = Contents(_in_ml(self._line_volume(catheter)))
        self._flow = FlowPath(catheter, factor, contents)
        self._regime = Regime()
        self._rebuild()

    # --- read-only views ------------------------------------------------------------
    @property
    def serial(self) -> str:
        """The pump's serial number."""
        return self._serial

    @property
    def model(self) -> PumpModel:
        """The pump model (from data/pumps.yaml)."""
        return self._model

    @property
    def now(self) -> datetime:
        """The pump's current simulated time."""
        return self._dt(self._t)

    @property
    def catheter(self) -> Catheter:
        """The implanted catheter as it really is (ground truth)."""
        return self._flow.catheter

    @property
    def log(self) -> Sequence[LogEntry]:
        """The on-board event log as retained, oldest first."""
        return self._log.entries

    def log_since(self, seq: int) -> Sequence[LogEntry]:
        """Log entries with a sequence number above ``seq`` (entries are numbered from 1)."""
        return self._log.since(seq)

    @property
    def alarms(self) -> Sequence[Alarm]:
        """Every alarm raised so far, in time order."""
        return self._alarms.history

    # --- the clock ------------------------------------------------------------------
    def advance_to(self, t: datetime) -> list[Alarm]:
        """Run the pump up to ``t``; return the alarms raised on the way, in time order."""
        target = self._to_t(t)
        fired: list[Alarm] = []
        while True:
            known = self._next_known()
            t_end = min(target, known)
            d_cum = self._regime.volume(t_end)
            crossings = self._crossings(t_end, d_cum)
            if crossings:
                tc = min(c[0] for c in crossings)
                self._move(tc, self._regime.volume(tc))
                fired.extend(self._fire_crossings([name for when, name in crossings if when <= tc]))
                continue
            self._move(t_end, d_cum)
            if known <= target:
                fired.extend(self._handle_known())
                continue
            return fired

    def advance_by(self, span: Duration | timedelta) -> list[Alarm]:
        """Run the pump for ``span``; return the alarms raised."""
        delta = span if isinstance(span, timedelta) else timedelta(seconds=float(span.seconds()))
        return self.advance_to(self.now + delta)

    # --- commands -------------------------------------------------------------------
    @_logs_refusals
    def program(self, prescription: Prescription) -> None:
        """Install a standing program and run it from now; refused outside the pump's limits."""
        model = self._require_programmable("programmed")
        if not isinstance(prescription, Prescription):
            raise DeviceInputError(f"expected a Prescription, got {type(prescription).__name__}")
        self._require_not_eos("programmed")
        patient_limits = _checked_program(model, prescription)
        basal = prescription.basal
        cycles: list[Cycle] = []
        const = 0.0
        if isinstance(basal, Continuous):
            const = _per_s(basal.rate)
        else:
            cycles.append(_flex_cycle(basal, self._flex_anchor))
        for periodic in prescription.periodic:
            anchor = self._t + float(periodic.first_at.seconds())
            every = float(periodic.every.seconds())
            length = float(periodic.duration.seconds())
            flow = float(periodic.volume.to("mL")) / length
            starts, rates_ = ((0.0,), (flow,)) if length >= every else ((0.0, length), (flow, 0.0))
            cycles.append(Cycle.build(anchor, every, starts, rates_, begin=anchor))
        self._prescription = prescription
        self._boluses.limits = patient_limits
        self._standing_const = const
        self._standing_cycles = tuple(cycles)
        self._mode = PumpMode.RUNNING
        self._clear_alarm(AlarmKind.LOW_BATTERY_RESET, "reprogrammed")
        self._append(
            LogKind.PROGRAMMED,
            "new program running",
            basal=_describe_basal(basal),
            periodic=str(len(prescription.periodic)),
            patient_bolus="on" if prescription.patient_bolus else "off",
            solution=_describe_solution(prescription.solution),
        )
        self._rebuild()

    @_logs_refusals
    def refill(
        self,
        *,
        added: Volume,
        solution: Solution,
        withdrawn: Volume | None = None,
        declared_volume: Volume | None = None,
        into_pocket: Volume | None = None,
    ) -> RefillResult:
        """Empty the reservoir (``withdrawn``, default all) and add ``added`` of ``solution``.

        ``into_pocket`` is drug injected into the pocket tissue instead of the reservoir (a
        pocket fill). ``declared_volume`` is the volume entered into the pump (default: what
        really is in the reservoir plus any pocket-fill volume, i.e. everything injected
        believed to be in it). Over capacity (true or declared) is refused.
        """
        if not isinstance(solution, Solution):
            raise DeviceInputError(f"expected a Solution, got {type(solution).__name__}")
        if not isinstance(added, Volume):
            raise DeviceInputError(f"added must be a volume, got {added!r}")
        for name, value in (
            ("added", added),
            ("withdrawn", withdrawn),
            ("into_pocket", into_pocket),
            ("declared_volume", declared_volume),
        ):
            if value is not None and (not isinstance(value, Volume) or value.is_negative()):
                raise DeviceInputError(f"{name} must be a volume of at least zero, got {value!r}")
        cap = _in_ml(self._model.reservoir_capacity.value)
        true_residual = self._reservoir.true
        taken = true_residual if withdrawn is None else _in_ml(withdrawn)
        if taken > true_residual + _EPS_V:
            raise DeviceInputError(
                f"cannot withdraw {withdrawn} from a reservoir holding {_ml(true_residual)}"
            )
        taken = min(taken, true_residual)
        left = true_residual - taken
        add = _in_ml(added)
        pocket = _in_ml(into_pocket) if into_pocket is not None else 0.0
        new_true = left + add
        check_fill(self._model, new_true, "refill to")
        declared = new_true + pocket if declared_volume is None else _in_ml(declared_volume)
        check_fill(self._model, declared, "declared reservoir volume")
        expected_before = self._reservoir.expected
        pure = dict(_pure(solution))
        contents = self._flow.contents
        first_fill = self._solution is None
        contents.refill_mix(left, add, pure)
        if pocket > 0.0:
            contents.direct_to_tissue(pocket, contents.add_mix(dict(pure)))
        if first_fill and self._primed:
            for seg in contents.line:
                if int(seg[1]) == NO_DRUG:
                    seg[1] = float(contents.reservoir_mix)
        self._reservoir.true = new_true
        self._reservoir.expected = min(declared, cap)
        self._solution = solution
        self._clear_alarm(AlarmKind.LOW_RESERVOIR, "refilled")
        self._clear_alarm(AlarmKind.EMPTY_RESERVOIR, "refilled")
        self._append(
            LogKind.REFILLED,
            f"reservoir set to {_ml_text(self._reservoir.expected)}",
            expected_residual=_ml_text(expected_before),
            reservoir=_ml_text(self._reservoir.expected),
            solution=_describe_solution(solution),
        )
        self._arm_levels()
        self._rebuild()
        return RefillResult(
            at=self.now,
            expected_residual=_ml(expected_before),
            true_residual=_ml(true_residual),
            withdrawn=_ml(taken),
            left_behind=_ml(left),
            added=_ml(add),
            into_pocket=_ml(pocket),
            reservoir=_ml(new_true),
            declared_reservoir=_ml(self._reservoir.expected),
        )

    @_logs_refusals
    def bolus(self, command: OneOffBolus) -> None:
        """Start a clinician, bridge or priming bolus now (bridge and priming replace the basal)."""
        self._require_programmable("sent a bolus")
        if not isinstance(command, ClinicianBolus | BridgeBolus | PrimingBolus):
            raise DeviceInputError(f"expected a one-off bolus, got {type(command).__name__}")
        self._require_not_eos("sent a bolus")
        if self._stalled:
            raise PumpStateError("the pump motor is stalled: no bolus can be delivered")
        running = self._boluses.oneoff
        if running is not None:
            raise BolusInProgress(
                f"a {running.kind} bolus is running until {self._dt(running.end)}"
            )
        kind = {ClinicianBolus: "clinician", BridgeBolus: "bridge", PrimingBolus: "priming"}[
            type(command)
        ]
        check_bolus(
            self._model, command.volume, command.duration, f"{kind} bolus", self._reservoir.expected
        )
        length = float(command.duration.seconds())
        rate = float(command.volume.to("mL")) / length
        self._boluses.oneoff = Running(kind, rate, self._t + length)
        details = {"volume": str(command.volume), "duration": str(command.duration)}
        if isinstance(command, BridgeBolus):
            details["old_solution"] = _describe_solution(command.old_solution)
        self._append(LogKind.BOLUS_STARTED, f"{kind} bolus started", **details)
        self._rebuild()

    def request_patient_bolus(self) -> BolusDecision:
        """A patient-activated bolus request: granted and started now, or denied with the reason."""
        limits = self._boluses.limits
        volume = limits.volume if limits else Volume.zero()
        refusal = self._patient_denial()
        if refusal is None:
            assert limits is not None
            self._boluses.gate.grant(self._t)
            self._boluses.patient = Running("patient", limits.rate, self._t + limits.duration_s)
            self._append(
                LogKind.PATIENT_BOLUS_GRANTED, "patient bolus granted", volume=limits.volume_text
            )
            self._rebuild()
            return BolusDecision(True, "granted", self.now, volume, self._next_patient_bolus())
        denial, reason = refusal
        self._append(
            LogKind.PATIENT_BOLUS_DENIED, f"patient bolus denied: {reason}", denial=denial.value
        )
        return BolusDecision(False, reason, self.now, volume, self._next_patient_bolus(), denial)

    @_logs_refusals
    def stop(self) -> None:
        """Stopped-pump mode: no delivery; running boluses are cancelled."""
        self._require_programmable("stopped")
        self._require_not_eos("stopped")
        self._boluses.oneoff = None
        self._boluses.patient = None
        self._mode = PumpMode.STOPPED
        self._append(LogKind.STOPPED, "pump stopped")
        self._rebuild()

    @_logs_refusals
    def resume(self) -> None:
        """Leave stopped mode and run the standing program again (no-op when running)."""
        self._require_programmable("resumed")
        self._require_not_eos("resumed")
        if self._prescription is None:
            raise PumpStateError("the pump has no program to resume; program it first")
        if self._mode is PumpMode.RUNNING:
            return
        self._mode = PumpMode.RUNNING
        self._append(LogKind.RESUMED, "pump resumed")
        self._rebuild()

    def inject_fault(self, fault: Fault) -> list[Alarm]:
        """Simulate a fault now; return the alarms the pump raises (none if it cannot tell)."""
        model = self._model
        if isinstance(fault, MotorStall):
            if not model.programmable:
                raise DeviceInputError(f"{model.name} has no motor")
            until = fault.recover_after
            return self._stall(
                math.inf if until is None else self._t + float(until.seconds()), "motor stall"
            )
        if isinstance(fault, CatheterFault):
            self._flow.catheter = self._flow.catheter.with_integrity(
                fault.integrity, fault.tissue_fraction
            )
            self._rebuild()
            return []
        if isinstance(fault, LowBatteryReset):
            return self._battery_reset()
        if isinstance(fault, MagneticExposure):
            if model.mechanism == "peristaltic":
                span = float(fault.duration.seconds() + fault.recovery_delay.seconds())
                return self._stall(self._t + span, "rotor stopped by MRI")
            if model.valve_closing_bolus is not None:
                burst = min(float(model.valve_closing_bolus.value.to("mL")), self._reservoir.true)
                if not self._flow.valve_closed and self._flow.catheter.flows and burst > 0.0:
                    self._reservoir.true -= burst
                    self._flow.contents.pump(burst, float(self._flow.catheter.to_tissue))
                self._flow.valve_closed = True
                self._rebuild()
            return []
        raise DeviceInputError(f"unknown fault {fault!r}")

    @_logs_refusals
    def clear_fault(self) -> None:
        """Recover a stalled motor or reset a closed flow-activated valve (programmer action)."""
        if not (self._stalled or self._flow.valve_closed):
            raise PumpStateError("there is no motor stall or closed valve to clear")
        if self._stalled:
            self._end_stall("cleared by the clinician programmer")
        if self._flow.valve_closed:
            self._flow.valve_closed = False
            self._append(LogKind.FAULT_CLEARED, "flow-activated valve reset")
        self._rebuild()

    def replace_catheter(self, catheter: Catheter) -> None:
        """Surgical revision: a new catheter, its lumen filled with drug-free fluid (prime it)."""
        if not isinstance(catheter, Catheter):
            raise DeviceInputError(f"expected a Catheter, got {type(catheter).__name__}")
        self._flow.contents.replace_line(
            float(self._model.internal_volume.value.to("mL")), float(catheter.volume.to("mL"))
        )
        self._flow.catheter = catheter
        self._rebuild()

    @_logs_refusals
    def set_low_reservoir_threshold(self, volume: Volume) -> list[Alarm]:
        """Program the low-reservoir alarm volume; fires at once if already at or below it."""
        self._require_programmable("given an alarm threshold")
        if not isinstance(volume, Volume):
            raise DeviceInputError(f"expected a Volume, got {type(volume).__name__}")
        self._reservoir.threshold = _threshold_ml(self._model, volume)
        self._append(LogKind.THRESHOLD_SET, "low-reservoir alarm volume set", volume=str(volume))
        if self._reservoir.expected > self._reservoir.threshold:
            self._clear_alarm(AlarmKind.LOW_RESERVOIR, "threshold changed")
        before = len(self._alarms)
        self._arm_levels()
        return self._alarms.raised_since(before)

    def set_environment(
        self, *, body_temperature_c: float = 37.0, ambient_pressure_kpa: float = 101.325
    ) -> None:
        """Body temperature and ambient pressure from now on (they change fixed-rate flow only)."""
        if not 30.0 <= body_temperature_c <= 45.0:
            raise DeviceInputError(
                f"body temperature must lie in 30..45 °C, got {body_temperature_c}"
            )
        if not 40.0 <= ambient_pressure_kpa <= 300.0:
            raise DeviceInputError(
                f"ambient pressure must lie in 40..300 kPa, got {ambient_pressure_kpa}"
            )
        spec = self._model.fixed_rate
        if spec is None:
            return
        factor = (
            1.0
            + float(spec.temperature_percent_per_c.value)
            / 100.0
            * (body_temperature_c - float(spec.reference_temperature_c.value))
            + float(spec.pressure_percent_per_kpa.value)
            / 100.0
            * (float(spec.reference_pressure_kpa.value) - ambient_pressure_kpa)
        )
        self._flow.env_factor = max(factor, 0.0)
        self._rebuild()

    # --- reports ----------------------------------------------------------------------
    def status(self) -> PumpStatus:
        """What an interrogation shows: the pump's own view, no ground truth."""
        running = self._mode is PumpMode.RUNNING and not self._stalled
        low_at = empty_at = None
        if running and self._model.has_alarms:
            standing = Schedule(self._standing_const, self._standing_cycles)
            if (
                self._reservoir.threshold is not None
                and self._reservoir.expected > self._reservoir.threshold
            ):
                low_at = standing.solve_unbounded(
                    self._t, self._reservoir.expected - self._reservoir.threshold
                )
            if self._reservoir.expected > 0.0:
                empty_at = standing.solve_unbounded(self._t, self._reservoir.expected)
        battery = BatteryState.OK
        if self._mode is PumpMode.END_OF_SERVICE:
            battery = BatteryState.EOS
        elif self._battery.eri_t is not None:
            battery = BatteryState.ERI
        prescription = self._prescription
        return PumpStatus(
            serial=self._serial,
            model_key=self._model.key,
            at=self.now,
            mode=self._mode,
            reservoir=_ml(self._reservoir.expected),
            low_reservoir_threshold=None
            if self._reservoir.threshold is None
            else _ml(self._reservoir.threshold),
            solution=self._solution,
            prescription=prescription,
            programmed_rate=_rate(self._regime.rate(self._t)),
            active_alarms=self._alarms.active,
            battery=battery,
            eri_at=None if self._battery.eri_t is None else self._dt(self._battery.eri_t),
            eos_at=None if self._battery.eos_t is None else self._dt(self._battery.eos_t),
            motor_stalled=self._stalled,
            valve_closed=self._flow.valve_closed,
            active_bolus=None if self._boluses.oneoff is None else self._boluses.oneoff.kind,
            patient_boluses_last_24h=self._boluses.gate.count(self._t),
            next_patient_bolus_at=self._next_patient_bolus(),
            projected_low_reservoir_at=None if low_at is None else self._dt(low_at),
            projected_empty_at=None if empty_at is None else self._dt(empty_at),
            solution_matches_program=(
                prescription is None
                or self._solution is None
                or prescription.solution == self._solution
            ),
        )

    def delivery(self) -> DeliveryTotals:
        """Simulation ground truth: true reservoir and where the pumped drug went."""
        contents = self._flow.contents
        return DeliveryTotals(
            at=self.now,
            reservoir=_ml(self._reservoir.true),
            pumped=_ml(contents.pumped),
            to_csf=_ml(sum(contents.to_csf)),
            to_tissue=_ml(sum(contents.to_tissue)),
            in_line=_ml(contents.in_line()),
            drug_to_csf=_masses(contents.masses(contents.to_csf)),
            drug_to_tissue=_masses(contents.masses(contents.to_tissue)),
            catheter=self._flow.catheter,
        )

    # --- internals: clock and integration -----------------------------------------------
    def _to_t(self, when: datetime | None, *, allow_past: bool = False) -> float:
        value = (_aware(when, "time") - self._epoch).total_seconds()
        if not allow_past and value < self._t - _EPS_T:
            raise ClockError(
                f"{when} lies before the pump's clock ({self.now}); time only moves forward"
            )
        return max(value, self._t) if not allow_past else value

    def _dt(self, t: float) -> datetime:
        """Clock seconds as a datetime (the few recent values, such as now, are memoised)."""
        memo = self._dt_memo
        when = memo.get(t)
        if when is None:
            if len(memo) >= 8:
                memo.clear()
            when = memo[t] = self._epoch + timedelta(seconds=t)
        return when

    def _rebuild(self) -> None:
        """Start a new regime now: programmed schedule, true-flow factor, anchors."""
        const = 0.0
        cycles: tuple[Cycle, ...] = ()
        if self._mode is not PumpMode.END_OF_SERVICE and not self._stalled:
            extra, standing = self._boluses.rate(self._mode is PumpMode.RUNNING)
            if standing:
                const = self._standing_const
                cycles = self._standing_cycles
            const += extra
        self._regime.begin(self._t, const, cycles)
        self._battery.anchor(self._t)
        self._reservoir.anchor(self._flow.k(self._reservoir.true))

    def _next_known(self) -> float:
        """The next scheduled state change (bolus end, stall recovery, ERI cap, EOS)."""
        best = self._boluses.next_end()
        if self._stalled:
            best = min(best, self._stall_until)
        battery = self._battery
        if battery.eri_t is None and battery.eri_cap is not None:
            best = min(best, max(battery.eri_cap, self._t))
        if battery.eos_t is not None and self._mode is not PumpMode.END_OF_SERVICE:
            best = min(best, battery.eos_t)
        return best

    def _crossings(self, t_end: float, programmed: float) -> list[tuple[float, str]]:
        """Thresholds crossed by ``t_end`` in the current regime, with exact times.

        ``programmed`` is the volume since the regime's start; every level is measured from
        the state at that start, so crossing times do not depend on how the clock advanced.
        """
        found: list[tuple[float, str]] = []
        self._reservoir.crossings(self._regime, t_end, programmed, found)
        battery = self._battery
        if battery.reaches_eri(t_end, programmed):
            assert battery.model is not None
            when = self._regime.reach(
                "eri", battery.left(), battery.model.alpha, battery.model.beta
            )
            if when <= t_end:
                found.append((when, "eri"))
        return found

    def _move(self, t_new: float, programmed: float) -> None:
        """Set the state at ``t_new`` (no event before it) from the regime's start."""
        newly = self._reservoir.move(programmed)
        if newly > 0.0:
            self._flow.pump(newly)
        self._battery.move(t_new, programmed)
        self._t = t_new

    def _fire_crossings(self, names: list[str]) -> list[Alarm]:
        fired: list[Alarm] = []
        reservoir = self._reservoir
        for name in names:
            if name == "low":
                reservoir.low_armed = False
                fired.append(
                    self._raise(
                        AlarmKind.LOW_RESERVOIR,
                        f"low reservoir: calculated volume reached "
                        f"{_ml(reservoir.threshold or 0.0)}",
                    )
                )
            elif name == "empty":
                reservoir.empty_armed = False
                reservoir.expected = 0.0
                fired.append(
                    self._raise(
                        AlarmKind.EMPTY_RESERVOIR, "empty reservoir: calculated volume is 0 mL"
                    )
                )
            elif name == "dry":
                reservoir.true = 0.0
            elif name == "eri":
                fired.append(self._elective_replacement())
        self._rebuild()
        return fired

    def _handle_known(self) -> list[Alarm]:
        now = self._t + _EPS_T
        fired: list[Alarm] = []
        boluses = self._boluses
        if boluses.oneoff is not None and boluses.oneoff.end <= now:
            self._append(LogKind.BOLUS_ENDED, f"{boluses.oneoff.kind} bolus completed")
            boluses.oneoff = None
        if boluses.patient is not None and boluses.patient.end <= now:
            boluses.patient = None
        if self._stalled and self._stall_until <= now:
            self._end_stall("rotor running again")
        battery = self._battery
        if battery.eri_t is None and battery.eri_cap is not None and battery.eri_cap <= now:
            fired.append(self._elective_replacement())
        if (
            battery.eos_t is not None
            and battery.eos_t <= now
            and self._mode is not PumpMode.END_OF_SERVICE
        ):
            self._mode = PumpMode.END_OF_SERVICE
            boluses.cancel()
            fired.append(
                self._raise(AlarmKind.END_OF_SERVICE, "end of service: the pump has stopped")
            )
        self._rebuild()
        return fired

    def _elective_replacement(self) -> Alarm:
        eos = self._battery.elective_replacement(self._t)
        return self._raise(
            AlarmKind.ELECTIVE_REPLACEMENT,
            f"elective replacement indicated: the pump stops at {self._dt(eos):%Y-%m-%d %H:%M}",
        )

    # --- internals: faults ------------------------------------------------------------------
    def _stall(self, until: float, what: str) -> list[Alarm]:
        if self._mode is PumpMode.END_OF_SERVICE:
            return []
        if self._stalled:
            until = max(until, self._stall_until)
        self._boluses.oneoff = None
        self._boluses.patient = None
        self._stalled = True
        self._stall_until = until
        self._append(LogKind.FAULT, what)
        alarm = self._raise(AlarmKind.MOTOR_STALL, f"{what}: no drug is being delivered")
        self._rebuild()
        return [alarm]

    def _end_stall(self, how: str) -> None:
        self._stalled = False
        self._stall_until = math.inf
        self._clear_alarm(AlarmKind.MOTOR_STALL, how)
        self._append(LogKind.FAULT_CLEARED, f"motor stall recovery: {how}")

    def _battery_reset(self) -> list[Alarm]:
        model = self._require_programmable("battery-reset")
        assert model.min_rate is not None
        if self._mode is PumpMode.END_OF_SERVICE:
            return []
        self._boluses.oneoff = None
        self._boluses.patient = None
        self._standing_const = _per_s(model.min_rate.value)
        self._standing_cycles = ()
        self._boluses.limits = None
        if self._prescription is not None:
            self._prescription = Prescription(
                self._prescription.solution, Continuous(model.min_rate.value)
            )
        self._append(LogKind.FAULT, "low battery reset: rate set to the minimum")
        alarm = self._raise(
            AlarmKind.LOW_BATTERY_RESET,
            f"low battery reset: rate reduced to {limit_text(model.min_rate, 'mL/day')}",
        )
        self._rebuild()
        return [alarm]

    # --- internals: alarms and log --------------------------------------------------------------
    def _raise(self, kind: AlarmKind, message: str) -> Alarm:
        alarm = self._alarms.raise_(kind, self.now, message)
        self._append(LogKind.ALARM, message, alarm=kind.value, severity=kind.severity.value)
        return alarm

    def _clear_alarm(self, kind: AlarmKind, why: str) -> None:
        if self._alarms.clear(kind):
            self._append(LogKind.ALARM_CLEARED, f"{kind.value} cleared: {why}", alarm=kind.value)

    def _arm_levels(self) -> None:
        """Re-arm the reservoir alarms from the calculated volume; fire any already crossed."""
        if not self._model.has_alarms:
            return
        reservoir = self._reservoir
        reservoir.empty_armed = reservoir.expected > 0.0
        if reservoir.threshold is not None:
            reservoir.low_armed = reservoir.expected > reservoir.threshold
            if not reservoir.low_armed and not self._alarms.is_active(AlarmKind.LOW_RESERVOIR):
                self._raise(
                    AlarmKind.LOW_RESERVOIR,
                    f"low reservoir: calculated volume at or below {_ml(reservoir.threshold)}",
                )
        if not reservoir.empty_armed and not self._alarms.is_active(AlarmKind.EMPTY_RESERVOIR):
            self._raise(AlarmKind.EMPTY_RESERVOIR, "empty reservoir: calculated volume is 0 mL")

    def _append(self, kind: LogKind, message: str, **details: str) -> None:
        self._log.append(self.now, kind, message, **details)

    # --- internals: limits -------------------------------------------------------------------
    def _require_programmable(self, what: str) -> PumpModel:
        if not self._model.programmable:
            raise NotProgrammable(f"{self._model.name} is a fixed-rate pump and cannot be {what}")
        return self._model

    def _require_not_eos(self, what: str) -> None:
        if self._mode is PumpMode.END_OF_SERVICE:
            raise PumpStateError(f"the pump is at end of service and cannot be {what}")

    def _patient_denial(self) -> tuple[BolusDenial, str] | None:
        """Why a patient bolus cannot be given now (typed reason and message), or None."""
        if not self._model.programmable:
            return BolusDenial.NO_FUNCTION, "this pump has no patient bolus function"
        mode = self._mode
        if mode is not PumpMode.RUNNING:
            denial = _MODE_DENIALS[mode]
            return denial, f"the pump is {mode.value.replace('_', ' ')}"
        if self._stalled:
            return BolusDenial.MOTOR_STALLED, "the pump motor is stalled"
        limits = self._boluses.limits
        if limits is None:
            return BolusDenial.NOT_CONFIGURED, "no patient bolus is programmed"
        if self._boluses.oneoff is not None and self._boluses.oneoff.kind in REPLACING:
            return BolusDenial.BOLUS_RUNNING, f"a {self._boluses.oneoff.kind} bolus is running"
        if self._boluses.patient is not None:
            return BolusDenial.BOLUS_RUNNING, "a patient bolus is still being delivered"
        shut = self._boluses.gate.refusal(self._t, limits)
        if shut == "lockout":
            return (
                BolusDenial.LOCKOUT,
                f"lockout: next bolus allowed at {self._next_patient_bolus():%Y-%m-%d %H:%M}",
            )
        if shut is not None:
            return (
                BolusDenial.DAILY_MAXIMUM,
                f"{limits.max_per_day} boluses in the last 24 h: daily maximum reached",
            )
        if limits.volume_ml > self._reservoir.expected + _EPS_V:
            return (
                BolusDenial.RESERVOIR_LOW,
                "the calculated reservoir volume is below the bolus volume",
            )
        return None

    def _next_patient_bolus(self) -> datetime | None:
        when = self._boluses.gate.next_allowed(self._t, self._boluses.limits)
        return None if when is None else self._dt(when)

    def _line_volume(self, catheter: Catheter) -> Volume:
        return self._model.internal_volume.value + catheter.volume


def _aware(value: object, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise ClockError(f"{what} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ClockError(
            f"{what} must carry a time zone (e.g. datetime(..., tzinfo=UTC)), got {value}"
        )
    return value

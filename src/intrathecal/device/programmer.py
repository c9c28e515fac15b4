"""The clinician programmer: interrogation and every therapy change, through telemetry only.

The programmer holds the clinician link key and talks to the pump exclusively through
frames (``TelemetryClient`` over a transport such as ``PumpEndpoint.handle``). Before a
prescription leaves it, the one safety entry point ``core.safety.check_program`` runs
against the program the pump reports as current, the pump model's own limits, the
patient's dosing profile and the dose history (given by the caller, else the programs this
programmer applied): a HARD finding stops it, a SOFT finding needs an ``Override`` naming
it (reason and a second clinician). Nothing is sent for a refused program. A session may
end with the pump stopped only with an explicit confirmation (``end_session``). The refill
workflow compares the measured residual with the pump's calculated one, fills, programs,
optionally bridges a concentration change, and returns the next alarm, empty and due
dates from ``intrathecal.core.refill``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from intrathecal.core.catalogue import Catalogue, RuleSet, load_catalogue, parse_rule_set
from intrathecal.core.errors import CoreError
from intrathecal.core.program import BridgeBolus, Prescription, PrimingBolus, Solution
from intrathecal.core.program_math import bridge_bolus, mean_rate, worst_case_daily_volume
from intrathecal.core.quantities import Duration, Volume, days
from intrathecal.core.refill import RefillPlan, RefillRequest, plan_refill
from intrathecal.core.refill_config import RefillConfig, load_refill_config
from intrathecal.core.safety import (
    DosingProfile,
    Finding,
    History,
    Override,
    ProgramRequest,
    SafetyReport,
    SafetySettings,
    check_program,
)
from intrathecal.core.sourced_data import Sourced
from intrathecal.device.errors import DeviceError
from intrathecal.device.limits import safety_limits
from intrathecal.device.models import PumpModel, pump_model
from intrathecal.device.status import PumpMode
from intrathecal.device.telemetry import messages as m
from intrathecal.device.telemetry.client import TelemetryClient, Transport
from intrathecal.device.telemetry.frame import LinkRole
from intrathecal.device.telemetry.session import LinkKey


class ProgrammerError(DeviceError):
    """A programmer workflow cannot run with what it was given (nothing was sent)."""


@dataclass(frozen=True)
class ProgramOutcome:
    """Whether a prescription was sent, the safety report behind it, and the pump after."""

    applied: bool
    report: SafetyReport
    unaccepted: tuple[Finding, ...]
    status: m.StatusReport


@dataclass(frozen=True)
class ResidualComparison:
    """Measured residual against the pump's calculated one, and whether to investigate."""

    expected: Volume
    measured: Volume
    discrepancy: Volume
    limit: Sourced[Volume]
    investigate: bool


@dataclass(frozen=True)
class RefillOutcome:
    """What the refill workflow did and what the clinician should know next."""

    applied: bool
    residual: ResidualComparison
    report: SafetyReport | None
    unaccepted: tuple[Finding, ...]
    bridge: BridgeBolus | None
    plan: RefillPlan | None
    status: m.StatusReport


@dataclass(frozen=True)
class SessionEnd:
    """How a programming session ended: the pump's mode and, if stopped, what that means."""

    mode: str
    stopped: bool
    warnings: tuple[str, ...] = field(default_factory=tuple)


def stop_warnings(solution: Solution | None, catalogue: Catalogue | None = None) -> tuple[str, ...]:
    """What a stopped pump means for each drug it holds (from the catalogue's ``on_stop``)."""
    if solution is None:
        return ()
    chosen = catalogue or load_catalogue()
    warnings = []
    for name in solution.drugs:
        note = chosen.get(name).on_stop
        if note is not None:
            warnings.append(f"{name}: {note.value} ({note.attribution()}).")
    return tuple(warnings)


class ClinicianProgrammer:
    """A clinician programmer paired with one pump."""

    def __init__(
        self,
        key: LinkKey,
        transport: Transport,
        *,
        catheter_volume: Volume | None = None,
        catalogue: Catalogue | None = None,
        rule_set: RuleSet | str | None = None,
        settings: SafetySettings | None = None,
        refill_config: RefillConfig | None = None,
        profile: DosingProfile | None = None,
    ) -> None:
        if key.role is not LinkRole.CLINICIAN:
            raise ProgrammerError(f"a clinician programmer needs a clinician key, got {key.role}")
        self.client = TelemetryClient(key, transport)
        self.catheter_volume = catheter_volume
        self.catalogue = catalogue
        self.rule_set = rule_set
        self.settings = settings
        self.refill_config = refill_config
        self.profile = profile or DosingProfile()
        self.applied: list[tuple[datetime, Prescription]] = []

    # --- reading ------------------------------------------------------------------------
    def interrogate(self, log_from: int = 0, log_max: int = 16) -> m.StatusReport:
        """The pump's status, alarms and one page of its event log."""
        return self.client.expect(m.Interrogate(log_from, log_max), m.StatusReport)

    def event_log(self) -> tuple[m.LogEntry, ...]:
        """The whole event log, page by page."""
        entries: list[m.LogEntry] = []
        start = 0
        while True:
            report = self.interrogate(start, 64)
            entries.extend(report.log)
            if not report.log or len(entries) >= report.log_total:
                return tuple(entries)
            start = report.log[-1].index + 1

    def model(self, status: m.StatusReport | None = None) -> PumpModel:
        """The pump model named in the interrogation."""
        return pump_model((status or self.interrogate()).model)

    # --- safety -------------------------------------------------------------------------
    def check(
        self,
        prescription: Prescription,
        status: m.StatusReport | None = None,
        history: History | None = None,
    ) -> SafetyReport:
        """The one safety check against the pump's current program and its model's limits.

        Without a ``history`` the programs this programmer applied (every drug) are used.
        """
        status = status or self.interrogate()
        return check_program(
            ProgramRequest(
                proposed=prescription,
                current=status.prescription,
                pump=safety_limits(self.model(status)),
                patient=self.profile,
                history=history or self._history(status),
                rule_set=None if self.rule_set is None else parse_rule_set(self.rule_set),
                settings=self.settings,
                catalogue=self.catalogue,
            )
        )

    def _history(self, status: m.StatusReport) -> History:
        """The programs this programmer applied (each counts as a change when it was sent)."""
        return History.of_programs(self.applied, now=status.time)

    def _applied(self, status: m.StatusReport, prescription: Prescription) -> None:
        self.applied.append((status.time, prescription))

    def _cleared(
        self, report: SafetyReport, override: Override | None
    ) -> tuple[bool, tuple[Finding, ...]]:
        unaccepted = report.unaccepted(override)
        return not unaccepted, unaccepted

    # --- therapy changes --------------------------------------------------------------
    def program(
        self,
        prescription: Prescription,
        *,
        override: Override | None = None,
        history: History | None = None,
    ) -> ProgramOutcome:
        """Send ``prescription`` if the safety check passes or overrides accept its findings."""
        status = self.interrogate()
        report = self.check(prescription, status, history)
        ok, unaccepted = self._cleared(report, override)
        if not ok:
            return ProgramOutcome(False, report, unaccepted, status)
        self.client.expect(m.Program(prescription), m.Ack)
        self._applied(status, prescription)
        return ProgramOutcome(True, report, (), self.interrogate())

    def refill(
        self,
        *,
        measured_residual: Volume,
        added: Volume,
        prescription: Prescription,
        declared_volume: Volume | None = None,
        alarm_threshold: Volume | None = None,
        bridge: bool = True,
        override: Override | None = None,
        history: History | None = None,
    ) -> RefillOutcome:
        """The refill workflow (see the module docstring); nothing is sent when refused."""
        config = self.refill_config or load_refill_config()
        before = self.interrogate()
        model = self.model(before)
        residual = _compare(before.reservoir, measured_residual, config)
        report: SafetyReport | None = None
        unaccepted: tuple[Finding, ...] = ()
        if prescription != before.prescription:
            report = self.check(prescription, before, history)
            ok, unaccepted = self._cleared(report, override)
            if not ok:
                return RefillOutcome(False, residual, report, unaccepted, None, None, before)
        bridging = self._bridge(before, prescription) if bridge else None
        self.client.expect(
            m.Refill(measured_residual, added, prescription.solution, declared_volume), m.Ack
        )
        if prescription != before.prescription:
            self.client.expect(m.Program(prescription), m.Ack)
            self._applied(before, prescription)
        if alarm_threshold is not None:
            self.client.expect(m.SetAlarmThreshold(alarm_threshold), m.Ack)
        if bridging is not None:
            self.client.expect(
                m.BridgeBolusCommand(bridging.volume, bridging.duration, bridging.old_solution),
                m.Ack,
            )
        after = self.interrogate()
        plan = _plan(after, prescription, model, config, declared_volume or added)
        return RefillOutcome(True, residual, report, unaccepted, bridging, plan, after)

    def _bridge(self, before: m.StatusReport, new: Prescription) -> BridgeBolus | None:
        """The bridge bolus a concentration change needs, or None when nothing changes."""
        old = before.prescription
        if old is None or before.solution is None or before.solution == new.solution:
            return None
        if self.catheter_volume is None:
            raise ProgrammerError(
                "a bridge bolus needs the catheter volume: give catheter_volume to the programmer"
            )
        model = self.model(before)
        try:
            bolus = bridge_bolus(
                before.solution, mean_rate(old), model.internal_volume.value, self.catheter_volume
            )
        except CoreError as exc:
            raise ProgrammerError(f"cannot size the bridge bolus: {exc}") from None
        return _whole_seconds(bolus)

    def bolus(self, volume: Volume, duration: Duration) -> m.Ack:
        """A clinician bolus from the reservoir."""
        return self.client.expect(m.ClinicianBolusCommand(volume, duration), m.Ack)

    def prime(self, volume: Volume | None = None, duration: Duration | None = None) -> m.Ack:
        """A priming bolus; by default the catheter plus the pump path at the bolus rate limit."""
        if volume is None or duration is None:
            status = self.interrogate()
            model = self.model(status)
            if self.catheter_volume is None or model.max_bolus_rate is None:
                raise ProgrammerError("priming needs a volume and duration, or a catheter volume")
            volume = volume or (model.internal_volume.value + self.catheter_volume)
            duration = duration or _whole_seconds_duration(volume / model.max_bolus_rate.value)
        PrimingBolus(volume, duration)  # core validation before anything is sent
        return self.client.expect(m.PrimeCommand(volume, duration), m.Ack)

    def stop(self) -> m.Ack:
        """Stopped-pump mode."""
        return self.client.expect(m.Stop(), m.Ack)

    def end_session(self, *, confirm_stopped: bool = False) -> SessionEnd:
        """End the session; a stopped pump needs ``confirm_stopped`` and is explained.

        Raises ``ProgrammerError`` naming what stopping means for each drug in the pump
        (baclofen or clonidine withdrawal) when the pump is stopped and not confirmed.
        """
        status = self.interrogate()
        if status.mode != PumpMode.STOPPED.value:
            return SessionEnd(status.mode, False)
        warnings = stop_warnings(status.solution, self.catalogue)
        if not confirm_stopped:
            raise ProgrammerError(
                "the pump is stopped: no drug is delivered until it is resumed. "
                + " ".join(warnings)
                + " Resume the pump, or end the session with an explicit confirmation."
            )
        return SessionEnd(status.mode, True, warnings)

    def resume(self) -> m.Ack:
        """Leave stopped mode."""
        return self.client.expect(m.Resume(), m.Ack)

    def set_alarm_threshold(self, volume: Volume) -> m.Ack:
        """Set the low-reservoir alarm volume."""
        return self.client.expect(m.SetAlarmThreshold(volume), m.Ack)

    def clear_fault(self) -> m.Ack:
        """Reset a detected fault once its cause is dealt with."""
        return self.client.expect(m.ClearFault(), m.Ack)


def _compare(expected: Volume, measured: Volume, config: RefillConfig) -> ResidualComparison:
    discrepancy = (measured - expected).in_unit("mL")
    limit = config.residual_discrepancy_limit
    return ResidualComparison(
        expected, measured, discrepancy, limit, abs(discrepancy) > limit.value
    )


def _whole_seconds_duration(duration: Duration) -> Duration:
    """``duration`` rounded up to a whole second (the wire unit of durations)."""
    seconds = duration.to("s")
    whole = -(-seconds.numerator // seconds.denominator)
    return Duration(whole, "s")


def _whole_seconds(bolus: BridgeBolus) -> BridgeBolus:
    """The bridge with its duration rounded up to a whole second (slightly slower flow)."""
    return BridgeBolus(bolus.volume, _whole_seconds_duration(bolus.duration), bolus.old_solution)


def _plan(
    status: m.StatusReport,
    prescription: Prescription,
    model: PumpModel,
    config: RefillConfig,
    filled: Volume,
) -> RefillPlan | None:
    family = config.family_of(model.key)
    if family is None:
        return None
    one_day = days(1)
    worst = worst_case_daily_volume(prescription) / one_day
    return plan_refill(
        RefillRequest(
            filled=filled,
            filled_at=status.time,
            mean_daily_volume=mean_rate(prescription),
            worst_case_daily_volume=worst,
            reservoir=model.reservoir_capacity.value,
            pump_family=family,
            alarm_volume=status.low_reservoir_threshold,
            drugs=prescription.solution.drugs,
        ),
        config,
    )

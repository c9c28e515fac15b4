"""Sample telemetry messages and keys shared by the telemetry, endpoint and fuzz tests."""

from __future__ import annotations

from datetime import UTC, datetime

from intrathecal.core.program import (
    Continuous,
    Flex,
    FlexStep,
    PatientBolus,
    PeriodicBolus,
    Prescription,
    Solution,
)
from intrathecal.core.quantities import Concentration, Duration, Volume, VolumeRate
from intrathecal.device.telemetry import messages as m
from intrathecal.device.telemetry.errors import ErrorCode
from intrathecal.device.telemetry.frame import LinkRole
from intrathecal.device.telemetry.session import LinkKey

T0 = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
MORPHINE = Solution.single("morphine", Concentration.parse("10 mg/mL"))
ADMIX = (
    Solution.single("morphine", Concentration.parse("10 mg/mL")).components
    + Solution.single("clonidine", Concentration.parse("150 mcg/mL")).components
)

CONTINUOUS = Prescription(MORPHINE, Continuous(VolumeRate.parse("0.3 mL/day")))
FULL = Prescription(
    Solution(ADMIX),
    Flex(
        (
            FlexStep(Duration.parse("0 h"), VolumeRate.parse("0.2 mL/day")),
            FlexStep(Duration.parse("8 h"), VolumeRate.parse("0.4 mL/day")),
        )
    ),
    (
        PeriodicBolus(
            Volume.parse("0.05 mL"),
            Duration.parse("10 min"),
            Duration.parse("6 h"),
            Duration.parse("1 h"),
        ),
    ),
    PatientBolus(
        Volume.parse("0.02 mL"), Duration.parse("5 min"), Duration.parse("4 h"), max_per_day=4
    ),
)


def key(role: LinkRole = LinkRole.CLINICIAN, fill: int = 7) -> LinkKey:
    """A deterministic test key."""
    return LinkKey("SN-TEST", role, bytes([fill]) * 32)


ALARM = m.AlarmInfo("low_reservoir", False, T0, "reservoir at 2 mL")
SAMPLES: tuple[m.Message, ...] = (
    m.Interrogate(3, 10),
    m.Program(CONTINUOUS),
    m.Program(FULL),
    m.Refill(Volume.parse("2.4 mL"), Volume.parse("18 mL"), Solution(ADMIX)),
    m.Refill(Volume.parse("2.4 mL"), Volume.parse("18 mL"), MORPHINE, Volume.parse("18.5 mL")),
    m.ClinicianBolusCommand(Volume.parse("0.1 mL"), Duration.parse("30 min")),
    m.BridgeBolusCommand(Volume.parse("0.25 mL"), Duration.parse("2 h"), MORPHINE),
    m.PrimeCommand(Volume.parse("0.2 mL"), Duration.parse("1 h")),
    m.Stop(),
    m.Resume(),
    m.SetAlarmThreshold(Volume.parse("4 mL")),
    m.ClearFault(),
    m.PatientBolusRequest(),
    m.PatientStatusRequest(),
    m.Ack(m.MessageType.PROGRAM, "running"),
    m.StatusReport(
        pump_serial="SN-TEST",
        model="synchromed-ii-20",
        time=T0,
        mode="running",
        reservoir=Volume.parse("12.5 mL"),
        low_reservoir_threshold=Volume.parse("2 mL"),
        solution=Solution(ADMIX),
        prescription=FULL,
        programmed_rate=VolumeRate.parse("0.4 mL/day"),
        alarms=(ALARM,),
        battery="ok",
        eri_at=T0.replace(year=2031),
        eos_at=None,
        motor_stalled=False,
        valve_closed=False,
        active_bolus="",
        patient_boluses_last_24h=2,
        next_patient_bolus_at=T0.replace(hour=13),
        projected_low_reservoir_at=T0.replace(month=2),
        projected_empty_at=T0.replace(month=3),
        solution_matches_program=True,
        rejected_frames=3,
        log_total=40,
        log=(m.LogEntry(38, T0, "programmed", "new program"), m.LogEntry(39, T0, "alarm", "µ")),
    ),
    m.BolusDecision(
        True, m.BolusReason.GRANTED, Volume.parse("0.02 mL"), 1, 4, T0.replace(hour=14), "ok"
    ),
    m.BolusDecision(
        False, m.BolusReason.LOCKOUT, Volume.zero(), 1, 4, T0.replace(hour=14), "lockout"
    ),
    m.PatientStatus(T0, "running", (ALARM,), True, 1, 4, None),
    m.ErrorReply(ErrorCode.DEVICE_REFUSED, "rate above the pump's maximum"),
)

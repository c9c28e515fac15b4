"""Random command sequences against the pump, checked against a brute-force reference.

The machine drives one programmable pump with random clock advances, patient and clinician
bolus requests, refills (some over capacity), stop/resume, reprogramming, alarm threshold
changes and motor stalls. After every step: the reservoir never goes below zero, volume is
conserved, the pumped volume equals the reference integral of the program up to emptiness,
patient boluses respect lockout and the rolling 24 h maximum, every low/empty alarm fires
at the reference crossing time, and refused commands change nothing.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from fractions import Fraction

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from intrathecal.core.program import (
    ClinicianBolus,
    Continuous,
    Flex,
    FlexStep,
    PatientBolus,
    PeriodicBolus,
    Prescription,
    Solution,
)
from intrathecal.core.quantities import Concentration, Duration, Volume, VolumeRate
from intrathecal.device.errors import PumpLimitError, PumpStateError
from intrathecal.device.events import AlarmKind
from intrathecal.device.faults import MotorStall
from intrathecal.device.models import default_catheter, pump_model
from intrathecal.device.pump import Pump
from tests.device.test_pump_reference import DAY, Reference, Standing

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SOLUTION = Solution.single("morphine", Concentration.parse("10 mg/mL"))
MAX_BOLUS_ML_PER_S = Fraction(1, 3600)  # 1 mL/h in every model used here

rates = st.integers(48, 2000).map(lambda n: VolumeRate(Fraction(n, 1000), "mL/day"))


@st.composite
def basals(draw: st.DrawFn) -> Continuous | Flex:
    if draw(st.booleans()):
        return Continuous(draw(rates))
    quarter_hours = draw(st.sets(st.integers(1, 95), max_size=3))
    starts = [0, *sorted(quarter_hours)]
    return Flex(tuple(FlexStep(Duration(q * 15, "min"), draw(rates)) for q in starts))


@st.composite
def periodics(draw: st.DrawFn) -> tuple[PeriodicBolus, ...]:
    if not draw(st.booleans()):
        return ()
    return (
        PeriodicBolus(
            volume=Volume(Fraction(draw(st.integers(10, 100)), 1000), "mL"),
            duration=Duration(draw(st.integers(10, 60)), "min"),
            every=Duration(draw(st.integers(4, 12)), "h"),
            first_at=Duration(draw(st.integers(0, 240)), "min"),
        ),
    )


patient_settings = st.builds(
    lambda v, d, lock, n: PatientBolus(
        Volume(Fraction(v, 1000), "mL"), Duration(d, "min"), Duration(lock, "min"), n
    ),
    st.integers(10, 50),
    st.integers(5, 30),
    st.integers(30, 360),
    st.integers(1, 6),
)


def _seconds(d: Duration) -> float:
    return float(d.seconds())


def _ml(v: Volume) -> float:
    return float(v.to("mL"))


class PumpMachine(RuleBasedStateMachine):
    """One pump and its reference, driven by random commands."""

    @initialize(
        key=st.sampled_from(["synchromed-ii-20", "synchromed-ii-40", "prometra-ii-20"]),
        basal=basals(),
        periodic=periodics(),
        patient=patient_settings,
        fill=st.integers(1, 40),
        threshold=st.integers(1, 4),
    )
    def setup(self, key, basal, periodic, patient, fill, threshold) -> None:
        self.model = pump_model(key)
        self.capacity = _ml(self.model.reservoir_capacity.value)
        self.pump = Pump(self.model, default_catheter(), "SN-1", T0)
        self.t = 0.0
        self.ref = Reference()
        self.res = 0.0
        self.pumped = 0.0
        self.added = 0.0
        self.withdrawn = 0.0
        self.thr = float(threshold)
        self.pump.set_low_reservoir_threshold(Volume(threshold, "mL"))
        self.low_active = False
        self.empty_active = True  # an empty new pump: the threshold call raised both
        self.patient = patient
        self.grants: list[float] = []
        self.patient_end = -math.inf
        self.oneoff_end = -math.inf
        self.stall_until = -math.inf
        self.running = False
        self.do_refill(min(fill, int(self.capacity)))
        self.do_program(basal, periodic)

    # --- helpers mirroring the commands in the reference ----------------------------------
    def do_program(self, basal: Continuous | Flex, periodic: tuple[PeriodicBolus, ...]) -> None:
        self.pump.program(Prescription(SOLUTION, basal, periodic, self.patient))
        steps = (
            [(0.0, float(basal.rate.to("mL/s")))]
            if isinstance(basal, Continuous)
            else [(_seconds(s.start), float(s.rate.to("mL/s"))) for s in basal.steps]
        )
        periodic_ref = [
            (
                self.t + _seconds(p.first_at),
                _seconds(p.every),
                _seconds(p.duration),
                _ml(p.volume) / _seconds(p.duration),
            )
            for p in periodic
        ]
        self.ref.programs.append((self.t, Standing(steps, periodic_ref)))
        if not self.running:
            self.ref.on_spans.append([self.t, math.inf])
            self.running = True

    def do_refill(self, added: int) -> None:
        self.pump.refill(added=Volume(added, "mL"), solution=SOLUTION)
        self.withdrawn += self.res
        self.added += added
        self.res = float(added)
        self.low_active = self.res <= self.thr
        self.empty_active = self.res <= 0

    def cancel_boluses(self) -> None:
        for span in self.ref.boluses:
            if span[1] > self.t:
                span[1] = self.t
        self.patient_end = min(self.patient_end, self.t)
        self.oneoff_end = min(self.oneoff_end, self.t)

    def stalled(self) -> bool:
        return self.t < self.stall_until

    # --- rules ---------------------------------------------------------------------------
    @rule(seconds=st.one_of(st.integers(1, 3600), st.integers(3600, 10 * 86400)))
    def advance(self, seconds: int) -> None:
        target = T0 + timedelta(seconds=self.t + seconds)
        b = (target - T0).total_seconds()
        a = self.t
        expected = []
        if not self.low_active and self.res > self.thr:
            t_low = self.ref.time_to(a, b, self.res - self.thr)
            if t_low is not None:
                expected.append((AlarmKind.LOW_RESERVOIR, t_low))
        if not self.empty_active and self.res > 0:
            t_empty = self.ref.time_to(a, b, self.res)
            if t_empty is not None:
                expected.append((AlarmKind.EMPTY_RESERVOIR, t_empty))
        alarms = self.pump.advance_to(target)
        got = [(al.kind, (al.at - T0).total_seconds()) for al in alarms]
        assert sorted(k.value for k, _ in got) == sorted(k.value for k, _ in expected), (
            got,
            expected,
        )
        for kind, when in expected:
            match = [w for k, w in got if k is kind]
            assert abs(match[0] - when) < 1e-3, (kind, match[0], when)
            if kind is AlarmKind.LOW_RESERVOIR:
                self.low_active = True
            else:
                self.empty_active = True
        delivered = min(self.ref.volume(a, b), self.res)
        self.res -= delivered
        self.pumped += delivered
        self.t = b

    @rule()
    def patient_bolus(self) -> None:
        p = self.patient
        lockout_ok = not self.grants or self.t - self.grants[-1] >= _seconds(p.lockout) - 1e-6
        in_window = sum(1 for g in self.grants if g > self.t - DAY + 1e-6)
        should = (
            self.running
            and not self.stalled()
            and self.t >= self.patient_end
            and lockout_ok
            and in_window < p.max_per_day
            and _ml(p.volume) <= self.res + 1e-9
        )
        decision = self.pump.request_patient_bolus()
        assert decision.granted == should, (decision, self.t)
        if should:
            self.grants.append(self.t)
            self.patient_end = self.t + _seconds(p.duration)
            rate = _ml(p.volume) / _seconds(p.duration)
            self.ref.boluses.append([self.t, self.patient_end, rate])

    @rule(tenth_ml=st.integers(1, 30), minutes=st.integers(1, 120))
    def clinician_bolus(self, tenth_ml: int, minutes: int) -> None:
        volume = Fraction(tenth_ml, 10)
        rate_ok = volume / (minutes * 60) <= MAX_BOLUS_ML_PER_S
        should = (
            not self.stalled()
            and self.t >= self.oneoff_end
            and rate_ok
            and float(volume) <= self.res + 1e-9
        )
        before = self.pump.status()
        try:
            self.pump.bolus(ClinicianBolus(Volume(volume, "mL"), Duration(minutes, "min")))
        except (PumpLimitError, PumpStateError):
            assert not should
            after = self.pump.status()
            assert after.reservoir == before.reservoir
            assert after.active_bolus == before.active_bolus
            return
        assert should
        self.oneoff_end = self.t + minutes * 60
        self.ref.boluses.append([self.t, self.oneoff_end, float(volume) / (minutes * 60)])

    @rule(added=st.integers(1, 45))
    def refill(self, added: int) -> None:
        if added > self.capacity:
            before = self.pump.delivery()
            try:
                self.pump.refill(added=Volume(added, "mL"), solution=SOLUTION)
            except PumpLimitError:
                assert self.pump.delivery().reservoir == before.reservoir
                return
            raise AssertionError("an over-capacity refill was accepted")
        self.do_refill(added)

    @rule()
    def stop(self) -> None:
        self.pump.stop()
        self.cancel_boluses()
        if self.running:
            self.ref.on_spans[-1][1] = self.t
            self.running = False

    @rule()
    def resume(self) -> None:
        self.pump.resume()
        if not self.running:
            self.ref.on_spans.append([self.t, math.inf])
            self.running = True

    @rule(basal=basals(), periodic=periodics())
    def reprogram(self, basal: Continuous | Flex, periodic: tuple[PeriodicBolus, ...]) -> None:
        self.do_program(basal, periodic)

    @rule(threshold=st.integers(1, 10))
    def set_threshold(self, threshold: int) -> None:
        if threshold >= self.capacity:
            return
        alarms = self.pump.set_low_reservoir_threshold(Volume(threshold, "mL"))
        self.thr = float(threshold)
        if self.res > self.thr:
            self.low_active = False
            assert alarms == []
        elif not self.low_active:
            assert [a.kind for a in alarms] == [AlarmKind.LOW_RESERVOIR]
            self.low_active = True

    @precondition(lambda self: not self.stalled())
    @rule(hours=st.integers(1, 48))
    def motor_stall(self, hours: int) -> None:
        alarms = self.pump.inject_fault(MotorStall(Duration(hours, "h")))
        assert [a.kind for a in alarms] == [AlarmKind.MOTOR_STALL]
        assert alarms[0].critical
        self.cancel_boluses()
        self.stall_until = self.t + hours * 3600
        self.ref.stalls.append([self.t, self.stall_until])

    # --- invariants ----------------------------------------------------------------------
    @invariant()
    def reservoir_never_negative(self) -> None:
        truth = self.pump.delivery()
        assert not truth.reservoir.is_negative()
        assert not self.pump.status().reservoir.is_negative()

    @invariant()
    def volume_is_conserved(self) -> None:
        truth = self.pump.delivery()
        balance = self.added - self.withdrawn - _ml(truth.pumped) - _ml(truth.reservoir)
        assert abs(balance) < 1e-8  # public volumes are rounded to the nanolitre

    @invariant()
    def pumped_volume_matches_reference_integral(self) -> None:
        truth = self.pump.delivery()
        assert abs(_ml(truth.pumped) - self.pumped) < 1e-6
        assert abs(_ml(self.pump.status().reservoir) - self.res) < 1e-6

    @invariant()
    def patient_boluses_respect_lockout_and_daily_max(self) -> None:
        lockout = _seconds(self.patient.lockout)
        for earlier, later in zip(self.grants, self.grants[1:], strict=False):
            assert later - earlier >= lockout - 1e-6
        for i, start in enumerate(self.grants):
            window = [g for g in self.grants[i:] if g < start + DAY - 1e-6]
            assert len(window) <= self.patient.max_per_day

    @invariant()
    def granted_boluses_are_in_the_log(self) -> None:
        granted = [e for e in self.pump.log if e.kind.value == "patient_bolus_granted"]
        assert len(granted) == len(self.grants)


PumpMachine.TestCase.settings = PumpMachine.TestCase.settings  # default profile (conftest)
TestPumpMachine = PumpMachine.TestCase

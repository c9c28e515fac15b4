"""The fleet engine decides and times everything like ``device.Pump``, the reference model.

Hypothesis draws a program (continuous or flex basal, a patient bolus or none), a fill, an
alarm volume, a true-flow factor, a battery age (old batteries reach ERI and EOS inside the
horizon), refill cycles and request times on the millisecond grid. The same commands go to
a ``Pump`` and to the engine (one pump, cycle by cycle); decisions must be identical,
alarm times within 1 µs and delivered volumes within 1e-9 mL.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from intrathecal.core.program import (
    Continuous,
    Flex,
    FlexStep,
    PatientBolus,
    Prescription,
    Solution,
)
from intrathecal.core.quantities import Concentration, Duration, Volume, VolumeRate
from intrathecal.device.events import AlarmKind
from intrathecal.device.models import default_catheter, pump_model
from intrathecal.device.pump import Pump
from intrathecal.sim import BolusRequests, Decision, FleetPrograms, FleetState, refill, run_cycle
from intrathecal.sim.fleet import to_us

T0 = datetime(2026, 1, 5, 9, 17, 3, 250_000, tzinfo=UTC)
MIDNIGHT = T0.replace(hour=0, minute=0, second=0, microsecond=0)
MORPHINE = Solution.single("morphine", Concentration.parse("10 mg/mL"))
MODEL = "synchromed-ii-20"
DAY_MS = 86_400_000

rates = st.integers(min_value=48, max_value=3_000).map(
    lambda n: VolumeRate(Fraction(n, 1000), "mL/day")
)


@st.composite
def prescriptions(draw: st.DrawFn) -> Prescription:
    """A continuous or flex basal with or without a patient bolus."""
    if draw(st.booleans()):
        basal: Continuous | Flex = Continuous(draw(rates))
    else:
        hours = sorted(draw(st.sets(st.integers(1, 23), max_size=4)))
        basal = Flex(tuple(FlexStep(Duration(h, "h"), draw(rates)) for h in [0, *hours]))
    bolus = None
    if draw(st.integers(0, 4)) > 0:
        minutes = draw(st.integers(1, 60))
        bolus = PatientBolus(
            Volume(Fraction(draw(st.integers(1, minutes * 16)), 1000), "mL"),
            Duration(minutes, "min"),
            Duration(minutes + draw(st.integers(0, 360)), "min"),
            draw(st.integers(1, 8)),
        )
    return Prescription(MORPHINE, basal, patient_bolus=bolus)


@dataclass(frozen=True)
class Case:
    prescription: Prescription
    threshold_ml: int
    flow_factor: float
    battery_age_days: int
    cycles: list[tuple[int, int, list[int]]]  # (length ms, fill µL, request offsets ms)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    n = draw(st.integers(1, 4))
    cycles = []
    for _ in range(n):
        length = draw(st.integers(1, 120 * DAY_MS))
        per_day = draw(st.sampled_from([0, 1, 3, 8, 30]))
        count = min(int(per_day * length / DAY_MS) + draw(st.integers(0, 3)), 600)
        rng = draw(st.randoms(use_true_random=False))
        times = sorted(rng.randrange(length) for _ in range(count))
        cycles.append((length, draw(st.integers(0, 20_000)), times))
    return Case(
        prescription=draw(prescriptions()),
        threshold_ml=draw(st.integers(1, 4)),
        flow_factor=draw(st.sampled_from([1.0, 0.8, 1.15])),
        battery_age_days=draw(st.sampled_from([0, 2_000, 2_300, 2_450])),
        cycles=cycles,
    )


@dataclass
class Outcome:
    decisions: list[Decision]
    alarms: list[tuple[AlarmKind, int]]  # kind, µs after T0
    delivered_ml: float


def run_pump(case: Case) -> Outcome:
    pump = Pump(
        MODEL,
        default_catheter(),
        "SN-EQ",
        T0,
        low_reservoir_threshold=Volume(case.threshold_ml, "mL"),
        battery_start=T0 - timedelta(days=case.battery_age_days),
        flow_factor=case.flow_factor,
        catheter_primed=True,
    )
    decisions: list[Decision] = []
    start = T0
    for k, (length, fill, times) in enumerate(case.cycles):
        pump.advance_to(start)
        pump.refill(added=Volume(Fraction(fill, 1000), "mL"), solution=MORPHINE)
        if k == 0:
            pump.program(case.prescription)
        for ms in times:
            pump.advance_to(start + timedelta(milliseconds=ms))
            decision = pump.request_patient_bolus()
            decisions.append(_decision(decision.granted, decision.denial))
        start += timedelta(milliseconds=length)
    pump.advance_to(start)
    kinds = {
        AlarmKind.LOW_RESERVOIR,
        AlarmKind.EMPTY_RESERVOIR,
        AlarmKind.ELECTIVE_REPLACEMENT,
        AlarmKind.END_OF_SERVICE,
    }
    alarms = [(a.kind, to_us(a.at, T0)) for a in pump.alarms if a.kind in kinds]
    return Outcome(decisions, alarms, float(pump.delivery().pumped.to("mL")))


def _decision(granted: bool, denial: object) -> Decision:
    if granted:
        return Decision.GRANTED
    return next(d for d in Decision if d.denial is denial)


def run_engine(case: Case) -> Outcome:
    model = pump_model(MODEL)
    programs = FleetPrograms.build(
        [case.prescription],
        model,
        threshold=Volume(case.threshold_ml, "mL"),
        flow_factor=case.flow_factor,
        day_anchor_us=to_us(MIDNIGHT, T0),
        battery_start_us=-case.battery_age_days * 86_400_000_000,
    )
    state = FleetState.start(programs, 0)
    decisions: list[Decision] = []
    alarms: list[tuple[AlarmKind, int]] = []
    delivered = 0.0
    t = 0
    for length, fill, times in case.cycles:
        filled = refill(state, programs, np.array([0]), fill / 1000)
        if filled.low_alarm[0]:
            alarms.append((AlarmKind.LOW_RESERVOIR, t))
        if filled.empty_alarm[0]:
            alarms.append((AlarmKind.EMPTY_RESERVOIR, t))
        requests = BolusRequests.from_lists([[ms / 1000 for ms in times]])
        res = run_cycle(state, programs, requests, t + length * 1000, record=True)
        assert res.decisions is not None
        decisions.extend(Decision(int(code)) for code in res.decisions)
        for kind, at in (
            (AlarmKind.LOW_RESERVOIR, res.low_at_s[0]),
            (AlarmKind.EMPTY_RESERVOIR, res.empty_at_s[0]),
            (AlarmKind.ELECTIVE_REPLACEMENT, res.eri_at_s[0]),
            (AlarmKind.END_OF_SERVICE, res.eos_at_s[0]),
        ):
            if not np.isnan(at):
                alarms.append((kind, t + round(at * 1e6)))
        delivered += float(res.delivered_ml[0])
        t += length * 1000
    return Outcome(decisions, alarms, delivered)


def assert_same(pump: Outcome, engine: Outcome) -> None:
    assert engine.decisions == pump.decisions
    got = sorted(engine.alarms, key=lambda a: (a[1], a[0].value))
    want = sorted(pump.alarms, key=lambda a: (a[1], a[0].value))
    assert [k for k, _ in got] == [k for k, _ in want], (got, want)
    for (_, a), (_, b) in zip(got, want, strict=True):
        assert abs(a - b) <= 1, (got, want)
    assert abs(engine.delivered_ml - pump.delivered_ml) <= 1e-9


@given(case=cases())
@settings(max_examples=150, deadline=None)
def test_engine_decisions_alarms_and_volumes_match_the_reference_pump(case: Case) -> None:
    assert_same(run_pump(case), run_engine(case))


def test_alarm_times_stay_within_a_microsecond_of_the_engine_after_six_years() -> None:
    """Six years of flex basal, 3 requests a day and 60-day refills on an aging battery."""
    rng = random.Random(6)
    steps = tuple(
        FlexStep(Duration(h, "h"), VolumeRate(Fraction(r, 100), "mL/day"))
        for h, r in ((0, 40), (6, 60), (12, 50), (20, 45))
    )
    bolus = PatientBolus(Volume("0.02", "mL"), Duration(10, "min"), Duration(3, "h"), 4)
    length = 60 * DAY_MS
    cycles = [
        (length, 20_000, sorted(rng.randrange(length) for _ in range(180))) for _ in range(36)
    ]
    case = Case(Prescription(MORPHINE, Flex(steps), (), bolus), 2, 1.0, 0, cycles)
    pump, engine = run_pump(case), run_engine(case)
    kinds = {k for k, _ in pump.alarms}
    assert AlarmKind.ELECTIVE_REPLACEMENT in kinds
    assert AlarmKind.END_OF_SERVICE in kinds
    assert_same(pump, engine)

"""Fleet engine unit tests: closed-form alarm times, request streams, splitting invariance."""

from __future__ import annotations

import hashlib
import math
import random
from fractions import Fraction

import numba
import numpy as np
import pytest
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
from intrathecal.device.models import pump_model
from intrathecal.sim import (
    BolusRequests,
    Decision,
    FleetPrograms,
    FleetResult,
    FleetState,
    PoissonRequests,
    compiled,
    draw,
    kernel,
    refill,
    run_cycle,
    run_fleet,
)
from intrathecal.sim import randomness as rnd

DAY_US = 86_400_000_000
MORPHINE = Solution.single("morphine", Concentration.parse("10 mg/mL"))
MODEL = pump_model("synchromed-ii-40")
BOLUS = PatientBolus(Volume("0.02", "mL"), Duration(10, "min"), Duration(3, "h"), 4)
FLEX = Flex(
    tuple(
        FlexStep(Duration(h, "h"), VolumeRate(Fraction(r, 100), "mL/day"))
        for h, r in ((0, 40), (6, 60), (12, 50), (20, 45))
    )
)


def _rx(rate_ml_day: str = "0.5", bolus: PatientBolus | None = None) -> Prescription:
    return Prescription(MORPHINE, Continuous(VolumeRate(rate_ml_day, "mL/day")), (), bolus)


def _filled(programs: FleetPrograms, fill_ml: float) -> FleetState:
    state = FleetState.start(programs, 0)
    refill(state, programs, np.ones(len(programs), dtype=np.bool_), fill_ml)
    return state


def test_continuous_pump_alarms_at_the_closed_form_times_and_delivers_everything() -> None:
    programs = FleetPrograms.build([_rx("0.5")], MODEL, threshold=Volume(2, "mL"))
    state = _filled(programs, 20.0)
    res = run_cycle(state, programs, BolusRequests.none(1), 60 * DAY_US)
    assert res.low_at_s[0] == pytest.approx(36 * 86_400, abs=1e-6)  # (20 - 2) / 0.5 days
    assert res.empty_at_s[0] == pytest.approx(40 * 86_400, abs=1e-6)
    assert res.dry_at_s[0] == pytest.approx(40 * 86_400, abs=1e-6)
    assert res.delivered_ml[0] == pytest.approx(20.0, abs=1e-12)
    assert res.no_flow_s[0] == pytest.approx(20 * 86_400, abs=1e-6)
    assert state.reservoir_ml[0] == 0.0
    assert state.true_ml[0] == 0.0


def test_slow_pump_runs_dry_after_its_calculated_empty_alarm() -> None:
    programs = FleetPrograms.build([_rx("0.5")], MODEL, flow_factor=0.8)
    state = _filled(programs, 20.0)
    res = run_cycle(state, programs, BolusRequests.none(1), 60 * DAY_US)
    assert res.empty_at_s[0] == pytest.approx(40 * 86_400, abs=1e-6)
    assert res.dry_at_s[0] == pytest.approx(50 * 86_400, abs=1e-6)


def test_gate_applies_lockout_then_daily_maximum_then_reservoir() -> None:
    programs = FleetPrograms.build([_rx("0.048", BOLUS)], MODEL)
    state = _filled(programs, 0.05)
    hours = [1, 2, 5, 9, 13, 17, 21, 30]  # 2: lockout; 17: fifth in 24 h; 30: reservoir
    requests = BolusRequests.from_lists([[h * 3600.0 for h in hours]])
    res = run_cycle(state, programs, requests, 2 * DAY_US, record=True)
    assert res.decisions is not None
    assert [Decision(int(d)) for d in res.decisions] == [
        Decision.GRANTED,
        Decision.LOCKOUT,
        Decision.GRANTED,
        Decision.RESERVOIR_LOW,
        Decision.RESERVOIR_LOW,
        Decision.RESERVOIR_LOW,
        Decision.RESERVOIR_LOW,
        Decision.RESERVOIR_LOW,
    ]


def test_rolling_daily_maximum_counts_across_cycles() -> None:
    programs = FleetPrograms.build([_rx("0.1", BOLUS)], MODEL)
    state = _filled(programs, 20.0)
    first = BolusRequests.from_lists([[h * 3600.0 for h in (12, 15, 18, 21)]])
    run_cycle(state, programs, first, DAY_US)
    refill(state, programs, np.array([0]), 20.0)
    second = BolusRequests.from_lists([[3600.0, 13 * 3600.0]])  # 25 h and 37 h after the start
    res = run_cycle(state, programs, second, 2 * DAY_US, record=True)
    assert res.decisions is not None
    assert [Decision(int(d)) for d in res.decisions] == [Decision.DAILY_MAXIMUM, Decision.GRANTED]


def test_generated_requests_equal_their_materialised_times() -> None:
    n = 50
    programs = FleetPrograms.build([Prescription(MORPHINE, FLEX, (), BOLUS)] * n, MODEL)
    stream = PoissonRequests(np.linspace(0.0, 12.0, n), seed=7)
    start = np.full(n, 3 * DAY_US + 12_345)
    end = start + 45 * DAY_US
    explicit = stream.materialise(programs.pump_id, start, end)
    a, b = _filled(programs, 40.0), _filled(programs, 40.0)
    a.t_us[:] = start
    b.t_us[:] = start
    got = run_cycle(a, programs, stream, end)
    want = run_cycle(b, programs, explicit, end)
    assert np.array_equal(got.counts, want.counts)
    assert np.array_equal(got.low_at_s, want.low_at_s, equal_nan=True)
    assert got.counts.sum() == explicit.times_s.shape[0] > 0
    assert np.all(np.diff(explicit.of(n - 1)) >= 0)


def test_a_stream_holds_read_only_rates_and_one_compiled_engine_serves_both_kinds() -> None:
    rates = np.array([3.0, 0.5])
    stream = PoissonRequests(rates, seed=7)
    rates[0] = 40.0  # the caller's array: the stream holds a copy of its own
    assert stream.rate_per_day.tolist() == [3.0, 0.5]
    with pytest.raises(ValueError, match="read-only"):
        stream.rate_per_day[0] = 40.0
    assert stream.thresholds is stream.thresholds  # computed once, as a study reuses it
    want_table, want_rows = rnd.poisson_table(np.array([3.0, 0.5]))
    assert np.array_equal(stream.thresholds[0], want_table)
    assert np.array_equal(stream.thresholds[1], want_rows)
    programs = FleetPrograms.build([Prescription(MORPHINE, FLEX, (), BOLUS)] * 2, MODEL)
    run_cycle(_filled(programs, 40.0), programs, stream, 30 * DAY_US)
    run_cycle(_filled(programs, 40.0), programs, BolusRequests.none(2), 30 * DAY_US)
    # a read-only array is a type of its own to numba: it would compile the engine again
    assert not any("readonly" in str(sig) for sig in kernel.advance.signatures)


def test_the_alarm_search_compares_whole_us_grants_with_the_integer_below_the_guess() -> None:
    @numba.njit
    def key(guess: float, grants: np.ndarray) -> float:
        return kernel._search_key(guess, grants)

    us = np.array([0, 5], dtype=np.int64)
    assert [key(g, us) for g in (4.999, 5.0, -0.5)] == [4, 5, -1]
    assert [key(g, us) for g in (math.inf, -math.inf, math.nan)] == [2**62, -(2**62), -(2**62)]
    assert key(4.5, us.astype(np.float64)) == 4.5  # grants in seconds: the guess itself


def test_integer_poisson_thresholds_count_like_the_float_cdf() -> None:
    """``w >= ceil(F * 2**31)`` decides exactly as ``w / 2**31 >= F``, at every threshold,
    and every threshold lies in ``[1, 2**31]`` (the compiled draw compares 32-bit lanes)."""
    lam = np.array([0.01, 0.5, 3.0, 7.25, 20.0, 150.0])
    cdf, _ = rnd.poisson_cdf(lam)
    thresholds, _ = rnd.poisson_table(lam)
    assert thresholds.min() >= 1
    assert thresholds.max() <= 2**31
    for row in range(lam.shape[0]):
        edges = thresholds[row]
        words = np.concatenate([edges - 1, edges, edges + 1, np.arange(0, 2**31, 2**19 + 7)])
        words = np.clip(words, 0, 2**31 - 1)
        as_float = np.sum(
            (words.astype(np.float64) / 2147483648.0)[:, None] >= cdf[row][None, :], axis=1
        )
        as_int = rnd.poisson_count(words, thresholds[row])
        assert np.array_equal(as_float, as_int)


def test_generated_counts_and_times_are_poisson_and_uniform() -> None:
    """The stream's statistics: a day's count has the rate's mean and variance and its
    probabilities, times are uniform over the day, and neighbouring pumps and days do
    not move together (200,000 days of four pumps; bounds of about five standard errors)."""
    days = np.arange(50_000)
    rate = 3.0
    table, _ = rnd.poisson_table(np.array([rate]))
    counts, ticks = [], []
    for pump in (0, 1, 2, 12_345):
        keys = rnd.day_keys(7, np.full(days.shape, pump), days)
        counts.append(rnd.poisson_count(rnd.count_word(keys), table[0]))
        ticks.append(rnd.tick_of_day(rnd.word(keys, 1)) / rnd.TICKS_PER_DAY)
    c = np.concatenate(counts)
    assert abs(c.mean() - rate) < 5 * np.sqrt(rate / c.size)
    assert abs(c.var() - rate) < 0.05
    pmf = np.exp(-rate) * rate ** np.arange(8) / np.cumprod([1, 1, 2, 3, 4, 5, 6, 7])
    assert np.allclose(np.bincount(c, minlength=8)[:8] / c.size, pmf, atol=0.004)
    u = np.concatenate(ticks)
    assert np.allclose(np.histogram(u, bins=10, range=(0, 1))[0] / u.size, 0.1, atol=0.003)
    for a, b in ((counts[0], counts[1]), (counts[0][:-1], counts[0][1:])):
        assert abs(np.corrcoef(a, b)[0, 1]) < 0.02


def test_request_streams_do_not_depend_on_where_cycles_are_cut() -> None:
    stream = PoissonRequests.uniform(3, 3.0, seed=11)
    ids = np.array([5, 6, 7])
    zero = np.zeros(3, dtype=np.int64)
    whole = stream.materialise(ids, zero, zero + 40 * DAY_US)
    cut = 17 * DAY_US + 1_000
    first = stream.materialise(ids, zero, zero + cut)
    second = stream.materialise(ids, zero + cut, zero + 40 * DAY_US)
    for i in range(3):
        joined = np.concatenate([first.of(i), second.of(i) + cut / 1e6])
        assert np.allclose(joined, whole.of(i), rtol=0, atol=1e-9)


def test_fleet_split_in_two_gives_identical_totals() -> None:
    n = 40
    rx = Prescription(MORPHINE, FLEX, (), BOLUS)
    programs = FleetPrograms.build([rx] * n, MODEL, battery_start_us=-6 * 365 * DAY_US)
    stream = PoissonRequests.uniform(n, 3.0, seed=3)
    kwargs = {"horizon_us": 400 * DAY_US, "refill_every_us": 75 * DAY_US, "refill_ml": 40.0}
    whole = run_fleet(programs, FleetState.start(programs, 0), stream, **kwargs)  # type: ignore[arg-type]
    parts = []
    for rows in (np.arange(0, 13), np.arange(13, n)):
        sub = programs.take(rows)
        parts.append(
            run_fleet(sub, FleetState.start(sub, 0), stream.take(rows), **kwargs)  # type: ignore[arg-type]
        )
    merged = FleetResult.concat(parts)
    assert merged.equals(whole)
    assert whole.counts[:, Decision.GRANTED].sum() > 0
    assert np.all(whole.low_alarms > 0)
    assert np.all(whole.eri_us > 0)


def test_refill_over_capacity_is_refused() -> None:
    programs = FleetPrograms.build([_rx()], MODEL)
    state = FleetState.start(programs, 0)
    with pytest.raises(ValueError, match="capacity"):
        refill(state, programs, np.array([0]), 41.0)


@pytest.mark.parametrize(
    ("times", "message"),
    [
        ([[5.0, 1.0], []], "in order"),
        ([[-1.0], []], "not negative"),
        ([[math.nan], []], "finite"),
        ([[math.inf], []], "finite"),
    ],
)
def test_explicit_request_times_must_be_sorted_seconds_from_the_cycle_start(
    times: list[list[float]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        BolusRequests.from_lists(times)
    # each pump's times start again from its own cycle start
    assert len(BolusRequests.from_lists([[5.0, 9.0], [1.0], []])) == 3


def test_the_engine_refuses_inputs_it_would_misread() -> None:
    programs = FleetPrograms.build([_rx(bolus=BOLUS)] * 2, MODEL)
    stream = PoissonRequests.uniform(2, 3.0, 1)
    for wrong in (PoissonRequests.uniform(1, 3.0, 1), BolusRequests.none(3)):
        with pytest.raises(ValueError, match="one stream per pump wanted"):
            run_cycle(_filled(programs, 20.0), programs, wrong, DAY_US)
    with pytest.raises(ValueError, match="whole microseconds"):
        run_cycle(_filled(programs, 20.0), programs, stream, np.array([1.5e9, 1.5e9]))
    with pytest.raises(ValueError, match="whole microseconds"):
        run_fleet(
            programs,
            FleetState.start(programs, 0),
            stream,
            horizon_us=365.25 * DAY_US,  # type: ignore[arg-type]
            refill_every_us=60 * DAY_US,
            refill_ml=20.0,
        )
    with pytest.raises(ValueError, match="capacity"):
        refill(FleetState.start(programs, 0), programs, np.array([0]), math.nan)
    for flow in (math.nan, -0.1, 2.5):
        with pytest.raises(ValueError, match="flow_factor"):
            FleetPrograms.build([_rx()], MODEL, flow_factor=flow)


def test_register_gate_decides_like_the_recording_gate() -> None:
    """Generated streams take the branch-free int64 µs gate (daily maximum 1-8 in registers);
    their materialised times through the general float gate, recording each decision, must
    give the same counts, grant history, bolus state and reservoir, cycle after cycle."""
    n = 240
    rxs = [
        Prescription(
            MORPHINE,
            FLEX,
            (),
            PatientBolus(
                Volume("0.02", "mL"),
                Duration(5 + k % 30, "min"),
                Duration(35 + (k * 37) % 300, "min"),
                1 + k % 8,
            ),
        )
        for k in range(n)
    ]
    programs = FleetPrograms.build(rxs, MODEL)
    stream = PoissonRequests(np.linspace(0.5, 20.0, n), seed=5)
    fills = np.where(np.arange(n) % 3 == 0, 24.0, 40.0)  # some run low: the reservoir decides
    fast, slow = FleetState.start(programs, 0), FleetState.start(programs, 0)
    start = 3 * DAY_US + 12_345  # cycles start and end inside days
    for state in (fast, slow):
        state.t_us[:] = start
        refill(state, programs, np.arange(n), fills)
    for k in range(1, 5):
        end = np.full(n, start + k * 47 * DAY_US + k * 1_000)
        explicit = stream.materialise(programs.pump_id, fast.t_us.copy(), end)
        got = run_cycle(fast, programs, stream, end)
        want = run_cycle(slow, programs, explicit, end, record=True)
        assert want.decisions is not None
        assert np.array_equal(got.counts, want.counts)
        assert np.array_equal(
            want.counts,
            np.stack(
                [
                    np.bincount(
                        want.decisions[explicit.offsets[i] : explicit.offsets[i + 1]], minlength=7
                    )
                    for i in range(n)
                ]
            ),
        )
        assert np.array_equal(got.low_at_s, want.low_at_s, equal_nan=True)
        for name in ("grants_s", "bolus_end_s", "bolus_rate_ml_s", "reservoir_ml", "true_ml"):
            assert np.array_equal(getattr(fast, name), getattr(slow, name)), name
        refill(fast, programs, np.arange(n), fills)
        refill(slow, programs, np.arange(n), fills)
    for code in (Decision.BOLUS_RUNNING, Decision.LOCKOUT, Decision.DAILY_MAXIMUM):
        assert got.counts[:, code].sum() > 0
    assert want.counts[:, Decision.RESERVOIR_LOW].sum() > 0


@given(
    minutes=st.integers(1, 60),
    extra_lockout=st.integers(0, 360),
    max_per_day=st.integers(1, 10),
    rate=st.sampled_from([0.5, 3.0, 8.0, 20.0]),
    fill=st.sampled_from([6.0, 20.0, 40.0]),
    seed=st.integers(0, 2**32),
    start=st.integers(0, 2 * DAY_US),
    lengths=st.lists(st.integers(1, 150 * DAY_US // 1000), min_size=1, max_size=3),
)
@settings(max_examples=60, deadline=None)
def test_register_gate_property(
    minutes: int,
    extra_lockout: int,
    max_per_day: int,
    rate: float,
    fill: float,
    seed: int,
    start: int,
    lengths: list[int],
) -> None:
    """Any bolus settings, rate, fill and cycle cuts (µs, inside days): a generated stream
    decides, counts and leaves the state exactly as its materialised times through the
    general gate (daily maxima above the register window take the general gate too)."""
    bolus = PatientBolus(
        Volume("0.02", "mL"),
        Duration(minutes, "min"),
        Duration(minutes + extra_lockout, "min"),
        max_per_day,
    )
    n = 4
    programs = FleetPrograms.build([Prescription(MORPHINE, FLEX, (), bolus)] * n, MODEL)
    stream = PoissonRequests.uniform(n, rate, seed)
    fast, slow = FleetState.start(programs, start), FleetState.start(programs, start)
    end = start
    for length_ms in lengths:
        end += length_ms * 1000 + 7
        for state in (fast, slow):
            refill(state, programs, np.arange(n), fill)
        explicit = stream.materialise(programs.pump_id, fast.t_us.copy(), np.full(n, end))
        got = run_cycle(fast, programs, stream, end)
        want = run_cycle(slow, programs, explicit, end, record=True)
        assert np.array_equal(got.counts, want.counts)
        assert got.counts.sum() == explicit.times_s.shape[0]
        for name in ("low_at_s", "empty_at_s"):
            assert np.array_equal(getattr(got, name), getattr(want, name), equal_nan=True)
        for name in ("grants_s", "bolus_end_s", "reservoir_ml", "true_ml"):
            assert np.array_equal(getattr(fast, name), getattr(slow, name)), name


def _exact_flex_time(
    hours: list[int], rates: list[Fraction], phase: Fraction, volume: Fraction
) -> Fraction:
    """Seconds until a flex program (from day-time ``phase``) delivers ``volume``, in rationals."""
    starts = [Fraction(h * 3600) for h in [0, *hours]]
    per_s = [r / 86_400 for r in rates]
    t = Fraction(0)
    while True:
        x = (phase + t) % 86_400
        i = max(j for j, s in enumerate(starts) if s <= x)
        piece = (starts[i + 1] if i + 1 < len(starts) else Fraction(86_400)) - x
        if per_s[i] * piece >= volume:
            return t + volume / per_s[i]
        volume -= per_s[i] * piece
        t += piece


def test_alarm_time_in_year_six_is_within_100_ns_of_exact_rational_arithmetic() -> None:
    rng = random.Random(3)
    for _ in range(40):
        hours = sorted(rng.sample(range(1, 24), rng.randint(0, 4)))
        rates = [Fraction(rng.randint(48, 3000), 1000) for _ in range(len(hours) + 1)]
        steps = tuple(
            FlexStep(Duration(h, "h"), VolumeRate(r, "mL/day"))
            for h, r in zip([0, *hours], rates, strict=True)
        )
        programs = FleetPrograms.build(
            [Prescription(MORPHINE, Flex(steps))], MODEL, threshold=Volume(2, "mL")
        )
        start = 6 * 365 * DAY_US + rng.randrange(DAY_US)
        state = FleetState.start(programs, start)
        fill = Fraction(rng.randint(5_000, 40_000), 1000)
        refill(state, programs, np.array([0]), float(fill))
        res = run_cycle(state, programs, BolusRequests.none(1), start + 400 * DAY_US)
        exact = _exact_flex_time(hours, rates, Fraction(start % DAY_US, 10**6), fill - 2)
        assert abs(res.low_at_s[0] - float(exact)) < 1e-7


def test_compiled_caches_are_stamped_by_every_compiled_source() -> None:
    """numba invalidates a cached function only when its own file changes, but the engine's
    functions take code and constants from each other's files (``advance`` inlines the
    draw, which reads the stream's constants): each is stamped by all of them."""
    names = {path.name for path in compiled.COMPILED_SOURCES}
    assert names == {"compiled.py", "draw.py", "kernel.py", "randomness.py"}
    want = b"".join(hashlib.sha256(p.read_bytes()).digest() for p in compiled.COMPILED_SOURCES)
    for dispatcher in (kernel.advance, kernel._solve, draw.request_times, compiled.mix):
        locator = dispatcher._cache._impl._locator  # numba's cache locator for the function
        assert locator.get_source_stamp() == want

"""Closed-form schedule integrals and crossing times agree with brute-force stepping."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intrathecal.device.schedule import Cycle, Schedule

DAY = 86_400.0


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    starts = sorted({0, *draw(st.sets(st.integers(1, 23), max_size=4))})
    rates = [draw(st.integers(0, 100)) / DAY for _ in starts]
    cycles = [Cycle.build(0.0, DAY, tuple(s * 3600.0 for s in starts), tuple(rates))]
    if draw(st.booleans()):
        every = draw(st.integers(2, 12)) * 3600.0
        length = draw(st.integers(1, 60)) * 60.0
        begin = draw(st.integers(0, 48)) * 3600.0
        cycles.append(Cycle.build(begin, every, (0.0, length), (1.0 / length, 0.0), begin=begin))
    return Schedule(draw(st.integers(0, 50)) / DAY, tuple(cycles))


def brute_volume(s: Schedule, a: float, b: float, step: float = 60.0) -> float:
    """Minute stepping; exact here because every breakpoint is on a whole minute."""
    total, t = 0.0, a
    while t < b:
        nxt = min(t + step, b)
        total += s.rate(t) * (nxt - t)
        t = nxt
    return total


@given(schedules(), st.integers(0, 3 * 1440), st.integers(1, 2 * 1440))
def test_cumulative_volume_equals_minute_by_minute_sum(
    s: Schedule, start: int, length: int
) -> None:
    a, b = start * 60.0, (start + length) * 60.0
    assert s.cum(b) - s.cum(a) == pytest.approx(brute_volume(s, a, b), rel=1e-9, abs=1e-12)


@given(schedules(), st.integers(0, 1440), st.floats(0.01, 0.99))
def test_solve_finds_the_first_time_the_level_is_reached(
    s: Schedule, start: int, share: float
) -> None:
    a = start * 60.0
    b = a + 20 * DAY
    total = s.cum(b) - s.cum(a)
    if total <= 0:
        return
    level = share * total
    t = s.solve(a, b, level)
    assert s.cum(t) - s.cum(a) == pytest.approx(level, rel=1e-9, abs=1e-12)
    assert s.cum(t - 1.0) - s.cum(a) < level  # not reached a second earlier


def test_solve_with_a_time_term_handles_an_idle_schedule() -> None:
    idle = Schedule(0.0)
    assert idle.solve(0.0, 100.0, 5.0, alpha=0.1, beta=1.0) == pytest.approx(50.0)
    assert idle.solve_unbounded(0.0, 1.0) is None


def test_unbounded_solve_reaches_far_levels() -> None:
    s = Schedule(1.0 / DAY)
    assert s.solve_unbounded(0.0, 1000.0) == pytest.approx(1000 * DAY)


def test_cycle_before_its_begin_delivers_nothing() -> None:
    c = Cycle.build(3600.0, 7200.0, (0.0, 600.0), (1.0, 0.0), begin=3600.0)
    assert c.cum(0.0) == 0.0
    assert c.cum(3600.0 + 300.0) == pytest.approx(300.0)
    assert c.next_break(0.0) == 3600.0
    assert c.rate(0.0) == 0.0
    assert math.isinf(Schedule(1.0).next_break(0.0))

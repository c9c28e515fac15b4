"""CP-SAT refill scheduling: deadlines hold, capacity holds, fewest visits, clear failures."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intrathecal.sim.errors import SchedulingError
from intrathecal.sim.scheduling import (
    ClinicSession,
    RefillDemand,
    SchedulingPolicy,
    greedy_schedule,
    naive_schedule,
    solve_refill_schedule,
    visit_deadlines,
)
from tests.sim.schedule_check import schedule_violations

POLICY = SchedulingPolicy(margin_days=7, baclofen_margin_days=14, time_limit_s=10, workers=1)


def weekdays(location: str, horizon: int, minutes: int) -> list[ClinicSession]:
    return [ClinicSession(location, d, minutes) for d in range(horizon) if d % 7 < 5]


def demand(pump: str, alarm: int, cycle: int = 60, baclofen: bool = False) -> RefillDemand:
    return RefillDemand(pump, alarm, cycle, 30, {"main": 0, "north": 40}, baclofen)


def test_each_pump_is_refilled_before_alarm_minus_margin() -> None:
    demands = [demand("a", 20), demand("b", 50), demand("c", 200)]
    sessions = weekdays("main", 90, 240)
    schedule = solve_refill_schedule(demands, sessions, 90, POLICY)
    assert schedule_violations(schedule, demands, sessions, 90, POLICY) == []
    assert schedule.visits_of("c") == []  # alarm far beyond the horizon: no visit
    assert all(v.day <= 13 for v in schedule.visits_of("a")[:1])


def test_baclofen_gets_the_wider_margin() -> None:
    demands = [demand("bac", 30, baclofen=True)]
    sessions = weekdays("main", 60, 240)
    schedule = solve_refill_schedule(demands, sessions, 60, POLICY)
    first = schedule.visits_of("bac")[0]
    assert first.day <= 30 - 14
    assert schedule_violations(schedule, demands, sessions, 60, POLICY) == []


def test_solver_uses_fewest_visits_by_refilling_late() -> None:
    # Alarm on day 30, margin 7: first visit by day 23; each refill buys 40 - 7 = 33 days.
    # Two visits cover at most day 23 + 33 + 33 = 89 < 90, so three are needed; with a
    # 100-day cycle one visit covers the 90-day horizon.
    sessions = [ClinicSession("main", d, 60) for d in range(90)]
    short = solve_refill_schedule([demand("a", 30, cycle=40)], sessions, 90, POLICY)
    long = solve_refill_schedule([demand("a", 30, cycle=100)], sessions, 90, POLICY)
    assert short.status == long.status == "OPTIMAL"
    assert len(short.visits) == 3
    assert len(long.visits) == 1
    for schedule, cycle in ((short, 40), (long, 100)):
        demands = [demand("a", 30, cycle=cycle)]
        assert schedule_violations(schedule, demands, sessions, 90, POLICY) == []


def test_capacity_moves_visits_apart_and_naive_booking_overbooks() -> None:
    demands = [demand(f"p{i}", 20, cycle=200) for i in range(4)]
    sessions = [ClinicSession("main", d, 60) for d in range(60)]  # two visits a day
    schedule = solve_refill_schedule(demands, sessions, 60, POLICY)
    assert schedule_violations(schedule, demands, sessions, 60, POLICY) == []
    naive = naive_schedule(demands, sessions, 60, POLICY)
    assert naive.stats["overbooked_minutes"] == 60.0  # four visits on day 13, room for two
    assert schedule.stats["overbooked_minutes"] == 0.0


def test_travel_prefers_the_nearest_location_when_it_has_room() -> None:
    demands = [demand("a", 20, cycle=200)]
    sessions = [*weekdays("main", 30, 240), *weekdays("north", 30, 240)]
    schedule = solve_refill_schedule(demands, sessions, 30, POLICY)
    assert {v.location for v in schedule.visits} == {"main"}
    assert schedule.travel_minutes == 0


def test_greedy_refills_a_day_early_at_home_rather_than_travel() -> None:
    # Deadline day 11, a Friday (alarm 18, margin 7): home is full that day, the other site
    # is not; home has room on the Thursday.
    demands = [demand("a", 18, cycle=200)]
    home = [s for s in weekdays("main", 30, 240) if s.day != 11]
    sessions = [*home, *weekdays("north", 30, 240)]
    greedy = greedy_schedule(demands, sessions, 30, POLICY)
    assert [(v.day, v.location) for v in greedy.visits] == [(10, "main")]
    assert greedy.travel_minutes == 0
    solved = solve_refill_schedule(demands, sessions, 30, POLICY)
    assert [(v.day, v.location) for v in solved.visits] == [(10, "main")]


def test_a_pump_alarming_before_any_clinic_day_is_named_late() -> None:
    demands = [demand("late", 3, cycle=200), demand("ok", 40, cycle=200)]
    sessions = [ClinicSession("main", d, 240) for d in range(10, 60)]
    schedule = solve_refill_schedule(demands, sessions, 60, POLICY)
    assert schedule.late_pumps == ("late",)
    assert schedule.visits_of("late")[0].day == 10


def test_a_short_cycle_over_closed_weekends_is_scheduled_and_named_late() -> None:
    # Cycle 9, margin 7: a visit every 2 days, which no Monday-Friday clinic can keep over a
    # weekend. The plan still refills the pump on every open day it must (Friday, then
    # Monday, late) instead of failing or dropping it; a pump with room to spare keeps its
    # deadlines and is not named.
    demands = [demand("short", 12, cycle=9), demand("ok", 30, cycle=200)]
    sessions = weekdays("main", 28, 240)
    schedule = solve_refill_schedule(demands, sessions, 28, POLICY)
    days = [v.day for v in schedule.visits_of("short")]
    assert schedule.late_pumps == ("short",)
    assert days[0] <= 5
    assert all(b - a <= 2 or (a % 7, b % 7) == (4, 0) for a, b in itertools.pairwise(days))
    assert days[-1] + 2 >= 28 or days[-1] == max(d for d in range(28) if d % 7 < 5)
    assert schedule_violations(schedule, demands, sessions, 28, POLICY) == []


def test_not_enough_nurse_time_is_a_clear_error() -> None:
    demands = [demand(f"p{i}", 15, cycle=300) for i in range(5)]
    sessions = [ClinicSession("main", d, 30) for d in range(3)]
    with pytest.raises(SchedulingError, match="no schedule keeps every refill deadline"):
        solve_refill_schedule(demands, sessions, 20, POLICY)


def test_inconsistent_sessions_are_refused() -> None:
    one = [RefillDemand("x", 10, 30, 30, {"main": 0})]
    twice = [ClinicSession("main", 1, 60), ClinicSession("main", 1, 60)]
    with pytest.raises(SchedulingError, match="listed twice"):
        solve_refill_schedule(one, twice, 20, POLICY)
    with pytest.raises(SchedulingError, match="outside the horizon"):
        solve_refill_schedule(one, [ClinicSession("main", 25, 60)], 20, POLICY)


def test_demands_refuse_nonsense() -> None:
    with pytest.raises(SchedulingError, match="cycle_days"):
        RefillDemand("x", 10, 0, 30, {"main": 0})
    with pytest.raises(SchedulingError, match="no reachable location"):
        RefillDemand("x", 10, 30, 30, {})


demands_strategy = st.lists(
    st.builds(
        RefillDemand,
        pump_id=st.uuids().map(str),
        alarm_day=st.integers(-10, 120),
        cycle_days=st.integers(3, 180),
        visit_minutes=st.sampled_from([30, 45]),
        travel_minutes=st.sampled_from([{"main": 0}, {"main": 30, "north": 0}, {"north": 10}]),
        baclofen=st.booleans(),
    ),
    min_size=1,
    max_size=12,
    unique_by=lambda d: d.pump_id,
)


@settings(max_examples=25)
@given(demands=demands_strategy)
def test_solver_schedule_is_valid_and_never_worse_than_greedy(
    demands: list[RefillDemand],
) -> None:
    horizon = 70
    sessions = [*weekdays("main", horizon, 240), *weekdays("north", horizon, 120)]
    schedule = solve_refill_schedule(demands, sessions, horizon, POLICY)
    assert schedule_violations(schedule, demands, sessions, horizon, POLICY) == []
    greedy = greedy_schedule(demands, sessions, horizon, POLICY)
    if not greedy.late_pumps and greedy.stats["overbooked_minutes"] == 0:
        assert len(schedule.visits) <= len(greedy.visits)


def test_a_long_overdue_pump_is_booked_first_and_named_late() -> None:
    demands = [demand("overdue", -40, cycle=60), demand("ok", 50, cycle=200)]
    sessions = weekdays("main", 14, 240)
    schedule = solve_refill_schedule(demands, sessions, 14, POLICY)
    assert schedule.late_pumps == ("overdue",)
    assert schedule.visits_of("overdue")[0].day == 0


def test_each_visit_is_given_the_deadline_the_visit_before_it_bought() -> None:
    pump = demand("a", 30, cycle=40)  # margin 7: first by day 23, then 33 days per refill
    assert visit_deadlines(pump, POLICY, [20, 50, 80]) == [23, 53, 83]
    assert visit_deadlines(pump, POLICY, []) == []

"""Refill scheduling with CP-SAT: refill visits on clinic days so no pump reaches its alarm.

Every pump has a day on which its low-reservoir alarm would sound and a refill cycle (days
from a full refill to the next alarm). A visit must fall no later than the alarm day minus
a margin (wider for baclofen, whose abrupt stop is life-threatening); each visit refills the
pump, so the next deadline is the visit day plus the cycle minus the margin. Visits use
nurse minutes of a location's clinic day, up to that day's capacity. Among schedules that
keep every deadline (hard), the solver prefers fewer visits and less travel (soft).

Days are integers counted from the first day of the horizon. Inputs come from the fleet
simulator or from the clinic database (through the CLI); the module knows neither.
"""

from __future__ import annotations

import bisect
import heapq
import math
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from ortools.sat.python import cp_model

from intrathecal.sim.errors import SchedulingError


@dataclass(frozen=True)
class RefillDemand:
    """One pump to keep filled: its alarm day, cycle, visit length and reachable locations."""

    pump_id: str
    alarm_day: int
    cycle_days: int
    visit_minutes: int
    travel_minutes: Mapping[str, int]
    baclofen: bool = False

    def __post_init__(self) -> None:
        if self.cycle_days < 1:
            raise SchedulingError(f"{self.pump_id}: cycle_days must be >= 1")
        if self.visit_minutes < 1:
            raise SchedulingError(f"{self.pump_id}: visit_minutes must be >= 1")
        if not self.travel_minutes:
            raise SchedulingError(f"{self.pump_id}: no reachable location")


@dataclass(frozen=True)
class ClinicSession:
    """A location open on a day with this many nurse minutes for refills."""

    location: str
    day: int
    nurse_minutes: int


@dataclass(frozen=True)
class SchedulingPolicy:
    """Margins (hard) and weights (soft); margins and defaults are unverified local choices."""

    margin_days: int = 7
    baclofen_margin_days: int = 14
    lateness_weight: int = 100_000
    visit_weight: int = 100
    travel_weight: int = 1
    time_limit_s: float = 60.0
    deterministic: bool = False  # limit by the solver's deterministic time: reproducible plans
    workers: int = 2
    seed: int = 0
    log_progress: bool = False

    def margin(self, demand: RefillDemand) -> int:
        """The days a visit must come before this pump's alarm."""
        return self.baclofen_margin_days if demand.baclofen else self.margin_days


@dataclass(frozen=True)
class ScheduledVisit:
    """A booked refill: which pump, which day, where."""

    pump_id: str
    day: int
    location: str


@dataclass(frozen=True)
class RefillSchedule:
    """The solver's answer with what it cost and how it was found."""

    status: str
    visits: tuple[ScheduledVisit, ...]
    travel_minutes: int
    nurse_minutes: int
    late_pumps: tuple[str, ...] = ()
    solve_seconds: float = 0.0
    stats: Mapping[str, float] = field(default_factory=dict)

    def visits_of(self, pump_id: str) -> list[ScheduledVisit]:
        """This pump's visits in day order."""
        return sorted((v for v in self.visits if v.pump_id == pump_id), key=lambda v: v.day)


class _FirstSolution(cp_model.CpSolverSolutionCallback):
    """Notes when the solver finds its first schedule (seconds after ``started``)."""

    def __init__(self, started: float) -> None:
        super().__init__()
        self.started = started
        self.seconds = math.nan

    def on_solution_callback(self) -> None:
        if math.isnan(self.seconds):
            self.seconds = time.perf_counter() - self.started


@dataclass
class _Visit:
    """Model variables of one possible visit (internal)."""

    present: cp_model.IntVar
    day: cp_model.IntVar
    at: dict[str, cp_model.IntVar]


def first_deadline(demand: RefillDemand, policy: SchedulingPolicy) -> int:
    """Last day the first visit may fall on (alarm day minus the margin)."""
    return demand.alarm_day - policy.margin(demand)


def visit_deadlines(
    demand: RefillDemand, policy: SchedulingPolicy, days: Sequence[int]
) -> list[int]:
    """The deadline each of a pump's visits (on ``days``, in order) had to meet: the first
    its alarm minus the margin, each later one what the visit before it bought."""
    if not days:
        return []
    return [first_deadline(demand, policy), *(day + _step(demand, policy) for day in days[:-1])]


def _step(demand: RefillDemand, policy: SchedulingPolicy) -> int:
    """Days from a visit to the next deadline (at least one)."""
    return max(1, demand.cycle_days - policy.margin(demand))


@dataclass(frozen=True)
class _Calendar:
    """One pump's reachable clinic days and how far each visit carries it (internal).

    ``limit[d]`` is the latest day the visit after one on day ``d`` may fall on: the last
    reachable day in ``(d, d + step]``, or, when the clinic is closed all that time, the
    first reachable day after ``d`` (late, but the earliest possible). ``need[d]`` says
    whether a visit on day ``d`` needs another one inside the horizon.
    """

    days: list[int]
    step: int
    limit: list[int]
    need: list[int]

    @classmethod
    def of(cls, days: list[int], step: int, horizon: int) -> _Calendar:
        limit, need = [], []
        for d in range(horizon):
            after = bisect.bisect_right(days, d)
            within = bisect.bisect_right(days, d + step)
            if within > after:
                limit.append(days[within - 1])
            else:
                limit.append(days[after] if after < len(days) else horizon)
            need.append(int(d + step < horizon and after < len(days)))
        return cls(days, step, limit, need)

    @property
    def has_gaps(self) -> bool:
        """Whether some visit cannot be followed within ``step`` days (closed days)."""
        return any(b - a > self.step for a, b in pairwise(self.days))

    def max_visits(self, deadline: int, horizon: int) -> int:
        """An upper bound on the visits the pump needs: the chain from its earliest day,
        each visit on the latest day it may (starting later never needs more), plus one.
        """
        if deadline >= horizon:
            return 1
        count, day = 1, self.days[0]
        while self.need[day]:
            day, count = self.limit[day], count + 1
        return count + 1


def _follow(model: cp_model.CpModel, calendar: _Calendar, prev: _Visit, visit: _Visit) -> None:
    """The visit after ``prev`` comes after it and no later than the calendar allows."""
    model.add_implication(visit.present, prev.present)
    model.add(visit.day >= prev.day + 1).only_enforce_if(visit.present)
    if calendar.has_gaps:
        limit = model.new_int_var(0, max(calendar.limit), "")
        model.add_element(prev.day, calendar.limit, limit)
        model.add(visit.day <= limit).only_enforce_if(visit.present)
    else:
        model.add(visit.day <= prev.day + calendar.step).only_enforce_if(visit.present)


def _cover(
    model: cp_model.CpModel,
    calendar: _Calendar,
    horizon: int,
    visit: _Visit,
    last: list[cp_model.LiteralT],
) -> None:
    """The last visit of a chain (all of ``last`` hold) needs no other inside the horizon."""
    if calendar.days[-1] + calendar.step >= horizon:
        model.add(visit.day + calendar.step >= horizon).only_enforce_if(last)
    else:
        need = model.new_bool_var("")
        model.add_element(visit.day, calendar.need, need)
        model.add(need == 0).only_enforce_if(last)


def _open_days(sessions: Sequence[ClinicSession]) -> dict[str, list[int]]:
    days: dict[str, list[int]] = defaultdict(list)
    for s in sessions:
        if s.nurse_minutes > 0:
            days[s.location].append(s.day)
    return {loc: sorted(set(d)) for loc, d in days.items()}


def _validate(
    demands: Sequence[RefillDemand], sessions: Sequence[ClinicSession], horizon: int
) -> None:
    if horizon < 1:
        raise SchedulingError("the horizon must be at least one day")
    ids = [d.pump_id for d in demands]
    if len(ids) != len(set(ids)):
        raise SchedulingError("each pump may appear once in the demands")
    seen: set[tuple[str, int]] = set()
    for s in sessions:
        if not 0 <= s.day < horizon:
            raise SchedulingError(f"session {s.location} day {s.day} is outside the horizon")
        if s.nurse_minutes < 0:
            raise SchedulingError(f"session {s.location} day {s.day}: negative capacity")
        if (s.location, s.day) in seen:
            raise SchedulingError(f"session {s.location} day {s.day} is listed twice")
        seen.add((s.location, s.day))


def solve_refill_schedule(
    demands: Sequence[RefillDemand],
    sessions: Sequence[ClinicSession],
    horizon: int,
    policy: SchedulingPolicy | None = None,
) -> RefillSchedule:
    """Book refills so every pump is refilled by its deadline; fewest visits, least travel.

    Deadlines come first: a pump that cannot be refilled by its first deadline (it alarms
    before any day it can be seen, or capacity runs out) is booked as early as the rest
    allows, with the total days late minimised, and named in ``late_pumps`` (it needs an
    urgent slot outside this schedule). Later visits always keep their deadlines. Raises
    SchedulingError when no schedule is found in the time limit.
    """
    policy = policy or SchedulingPolicy()
    _validate(demands, sessions, horizon)
    open_days = _open_days(sessions)
    capacity = {(s.location, s.day): s.nurse_minutes for s in sessions}
    model = cp_model.CpModel()
    visits: dict[str, list[_Visit]] = {}
    lateness_terms: list[tuple[cp_model.IntVar, str]] = []
    by_location: dict[str, list[tuple[cp_model.IntervalVar, int]]] = defaultdict(list)
    travel_terms: list[tuple[cp_model.IntVar, int]] = []
    greedy = greedy_schedule(demands, sessions, horizon, policy)
    hint: dict[str, list[ScheduledVisit]] = defaultdict(list)
    for v in greedy.visits:
        hint[v.pump_id].append(v)

    for demand in demands:
        reachable = _home(demand, open_days)
        if not reachable:
            raise SchedulingError(f"{demand.pump_id}: no open clinic day at its locations")
        reachable_days = sorted({d for loc in reachable for d in open_days[loc]})
        deadline = first_deadline(demand, policy)
        lateness = model.new_int_var(0, horizon + max(0, -deadline), f"late_{demand.pump_id}")
        lateness_terms.append((lateness, demand.pump_id))
        calendar = _Calendar.of(reachable_days, _step(demand, policy), horizon)
        chain: list[_Visit] = []
        for j in range(calendar.max_visits(deadline, horizon)):
            present = model.new_bool_var(f"p_{demand.pump_id}_{j}")
            day = model.new_int_var_from_domain(
                cp_model.Domain.from_values(reachable_days), f"d_{demand.pump_id}_{j}"
            )
            at: dict[str, cp_model.IntVar] = {}
            for loc in reachable:
                lit = model.new_bool_var(f"l_{demand.pump_id}_{j}_{loc}")
                if len(open_days[loc]) < len(reachable_days):
                    model.add_linear_expression_in_domain(
                        day, cp_model.Domain.from_values(open_days[loc])
                    ).only_enforce_if(lit)
                interval = model.new_optional_fixed_size_interval_var(
                    day, 1, lit, f"i_{demand.pump_id}_{j}_{loc}"
                )
                by_location[loc].append((interval, demand.visit_minutes))
                travel_terms.append((lit, demand.travel_minutes[loc]))
                at[loc] = lit
            model.add_exactly_one([*at.values(), present.Not()])
            if j == 0:
                model.add(day <= deadline + lateness).only_enforce_if(present)
                if deadline < horizon:
                    model.add(present == 1)
            else:
                _follow(model, calendar, chain[-1], _Visit(present, day, at))
            chain.append(_Visit(present, day, at))
        for j, visit in enumerate(chain):
            nxt = chain[j + 1].present.Not() if j + 1 < len(chain) else None
            _cover(
                model,
                calendar,
                horizon,
                visit,
                [visit.present] if nxt is None else [visit.present, nxt],
            )
        _apply_hint(model, chain, hint.get(demand.pump_id, []))
        first = hint.get(demand.pump_id, [])
        model.add_hint(lateness, max(0, first[0].day - deadline) if first else 0)
        visits[demand.pump_id] = chain

    for loc, items in by_location.items():
        peak = max((capacity.get((loc, d), 0) for d in open_days.get(loc, [])), default=0)
        fillers = [
            (model.new_fixed_size_interval_var(d, 1, f"cap_{loc}_{d}"), peak - capacity[(loc, d)])
            for d in open_days.get(loc, [])
            if capacity[(loc, d)] < peak
        ]
        all_items = items + fillers
        model.add_cumulative([i for i, _ in all_items], [m for _, m in all_items], peak)

    presences = [v.present for chain in visits.values() for v in chain]
    model.minimize(
        policy.lateness_weight * sum(v for v, _ in lateness_terms)
        + policy.visit_weight * sum(presences)
        + policy.travel_weight * sum(m * lit for lit, m in travel_terms)
    )
    solver = cp_model.CpSolver()
    if policy.deterministic:
        solver.parameters.max_deterministic_time = policy.time_limit_s
    else:
        solver.parameters.max_time_in_seconds = policy.time_limit_s
    solver.parameters.num_workers = policy.workers
    solver.parameters.random_seed = policy.seed
    solver.parameters.cp_model_probing_level = 0  # probing costs minutes on large fleets
    if policy.workers == 1:
        # a single search without the LP relaxation proved the fleet study's weekly plans
        # optimal 2.2-2.9x sooner (at the same cost); a portfolio picks its own per worker
        solver.parameters.linearization_level = 0
    solver.parameters.log_search_progress = policy.log_progress
    started = time.perf_counter()
    watch = _FirstSolution(started)
    status = solver.solve(model, watch)
    elapsed = time.perf_counter() - started
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise SchedulingError(
            f"no schedule keeps every refill deadline ({solver.status_name(status)} after "
            f"{elapsed:.1f} s): add clinic days or nurse minutes, or shorten the margins"
        )
    late = {pump for var, pump in lateness_terms if solver.value(var) > 0}
    late |= {
        d.pump_id for d in demands if _kept_late(solver, visits[d.pump_id], d, policy, horizon)
    }
    return _read_solution(solver, status, demands, sessions, visits, elapsed, late, watch.seconds)


def _kept_late(
    solver: cp_model.CpSolver,
    chain: list[_Visit],
    demand: RefillDemand,
    policy: SchedulingPolicy,
    horizon: int,
) -> bool:
    """Whether closed clinic days leave the pump past a deadline after its first visit."""
    days = [solver.value(v.day) for v in chain if solver.boolean_value(v.present)]
    later = zip(days[1:], visit_deadlines(demand, policy, days)[1:], strict=True)
    return any(day > deadline for day, deadline in later) or bool(
        days and days[-1] + _step(demand, policy) < horizon
    )


def _read_solution(
    solver: cp_model.CpSolver,
    status: cp_model.CpSolverStatus,
    demands: Sequence[RefillDemand],
    sessions: Sequence[ClinicSession],
    visits: Mapping[str, list[_Visit]],
    elapsed: float,
    late: set[str],
    first_solution_s: float,
) -> RefillSchedule:
    booked = [
        ScheduledVisit(
            pump_id,
            solver.value(visit.day),
            next(loc for loc, lit in visit.at.items() if solver.boolean_value(lit)),
        )
        for pump_id, chain in visits.items()
        for visit in chain
        if solver.boolean_value(visit.present)
    ]
    stats = {
        "first_solution_s": first_solution_s,
        "objective": solver.objective_value,
        "best_bound": solver.best_objective_bound,
        "branches": float(solver.num_branches),
    }
    return _summarise(solver.status_name(status), booked, demands, sessions, late, elapsed, stats)


def _home(demand: RefillDemand, open_days: Mapping[str, list[int]]) -> list[str]:
    """The pump's reachable open locations, nearest first."""
    return sorted(
        (loc for loc in demand.travel_minutes if open_days.get(loc)),
        key=lambda loc: (demand.travel_minutes[loc], loc),
    )


def _latest_open(days: list[int], after: int, deadline: int) -> int | None:
    """The latest open day in (after, deadline]."""
    i = bisect.bisect_right(days, deadline)
    return days[i - 1] if i and days[i - 1] > after else None


def _first_open(days: list[int], after: int) -> int | None:
    """The first open day after ``after``."""
    i = bisect.bisect_right(days, after)
    return days[i] if i < len(days) else None


def naive_schedule(
    demands: Sequence[RefillDemand],
    sessions: Sequence[ClinicSession],
    horizon: int,
    policy: SchedulingPolicy | None = None,
) -> RefillSchedule:
    """The usual practice: book each refill at alarm minus margin at the nearest location.

    Capacity is ignored when booking, as a clinic booking by date alone does; the result's
    ``stats['overbooked_minutes']`` says how far the bookings exceed the nurse minutes.
    """
    policy = policy or SchedulingPolicy()
    _validate(demands, sessions, horizon)
    open_days = _open_days(sessions)
    booked: list[ScheduledVisit] = []
    late: set[str] = set()
    for demand in demands:
        home = _home(demand, open_days)
        if not home:
            raise SchedulingError(f"{demand.pump_id}: no open clinic day at its locations")
        days = open_days[home[0]]
        deadline, last = first_deadline(demand, policy), -1
        while deadline < horizon:
            day = _latest_open(days, last, deadline)
            if day is None:
                day = _first_open(days, last)
                late.add(demand.pump_id)
                if day is None:
                    break
            booked.append(ScheduledVisit(demand.pump_id, day, home[0]))
            deadline, last = day + _step(demand, policy), day
    return _summarise("NAIVE", booked, demands, sessions, late)


def greedy_schedule(
    demands: Sequence[RefillDemand],
    sessions: Sequence[ClinicSession],
    horizon: int,
    policy: SchedulingPolicy | None = None,
) -> RefillSchedule:
    """Earliest deadline first, each visit on the latest day before it with nurse time left
    at the nearest location that has such a day.

    Used as the solver's starting point; a pump that finds no room before its deadline is
    booked on the first day with room after it and named late.
    """
    policy = policy or SchedulingPolicy()
    _validate(demands, sessions, horizon)
    open_days = _open_days(sessions)
    remaining = {(s.location, s.day): s.nurse_minutes for s in sessions}
    queue = [(first_deadline(d, policy), i, -1) for i, d in enumerate(demands)]
    heapq.heapify(queue)
    booked: list[ScheduledVisit] = []
    late: set[str] = set()
    while queue:
        deadline, i, last = heapq.heappop(queue)
        demand = demands[i]
        if deadline >= horizon:
            continue
        slot = _room_before(demand, open_days, remaining, last, deadline)
        if slot is None:
            slot = _room_after(demand, open_days, remaining, last)
            late.add(demand.pump_id)
            if slot is None:
                continue
        day, loc = slot
        remaining[(loc, day)] -= demand.visit_minutes
        booked.append(ScheduledVisit(demand.pump_id, day, loc))
        heapq.heappush(queue, (day + _step(demand, policy), i, day))
    return _summarise("GREEDY", booked, demands, sessions, late)


def _room_before(
    demand: RefillDemand,
    open_days: Mapping[str, list[int]],
    remaining: Mapping[tuple[str, int], int],
    last: int,
    deadline: int,
) -> tuple[int, str] | None:
    """The latest day in (last, deadline] with nurse time left at the nearest location that
    has one: travel costs more than refilling a few days early (which costs a visit only when
    it makes another one due inside the horizon)."""
    for loc in _home(demand, open_days):
        days = open_days[loc]
        i = bisect.bisect_right(days, deadline) - 1
        while i >= 0 and days[i] > last:
            if remaining[(loc, days[i])] >= demand.visit_minutes:
                return days[i], loc
            i -= 1
    return None


def _room_after(
    demand: RefillDemand,
    open_days: Mapping[str, list[int]],
    remaining: Mapping[tuple[str, int], int],
    last: int,
) -> tuple[int, str] | None:
    """The earliest (day, nearest location) after ``last`` with nurse time left."""
    options = [
        (day, loc)
        for loc in _home(demand, open_days)
        for day in open_days[loc][bisect.bisect_right(open_days[loc], last) :]
        if remaining[(loc, day)] >= demand.visit_minutes
    ]
    return min(options) if options else None


def _summarise(
    status: str,
    booked: list[ScheduledVisit],
    demands: Sequence[RefillDemand],
    sessions: Sequence[ClinicSession],
    late: set[str],
    solve_seconds: float = 0.0,
    stats: Mapping[str, float] | None = None,
) -> RefillSchedule:
    """A schedule from its bookings, with travel, nurse time and capacity overrun."""
    by_id = {d.pump_id: d for d in demands}
    used: dict[tuple[str, int], int] = defaultdict(int)
    for v in booked:
        used[(v.location, v.day)] += by_id[v.pump_id].visit_minutes
    capacity = {(s.location, s.day): s.nurse_minutes for s in sessions}
    over = sum(max(0, m - capacity.get(key, 0)) for key, m in used.items())
    return RefillSchedule(
        status=status,
        visits=tuple(sorted(booked, key=lambda v: (v.day, v.location, v.pump_id))),
        travel_minutes=sum(by_id[v.pump_id].travel_minutes[v.location] for v in booked),
        nurse_minutes=sum(used.values()),
        late_pumps=tuple(sorted(late)),
        solve_seconds=solve_seconds,
        stats={"overbooked_minutes": float(over), **(stats or {})},
    )


def _apply_hint(model: cp_model.CpModel, chain: list[_Visit], hint: list[ScheduledVisit]) -> None:
    """Start the search from the greedy schedule."""
    for j, visit in enumerate(chain):
        booked = hint[j] if j < len(hint) else None
        model.add_hint(visit.present, booked is not None)
        model.add_hint(visit.day, booked.day if booked else hint[-1].day if hint else 0)
        for loc, lit in visit.at.items():
            model.add_hint(lit, booked is not None and booked.location == loc)

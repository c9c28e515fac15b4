"""The fleet study: a clinic's pumps over years under a refill policy, day by day, replicated.

Each day the engine advances every pump to 10:00 (exact alarm and dry times inside the
day); then the clinic acts: pumps that alarmed get an urgent booking, booked patients
come (or miss the visit, or are turned away when the site is full and rebooked), come late
by a random number of days, are refilled with a measured residual, and have their dose
adjusted; batteries reach ERI and pumps are replaced; hazards strike at their yearly rates.
Refill bookings follow the configured policy: the naive "alarm date minus a margin", or a
CP-SAT plan over the coming weeks, re-planned every few days.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from intrathecal.sim.clinic_days import NONE, ClinicCalendar
from intrathecal.sim.engine import CycleResult, Decision, run_cycle
from intrathecal.sim.errors import SchedulingError
from intrathecal.sim.fleet import FleetState, refill
from intrathecal.sim.population import YEAR_DAYS, Population, draw_population
from intrathecal.sim.randomness import DAY_US
from intrathecal.sim.requests import PoissonRequests
from intrathecal.sim.scheduling import (
    RefillDemand,
    ScheduledVisit,
    SchedulingPolicy,
    greedy_schedule,
    solve_refill_schedule,
)
from intrathecal.sim.study_config import StudyConfig

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
BOOL = NDArray[np.bool_]
VISIT_TIME_US = 10 * 3_600_000_000  # visits and the day's bookkeeping happen at 10:00
ALARM_RESPONSE_DAYS = 2  # a patient who hears the alarm is seen at the next open day after


@dataclass
class ReplicationMetrics:
    """What one replication counted (totals over the study horizon)."""

    patient_years: float = 0.0
    baclofen_patient_years: float = 0.0
    dry_days: float = 0.0
    baclofen_dry_days: float = 0.0
    low_alarms: int = 0
    empty_alarms: int = 0
    refill_visits: int = 0
    no_shows: int = 0
    turned_away: int = 0
    urgent_bookings: int = 0
    late_in_plan: int = 0
    nurse_hours: float = 0.0
    travel_hours: float = 0.0
    discrepancies: int = 0
    catheter_faults: int = 0
    granulomas: int = 0
    infections: int = 0
    eri_events: int = 0
    end_of_service: int = 0
    replacements: int = 0
    boluses_granted: int = 0
    boluses_denied: int = 0

    def rates(self) -> dict[str, float]:
        """The headline numbers: per 1,000 patient-years, per refill, per year."""
        py = max(self.patient_years, 1e-12)
        bpy = self.baclofen_patient_years
        per_k = 1000.0 / py
        return {
            "empty_days_per_1000_patient_years": self.dry_days * per_k,
            "baclofen_empty_days_per_1000_patient_years": (
                self.baclofen_dry_days * 1000.0 / bpy if bpy > 0 else 0.0
            ),
            "low_alarms_per_1000_patient_years": self.low_alarms * per_k,
            "empty_alarms_per_1000_patient_years": self.empty_alarms * per_k,
            "refill_visits_per_patient_year": self.refill_visits / py,
            "no_shows_per_1000_patient_years": self.no_shows * per_k,
            "turned_away_per_1000_patient_years": self.turned_away * per_k,
            "urgent_bookings_per_1000_patient_years": self.urgent_bookings * per_k,
            "nurse_hours_per_patient_year": self.nurse_hours / py,
            "travel_hours_per_patient_year": self.travel_hours / py,
            "discrepancies_per_1000_refills": (
                self.discrepancies * 1000.0 / self.refill_visits if self.refill_visits else 0.0
            ),
            "catheter_faults_per_1000_patient_years": self.catheter_faults * per_k,
            "granulomas_per_1000_patient_years": self.granulomas * per_k,
            "infections_per_1000_patient_years": self.infections * per_k,
            "eri_per_1000_patient_years": self.eri_events * per_k,
            "end_of_service_per_1000_patient_years": self.end_of_service * per_k,
            "boluses_granted_per_patient_day": self.boluses_granted / (py * YEAR_DAYS),
            "boluses_denied_per_patient_day": self.boluses_denied / (py * YEAR_DAYS),
        }

    @classmethod
    def names(cls) -> list[str]:
        """The counted fields, in order."""
        return [f.name for f in fields(cls)]


class _Bookings:
    """Next refill day and site per pump (NONE: no appointment yet)."""

    def __init__(self, home: I64, calendar: ClinicCalendar) -> None:
        self.day = np.full(home.shape[0], NONE, dtype=np.int64)
        self.site = home.copy()
        self.calendar = calendar

    def used_minutes(self, visit_minutes: int) -> NDArray[np.int64]:
        """Minutes per (site, day) that the existing bookings already take."""
        used = np.zeros_like(self.calendar.minutes)
        rows = np.flatnonzero(self.day >= 0)
        np.add.at(used, (self.site[rows], self.day[rows]), visit_minutes)
        return used

    def book(self, rows: I64, days: I64, sites: I64) -> None:
        """Book each row on the first open day of its site on or after its day."""
        self.day[rows] = np.where(days < 0, NONE, self.calendar.open_on_or_after(sites, days))
        self.site[rows] = sites


@dataclass(frozen=True)
class _Context:
    config: StudyConfig
    calendar: ClinicCalendar
    pop: Population
    rng: np.random.Generator  # patients' behaviour (no-shows, delays, residual readings)
    hazards: np.random.Generator  # its own stream: the same events under every policy
    bookings: _Bookings
    metrics: ReplicationMetrics
    filled_day: I64  # the study day of each pump's last fill (negative: before the start)


def study_days(config: StudyConfig) -> int:
    """Whole days in the study horizon."""
    return max(1, math.ceil(config.years * YEAR_DAYS))


def run_replication(
    config: StudyConfig, replication: int, progress: Callable[[int], None] | None = None
) -> ReplicationMetrics:
    """One seeded replication; the same (config, replication) always gives the same numbers."""
    ctx = _new_context(config, replication)
    pop, days = ctx.pop, ctx.calendar.days
    programs = pop.programs
    state = FleetState.start(programs, 0)
    _initial_fill(ctx, state)
    requests = PoissonRequests(pop.request_rate_per_day, seed=config.seed * 1009 + replication)
    replacement_day = np.full(len(pop), NONE, dtype=np.int64)
    if config.policy.kind == "naive":
        _book_naive(ctx, state, np.arange(len(pop)), 0)
    for day in range(days):
        result = run_cycle(state, programs, requests, day * DAY_US + VISIT_TIME_US)
        _count_cycle(ctx, result)
        _urgent_bookings(ctx, result, day)
        _battery(ctx, state, result, replacement_day, day)
        _hazards(ctx)
        if config.policy.kind == "cpsat" and day % config.policy.replan_days == 0:
            _replan(ctx, state, day)  # on today's volumes, before today's visits
        _visits(ctx, state, day)
        if progress is not None:
            progress(1)
    years = days / YEAR_DAYS
    ctx.metrics.patient_years = len(pop) * years
    ctx.metrics.baclofen_patient_years = float(pop.baclofen.sum()) * years
    return ctx.metrics


def _new_context(config: StudyConfig, replication: int) -> _Context:
    """Replication ``replication``'s patients, calendar, random streams and empty books."""
    rng = np.random.default_rng([config.seed, replication])
    pop = draw_population(config, rng, first_id=replication * config.patients)
    hazards = np.random.default_rng([config.seed, replication, 1])
    calendar = ClinicCalendar(config, study_days(config))
    return _Context(
        config,
        calendar,
        pop,
        rng,
        hazards,
        _Bookings(pop.home, calendar),
        ReplicationMetrics(),
        np.zeros(len(pop), dtype=np.int64),
    )


def _initial_fill(ctx: _Context, state: FleetState) -> None:
    """Start each pump somewhere in its refill cycle, as a running clinic's pumps are: a
    uniform number of whole days after its last fill, within the days that fill lasts before
    its refill deadline (the alarm at the worst-case rate, or the drug's stability limit if
    sooner, minus the margin), so no pump starts overdue."""
    p, pop = ctx.pop.programs, ctx.pop
    rows = np.arange(len(pop))
    worst = pop.worst_case_daily_ml()
    margin = _margin(ctx, rows)
    by_volume = _full_cycle_days(ctx, rows) - margin
    window = np.clip(np.minimum(by_volume, pop.stability_days - margin), 0, None)
    elapsed = np.floor(ctx.rng.uniform(0, 1, len(pop)) * window)
    refill(state, p, rows, p.capacity_ml - elapsed * worst)
    ctx.filled_day[:] = -elapsed.astype(np.int64)


def _predicted_alarm_day(ctx: _Context, state: FleetState, rows: I64, day: int) -> I64:
    """The day a refill is needed by: the pump's own volume at the worst-case (all boluses)
    rate reaching the alarm, or the drug's stability limit since the last fill if sooner.
    """
    p = ctx.pop.programs
    left = state.reservoir_ml[rows] - p.threshold_ml[rows]
    worst = ctx.pop.worst_case_daily_ml()[rows]
    alarm: I64 = day + np.floor(np.maximum(left, 0) / worst).astype(np.int64)
    stable_until: I64 = ctx.filled_day[rows] + ctx.pop.stability_days[rows]
    return np.minimum(alarm, stable_until)


def _full_cycle_days(ctx: _Context, rows: I64) -> F64:
    """Days from a full reservoir to the alarm at the worst-case rate."""
    p = ctx.pop.programs
    return (p.capacity_ml[rows] - p.threshold_ml[rows]) / ctx.pop.worst_case_daily_ml()[rows]


def _margin(ctx: _Context, rows: I64) -> I64:
    policy = ctx.config.policy
    return np.where(ctx.pop.baclofen[rows], policy.baclofen_margin_days, policy.margin_days)


def _delay(ctx: _Context, size: int) -> I64:
    """Days a patient comes after the booked day."""
    mean = ctx.config.behaviour.mean_delay_days
    return ctx.rng.poisson(mean, size).astype(np.int64) if mean > 0 else np.zeros(size, np.int64)


def _book_naive(ctx: _Context, state: FleetState, rows: I64, day: int) -> None:
    """Book at the predicted alarm minus the margin, at the home site's latest open day."""
    target = _predicted_alarm_day(ctx, state, rows, day) - _margin(ctx, rows)
    home = ctx.pop.home[rows]
    booked = np.array(
        [
            ctx.calendar.open_on_or_before(int(h), int(t), day)
            for h, t in zip(home.tolist(), target.tolist(), strict=True)
        ],
        dtype=np.int64,
    )
    _set_booking(ctx, rows, booked)


def _set_booking(ctx: _Context, rows: I64, days: I64, sites: I64 | None = None) -> None:
    """Book at ``sites`` (each pump's home site unless given); the patient comes a random
    number of days late."""
    late = np.where(days < 0, days, days + _delay(ctx, rows.shape[0]))
    ctx.bookings.book(rows, late, ctx.pop.home[rows] if sites is None else sites)


def _replan(ctx: _Context, state: FleetState, day: int) -> None:
    """Plan the coming weeks with CP-SAT; book the visits that fall before the next re-plan."""
    cfg, cal = ctx.config, ctx.calendar
    horizon = min(cfg.policy.plan_weeks * 7, cal.days - day)
    free = np.flatnonzero(ctx.bookings.day == NONE)  # a patient keeps an appointment made
    alarm = _predicted_alarm_day(ctx, state, free, day) - day
    due = alarm - _margin(ctx, free) < horizon  # the others need no visit in this plan
    free, alarm = free[due], alarm[due]
    if free.size == 0 or horizon < 1:
        return
    cycle = np.minimum(
        np.floor(_full_cycle_days(ctx, free)),
        ctx.pop.stability_days[free],
    )
    travel_other = cfg.clinic.travel_minutes_to_other_site
    demands = [
        RefillDemand(
            str(i),
            int(a),
            max(1, int(c)),
            cfg.clinic.visit_minutes,
            {site: 0 if s == ctx.pop.home[i] else travel_other for s, site in enumerate(cal.sites)},
            bool(ctx.pop.baclofen[i]),
        )
        for i, a, c in zip(free.tolist(), alarm.tolist(), cycle.tolist(), strict=True)
    ]
    used = ctx.bookings.used_minutes(cfg.clinic.visit_minutes)
    sessions = cal.sessions(day, day + horizon, used)
    policy = SchedulingPolicy(
        margin_days=cfg.policy.margin_days,
        baclofen_margin_days=cfg.policy.baclofen_margin_days,
        time_limit_s=cfg.policy.solver_seconds,
        deterministic=True,
        workers=1,
        seed=cfg.seed,
    )
    try:
        schedule = solve_refill_schedule(demands, sessions, horizon, policy)
    except SchedulingError:
        schedule = greedy_schedule(demands, sessions, horizon, policy)
    ctx.metrics.late_in_plan += len(schedule.late_pumps)
    first: dict[int, ScheduledVisit] = {}
    for visit in schedule.visits:  # sorted by day: the first one per pump wins
        if visit.day < cfg.policy.replan_days:
            first.setdefault(int(visit.pump_id), visit)
    if first:
        rows = np.fromiter(first, dtype=np.int64, count=len(first))
        days = np.array([day + v.day for v in first.values()], dtype=np.int64)
        sites = np.array([cal.sites.index(v.location) for v in first.values()], dtype=np.int64)
        ctx.bookings.book(rows, days + _delay(ctx, rows.size), sites)


def _count_cycle(ctx: _Context, result: CycleResult) -> None:
    m, pop = ctx.metrics, ctx.pop
    dry = result.no_flow_s / 86_400.0
    m.dry_days += float(dry.sum())
    m.baclofen_dry_days += float(dry[pop.baclofen].sum())
    m.low_alarms += int((~np.isnan(result.low_at_s)).sum())
    m.empty_alarms += int((~np.isnan(result.empty_at_s)).sum())
    m.boluses_granted += int(result.counts[:, Decision.GRANTED].sum())
    m.boluses_denied += int(result.counts.sum() - result.counts[:, Decision.GRANTED].sum())


def _urgent_bookings(ctx: _Context, result: CycleResult, day: int) -> None:
    """A pump that alarmed today is seen within a couple of open days, unless booked sooner."""
    alarmed = np.flatnonzero(~np.isnan(result.low_at_s) | ~np.isnan(result.empty_at_s))
    if alarmed.size == 0:
        return
    home = ctx.pop.home[alarmed]
    soon = ctx.calendar.open_on_or_after(home, np.full(alarmed.size, day + ALARM_RESPONSE_DAYS))
    current = ctx.bookings.day[alarmed]
    sooner = (soon != NONE) & ((current == NONE) | (soon < current))
    rows = alarmed[sooner]
    ctx.bookings.book(rows, soon[sooner], home[sooner])
    ctx.metrics.urgent_bookings += int(rows.size)


def _battery(
    ctx: _Context, state: FleetState, result: CycleResult, replacement_day: I64, day: int
) -> None:
    """ERI books a replacement; a replaced pump starts a new battery and a full reservoir."""
    m, p = ctx.metrics, ctx.pop.programs
    eri = np.flatnonzero(~np.isnan(result.eri_at_s))
    m.eri_events += int(eri.size)
    replacement_day[eri] = day + ctx.config.replacement_days_after_eri
    m.end_of_service += int((~np.isnan(result.eos_at_s)).sum())
    due = np.flatnonzero(replacement_day == day)
    if due.size == 0:
        return
    now = state.t_us[due]
    p.eri_cap_us[due] = now + (p.eri_cap_us[due] - p.battery_start_us[due])
    p.eos_cap_us[due] = now + (p.eos_cap_us[due] - p.battery_start_us[due])
    p.battery_start_us[due] = now
    state.battery_used[due] = 0.0
    state.eri_us[due] = NONE
    state.eos_us[due] = NONE
    refill(state, p, due, p.capacity_ml[due])
    replacement_day[due] = NONE
    m.replacements += int(due.size)
    _after_refill(ctx, state, due, day)


def _hazards(ctx: _Context) -> None:
    """Yearly hazards as daily Poisson draws over the fleet (counted, with a work-up visit)."""
    h, n, m = ctx.config.hazards_per_patient_year, len(ctx.pop), ctx.metrics
    for name, rate in (
        ("catheter_faults", h.catheter_fault),
        ("granulomas", h.granuloma),
        ("infections", h.infection),
    ):
        if rate > 0:
            events = int(ctx.hazards.poisson(rate * n / YEAR_DAYS))
            setattr(m, name, getattr(m, name) + events)
            m.nurse_hours += events * ctx.config.clinic.urgent_visit_minutes / 60


def _visits(ctx: _Context, state: FleetState, day: int) -> None:
    """Booked patients come, miss, or are turned away; those seen are refilled and titrated."""
    cfg, m, cal, pop = ctx.config, ctx.metrics, ctx.calendar, ctx.pop
    due = np.flatnonzero(ctx.bookings.day == day)
    if due.size == 0:
        return
    order = due[np.lexsort((due, ~pop.baclofen[due]))]  # baclofen first
    seen_mask = np.zeros(order.size, dtype=np.bool_)
    sites = ctx.bookings.site[order]
    for s in range(len(cal.sites)):
        here = np.flatnonzero(sites == s)
        seen_mask[here[: cal.visits_per_day(s, day)]] = True
    away = order[~seen_mask]
    m.turned_away += int(away.size)
    ctx.bookings.book(away, np.full(away.size, day + 1), sites[~seen_mask])
    seen = order[seen_mask]
    missed = ctx.rng.random(seen.size) < cfg.behaviour.no_show
    m.no_shows += int(missed.sum())
    rebook = seen[missed]
    where = ctx.bookings.site[rebook] if cfg.behaviour.rebook_at == "booked_site" else None
    _set_booking(ctx, rebook, np.full(rebook.size, day + cfg.behaviour.rebook_after_days), where)
    came = seen[~missed]
    if came.size == 0:
        return
    outcome = refill(state, pop.programs, came, pop.programs.capacity_ml[came])
    measured = outcome.true_residual_ml + ctx.rng.normal(0, cfg.residual_noise_ml, came.size)
    m.discrepancies += int(
        (np.abs(measured - outcome.expected_residual_ml) > cfg.discrepancy_ml).sum()
    )
    m.refill_visits += int(came.size)
    m.nurse_hours += came.size * cfg.clinic.visit_minutes / 60
    away_from_home = int((ctx.bookings.site[came] != pop.home[came]).sum())
    m.travel_hours += away_from_home * cfg.clinic.travel_minutes_to_other_site / 60
    _titrate(ctx, came)
    _after_refill(ctx, state, came, day)


def _after_refill(ctx: _Context, state: FleetState, rows: I64, day: int) -> None:
    """The next booking after a refill: naive books now, a CP-SAT plan books at re-plan."""
    ctx.filled_day[rows] = day
    ctx.bookings.day[rows] = NONE
    if ctx.config.policy.kind == "naive":
        _book_naive(ctx, state, rows, day)


def _titrate(ctx: _Context, rows: I64) -> None:
    """Adjust the dose at a refill visit: yearly drift plus visit-to-visit variation, capped."""
    cfg, pop = ctx.config, ctx.pop
    p = pop.programs
    daily = pop.daily_basal_ml()[rows]
    interval_years = _full_cycle_days(ctx, rows) / YEAR_DAYS
    drift = np.log1p(cfg.yearly_dose_change) * interval_years
    factor = np.exp(drift + ctx.rng.normal(0, cfg.dose_change_sd_per_visit, rows.size))
    new = np.minimum(daily * factor, pop.max_daily_ml[rows])
    p.step_rates_ml_s[rows, 0] = new / 86_400.0
    p.bolus_ml[rows] = pop.bolus_fraction[rows] * new


@dataclass(frozen=True)
class StudyResult:
    """Every replication's counts and, per headline rate, its 5th, 50th and 95th percentile."""

    policy: str
    replications: tuple[ReplicationMetrics, ...]

    def bands(self) -> dict[str, tuple[float, float, float]]:
        """Percentile bands (5, 50, 95) of each rate across replications."""
        rates = [r.rates() for r in self.replications]
        return {
            name: tuple(float(v) for v in np.percentile([r[name] for r in rates], [5, 50, 95]))  # type: ignore[misc]
            for name in rates[0]
        }


def run_study(
    config: StudyConfig,
    *,
    progress: Callable[[int], None] | None = None,
    map_replications: Callable[[StudyConfig, list[int]], list[ReplicationMetrics]] | None = None,
) -> StudyResult:
    """All replications of the study, in process or through ``map_replications`` (Dask)."""
    indices = list(range(config.replications))
    if map_replications is not None:
        results = map_replications(config, indices)
    else:
        results = [run_replication(config, i, progress) for i in indices]
    return StudyResult(config.policy.kind, tuple(results))

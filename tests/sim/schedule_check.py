"""An independent check that a refill schedule keeps every rule the solver was given."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from intrathecal.sim.scheduling import (
    ClinicSession,
    RefillDemand,
    RefillSchedule,
    SchedulingPolicy,
)


def schedule_violations(
    schedule: RefillSchedule,
    demands: Sequence[RefillDemand],
    sessions: Sequence[ClinicSession],
    horizon: int,
    policy: SchedulingPolicy,
) -> list[str]:
    """Every broken rule, in words; an empty list for a valid schedule."""
    problems: list[str] = []
    capacity = {(s.location, s.day): s.nurse_minutes for s in sessions}
    used: dict[tuple[str, int], int] = defaultdict(int)
    for demand in demands:
        margin = policy.baclofen_margin_days if demand.baclofen else policy.margin_days
        step = max(1, demand.cycle_days - margin)
        deadline = demand.alarm_day - margin
        days = [v.day for v in schedule.visits_of(demand.pump_id)]
        for visit in schedule.visits_of(demand.pump_id):
            if visit.location not in demand.travel_minutes:
                problems.append(f"{demand.pump_id} booked at unreachable {visit.location}")
            used[(visit.location, visit.day)] += demand.visit_minutes
        for day in days:
            if deadline < horizon and day > deadline and demand.pump_id not in schedule.late_pumps:
                problems.append(f"{demand.pump_id} refilled on day {day} after deadline {deadline}")
            deadline = day + step
        if deadline < horizon and demand.pump_id not in schedule.late_pumps:
            problems.append(f"{demand.pump_id} runs past its deadline {deadline} in the horizon")
        if days != sorted(set(days)):
            problems.append(f"{demand.pump_id} has two visits on one day")
    for key, minutes in used.items():
        if minutes > capacity.get(key, 0):
            problems.append(f"{key} uses {minutes} of {capacity.get(key, 0)} nurse minutes")
    return problems

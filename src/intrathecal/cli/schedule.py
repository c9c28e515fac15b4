"""CLI: ``intrathecal schedule refills`` — propose refill visits for the coming weeks (CP-SAT).

Thin: ask the clinic what refills fall due (an audited read as the named clinician), lay
the clinic days out from the refill-clinic defaults (or the options), solve, and print the
proposal next to the naive "book at alarm minus a margin" booking. It proposes; nothing
is booked in the database.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.table import Table

from intrathecal.cli._common import INPUT_ERRORS, console, guarded, print_json
from intrathecal.cli.clinic import DatabaseUrl, _settings
from intrathecal.clinic.errors import ValidationFailed
from intrathecal.sim.errors import SchedulingError

INPUT_ERRORS.append(SchedulingError)

schedule_app = typer.Typer(
    name="schedule", help="Plan clinic work (proposals; nothing is booked).", no_args_is_help=True
)


def _start(text: str | None) -> date:
    today = datetime.now(UTC).date()
    if text is None:
        return today
    try:
        start = date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(f"--start: expected a date like 2027-01-04, got {text!r}") from None
    if start < today:
        raise ValidationFailed(f"--start: {start} is in the past; plan from today or later")
    return start


@schedule_app.command("refills")
@guarded
def refills(
    as_user: Annotated[
        str, typer.Option("--as", help="The physician or nurse the audit records as reading.")
    ],
    weeks: Annotated[int, typer.Option("--weeks", min=1, max=26, help="Plan horizon.")] = 13,
    start: Annotated[
        str | None, typer.Option("--start", help="First day (ISO date; default today).")
    ] = None,
    nurses: Annotated[
        int | None, typer.Option("--nurses", min=1, max=50, help="Refill nurses per location.")
    ] = None,
    seconds: Annotated[
        float, typer.Option("--seconds", min=1, max=600, help="Solver time limit.")
    ] = 60.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Book every pump due in the horizon before its alarm minus the margin; fewest visits."""
    from intrathecal.bootstrap import Services
    from intrathecal.cli.acting import acting_as
    from intrathecal.clinic.refill_planning import (
        refill_clinic_settings,
        refill_needs,
        solver_alarm_day,
    )
    from intrathecal.sim.scheduling import (
        ClinicSession,
        RefillDemand,
        SchedulingPolicy,
        naive_schedule,
        solve_refill_schedule,
        visit_deadlines,
    )
    from intrathecal.storage.db import require_existing

    horizon = weeks * 7
    settings = _settings(database_url)
    require_existing(settings.database_url)
    services = Services.build(settings)
    try:
        with acting_as(services.uow_factory, as_user, "schedule refills") as actor:
            first = _start(start)
            needs = refill_needs(services.uow_factory(), actor, first + timedelta(days=horizon))
            with services.uow_factory() as uow:
                sites = [loc.code for loc in uow.locations.all()]
            if not sites:
                raise ValidationFailed(
                    "the database has no locations: run `intrathecal db upgrade`"
                )
    finally:
        services.close()
    cfg = refill_clinic_settings()
    policy = SchedulingPolicy(
        margin_days=cfg.margin_days.value,
        baclofen_margin_days=cfg.baclofen_margin_days.value,
        time_limit_s=seconds,
    )
    demands = []
    for need in needs:
        margin = policy.baclofen_margin_days if need.baclofen else policy.margin_days
        home = need.location if need.location in sites else sites[0]
        demands.append(
            RefillDemand(
                pump_id=str(need.patient_id),
                alarm_day=solver_alarm_day(need, first, margin),
                cycle_days=need.cycle_days,
                visit_minutes=cfg.visit_minutes.value,
                travel_minutes={
                    s: 0 if s == home else cfg.travel_minutes_to_other_location.value for s in sites
                },
                baclofen=need.baclofen,
            )
        )
    per_day = (nurses or cfg.nurses_per_location.value) * cfg.nurse_minutes_per_day.value
    sessions = [
        ClinicSession(site, d, per_day)
        for site in sites
        for d in range(horizon)
        if (first + timedelta(days=d)).weekday() in cfg.weekdays.value
    ]
    schedule = solve_refill_schedule(demands, sessions, horizon, policy)
    naive = naive_schedule(demands, sessions, horizon, policy)
    drugs = {str(n.patient_id): n for n in needs}
    days_of: dict[str, list[int]] = defaultdict(list)
    for visit in schedule.visits:  # in day order
        days_of[visit.pump_id].append(visit.day)
    due: dict[tuple[str, int], int] = {}
    for demand in demands:
        days = days_of[demand.pump_id]
        for day, deadline in zip(days, visit_deadlines(demand, policy, days), strict=True):
            due[(demand.pump_id, day)] = deadline
    rows = [
        {
            "date": (first + timedelta(days=v.day)).isoformat(),
            "location": v.location,
            "patient_id": int(v.pump_id),
            "drug": drugs[v.pump_id].drug,
            "baclofen": drugs[v.pump_id].baclofen,
            "refill_due": (first + timedelta(days=due[(v.pump_id, v.day)])).isoformat(),
        }
        for v in schedule.visits
    ]
    summary: dict[str, Any] = {
        "start": first.isoformat(),
        "weeks": weeks,
        "pumps_due": len(needs),
        "solver": {
            "status": schedule.status,
            "seconds": round(schedule.solve_seconds, 2),
            "visits": len(schedule.visits),
            "nurse_hours": schedule.nurse_minutes / 60,
            "travel_hours": schedule.travel_minutes / 60,
            "overbooked_minutes": schedule.stats["overbooked_minutes"],
            "late_patients": [int(p) for p in schedule.late_pumps],
        },
        "naive": {
            "visits": len(naive.visits),
            "overbooked_minutes": naive.stats["overbooked_minutes"],
            "late_patients": [int(p) for p in naive.late_pumps],
        },
        "settings_status": "unverified local defaults (data/refill_clinic.yaml)",
    }
    if as_json:
        print_json({"summary": summary, "visits": rows})
        return
    table = Table("date", "location", "patient", "drug", "due by")
    for row in rows:
        drug = f"{row['drug']} (withdrawal risk: first)" if row["baclofen"] else str(row["drug"])
        table.add_row(
            str(row["date"]),
            str(row["location"]),
            str(row["patient_id"]),
            drug,
            str(row["refill_due"]),
        )
    console.print(table)
    s, n = summary["solver"], summary["naive"]
    console.print(
        f"{summary['pumps_due']} pumps due by {first + timedelta(days=horizon)}; proposal: "
        f"{s['visits']} visits, {s['nurse_hours']:.1f} nurse hours, {s['travel_hours']:.1f} "
        f"travel hours, overbooked {s['overbooked_minutes']:.0f} min ({s['status']}, "
        f"{s['seconds']} s). Naive booking: {n['visits']} visits, overbooked "
        f"{n['overbooked_minutes']:.0f} min.",
        highlight=False,
    )
    if s["late_patients"]:
        console.print(
            f"[bold red]cannot be refilled in time within these clinic days[/]: patients "
            f"{', '.join(map(str, s['late_patients']))} - book an urgent slot",
            highlight=False,
        )
    console.print(
        "Capacity and margins are unverified local defaults (data/refill_clinic.yaml). "
        "This is a proposal: nothing was booked.",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add the ``schedule`` commands to the root app."""
    app.add_typer(schedule_app)

"""CLI: ``intrathecal refill plan`` - alarm, empty and next-refill dates, residual checks.

Exit codes: 0 when a plan was made (findings, even ones needing investigation, are shown
as warnings; ``--strict`` turns an investigation finding into exit 1), 2 for bad input.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Annotated, TypeVar

import typer
import yaml
from rich.table import Table

from intrathecal.cli._common import EXIT_REFUSED, console, guarded, print_json
from intrathecal.clinic.validation import not_future_moment
from intrathecal.core.errors import CoreError, InvalidInput
from intrathecal.core.program import Solution
from intrathecal.core.program_math import mean_rate, worst_case_daily_volume
from intrathecal.core.program_spec import prescription_from_dict
from intrathecal.core.quantities import (
    Concentration,
    Duration,
    Quantity,
    Volume,
    VolumeRate,
    days,
    format_fraction,
)
from intrathecal.core.refill import (
    BridgeRequest,
    LastFill,
    Level,
    Milestone,
    PostRefillMeasurement,
    PrimingRequest,
    RefillPlan,
    RefillRequest,
    plan_refill,
)
from intrathecal.core.refill_config import load_refill_config
from intrathecal.core.refill_math import CatheterSegment, parse_length_cm, parse_volume_per_cm
from intrathecal.device.models import pump_models

Q = TypeVar("Q", bound=Quantity)
T = TypeVar("T")

refill_app = typer.Typer(
    help="Refill planning: alarm and empty dates, next refill, residual checks.",
    no_args_is_help=True,
)

_LEVEL_STYLE = {Level.INFO: "cyan", Level.WARNING: "yellow", Level.INVESTIGATE: "bold red"}


def _quantity(kind: type[Q], text: str | None, flag: str) -> Q | None:
    if text is None:
        return None
    try:
        return kind.parse(text)
    except CoreError as exc:
        detail = str(exc)
        if f"expected a {kind.KIND}" not in detail:
            detail = f"expected a {kind.KIND} such as '{kind.EXAMPLE}': {detail}"
        raise InvalidInput(f"{flag}: {detail}") from None


def _required_quantity(kind: type[Q], text: str | None, flag: str) -> Q:
    value = _quantity(kind, text, flag)
    if value is None:
        raise InvalidInput(f"{flag} is required, e.g. {flag} '{kind.EXAMPLE}'")
    return value


def _moment(text: str, flag: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{flag}: expected a date and time such as 2026-11-25T10:00, got {text!r}"
        ) from None


def _filled_at(text: str) -> datetime:
    """When the pump was filled: not later than now (a plan starts from a fill done), by the
    clinic's own rule; a time without a zone is this machine's local time."""
    moment = _moment(text, "--filled-at")
    not_future_moment(moment.astimezone(UTC), "--filled-at")
    return moment


def _within_family(
    family: str, reservoir: Volume | None, volumes: list[tuple[str, Volume]]
) -> None:
    """Every volume in the pump must fit the family's largest reservoir in the device data,
    and so must ``--reservoir``: a fill of 200 mL typed for 20.0 would otherwise plan an
    alarm years late. With ``--reservoir`` the core checks the volumes against it."""
    config = load_refill_config()
    config.pump_family(family)  # an unknown family is refused by name
    sizes = [
        model.reservoir_capacity.value
        for model in pump_models().values()
        if config.family_of(model.key) == family
    ]
    checked = volumes if reservoir is None else [("--reservoir", reservoir)]
    for flag, value in checked:
        if sizes and value > max(sizes):
            raise InvalidInput(
                f"{flag}: {value} is more than the largest {family} reservoir "
                f"({max(sizes)}); check the volume"
            )


def _flagged(flag: str, read: Callable[[str], T], text: str) -> T:
    try:
        return read(text)
    except CoreError as exc:
        raise InvalidInput(f"{flag}: {exc}") from None


def _last_fill(
    volume: str | None, at: str | None, residual: str | None, rate: VolumeRate | None
) -> LastFill | None:
    if volume is not None and at is not None and residual is not None:
        return LastFill(
            volume=_required_quantity(Volume, volume, "--last-fill"),
            at=_moment(at, "--last-fill-at"),
            measured_residual=_required_quantity(Volume, residual, "--measured-residual"),
            daily_volume=rate,
        )
    if any(v is not None for v in (volume, at, residual)):
        raise InvalidInput(
            "the residual check needs --last-fill, --last-fill-at and --measured-residual"
        )
    return None


def _segment(length: str | None, per_cm: str | None, what: str) -> CatheterSegment:
    if length is None or per_cm is None:
        raise InvalidInput(f"{what} needs the catheter length and --catheter-volume-per-cm")
    return CatheterSegment(
        _flagged(what, parse_length_cm, length),
        _flagged("--catheter-volume-per-cm", parse_volume_per_cm, per_cm),
    )


def _bridge(
    old_concentration: str | None,
    catheter: tuple[str | None, str | None, str | None],
    old_rate: VolumeRate | None,
    drugs: tuple[str, ...],
) -> BridgeRequest | None:
    if old_concentration is None:
        return None
    if old_rate is None:
        raise InvalidInput(
            "--old-concentration (bridge bolus) needs --last-rate, the old program's daily volume"
        )
    if len(drugs) != 1:
        raise InvalidInput(
            "--old-concentration (bridge bolus) needs exactly one drug from --drug or --program"
        )
    length, per_cm, internal = catheter
    return BridgeRequest(
        catheter=_segment(length, per_cm, "--catheter-length"),
        pump_internal_volume=_required_quantity(Volume, internal, "--pump-internal-volume"),
        old_daily_volume=old_rate,
        old_solution=Solution.single(
            drugs[0], _required_quantity(Concentration, old_concentration, "--old-concentration")
        ),
    )


def _priming(
    empty_catheter: str | None, rate: str | None, per_cm: str | None, internal: str | None
) -> PrimingRequest | None:
    if empty_catheter is None and rate is None:
        return None
    return PrimingRequest(
        empty_segment=_segment(empty_catheter, per_cm, "--empty-catheter"),
        pump_path_volume=_required_quantity(Volume, internal, "--pump-internal-volume"),
        priming_rate=_required_quantity(VolumeRate, rate, "--priming-rate"),
    )


def _program_rates(path: Path) -> tuple[VolumeRate, VolumeRate | None, tuple[str, ...]]:
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise InvalidInput(f"--program: cannot read {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise InvalidInput(f"--program: {path} is not valid YAML: {exc}") from None
    try:
        prescription = prescription_from_dict(data)
    except CoreError as exc:
        raise InvalidInput(f"--program {path}: {exc}") from None
    worst = None
    if prescription.patient_bolus is not None:
        worst = worst_case_daily_volume(prescription) / days(1)
    return mean_rate(prescription), worst, prescription.solution.drugs


def _span(value: Duration) -> str:
    total_hours = value.to("h")
    whole_days = int(total_hours // 24)
    hours = int(total_hours - whole_days * 24)
    return f"{format_fraction(value.to('day'), 4)} days ({whole_days} d {hours} h)"


def _pct(value: Fraction) -> str:
    return f"{format_fraction(value, 3)} %"


def _milestone(value: Milestone) -> str:
    return f"{value.at:%Y-%m-%d %H:%M} - after {_span(value.after)}"


def _render(plan: RefillPlan) -> None:
    table = Table(title="Refill plan", show_header=False, title_justify="left")
    table.add_column("item", style="bold")
    table.add_column("value")
    table.add_row("Pump", plan.pump.name)
    if plan.reservoir is not None:
        table.add_row("Reservoir", plan.reservoir.format())
    table.add_row("Filled", f"{plan.filled} at {plan.filled_at:%Y-%m-%d %H:%M}")
    table.add_row("Drugs", ", ".join(plan.drugs) or "-")
    alarm_note = (
        f"pump default {plan.alarm_volume_default.tag()}"
        if plan.alarm_volume_default is not None
        else "entered"
    )
    table.add_row("Low-reservoir alarm", f"{plan.alarm_volume} ({alarm_note})")
    table.add_row("Mean daily volume", plan.mean_daily_volume.format())
    if plan.worst_case_used:
        table.add_row("Planning daily volume", f"{plan.planning_daily_volume} (all boluses used)")
    table.add_row("Alarm", _milestone(plan.alarm))
    table.add_row("Empty", _milestone(plan.empty))
    if plan.worst_case_used:
        table.add_row("Alarm at mean rate", _milestone(plan.alarm_at_mean_rate))
        table.add_row("Empty at mean rate", _milestone(plan.empty_at_mean_rate))
    table.add_row(
        "Next refill due",
        f"[bold]{plan.due.at:%Y-%m-%d %H:%M}[/] - {plan.due.reason.value}: {plan.due.explanation}",
    )
    console.print(table)
    if plan.residual_check is not None:
        check = plan.residual_check
        residual = Table(title="Residual check", show_header=False, title_justify="left")
        residual.add_column("item", style="bold")
        residual.add_column("value")
        residual.add_row("Last fill", f"{check.last_fill}, {_span(check.elapsed)} ago")
        residual.add_row("Expected residual", check.expected.format("mL", 4))
        residual.add_row("Measured residual", check.measured.format("mL", 4))
        residual.add_row("Discrepancy", check.discrepancy.format("mL", 4))
        if check.delivery_error_percent is not None:
            residual.add_row(
                "Delivery error", f"{_pct(check.delivery_error_percent)} of programmed"
            )
        residual.add_row(
            "Limits",
            f"{check.absolute_limit.value} {check.absolute_limit.tag()}, "
            f"±{_pct(check.accuracy_percent.value)} "
            f"{check.accuracy_percent.tag()}",
        )
        residual.add_row("Verdict", check.verdict.value)
        console.print(residual)
    if plan.post_refill_check is not None:
        console.print(f"[bold]Post-refill check:[/] {plan.post_refill_check.message}")
    for finding in plan.findings:
        style = _LEVEL_STYLE[finding.level]
        console.print(f"[{style}]{finding.level.value}[/]: {finding.message}", highlight=False)
    console.print(
        f"[dim]refill data version {plan.config_version}; decision support only, "
        "not a certified medical device[/]"
    )


@refill_app.command("plan")
@guarded
def plan_command(
    filled: Annotated[str, typer.Option(help="Volume in the reservoir after the refill, '20 mL'.")],
    filled_at: Annotated[str, typer.Option(help="When the pump was filled, 2026-11-25T10:00.")],
    rate: Annotated[
        str | None, typer.Option(help="Mean daily volume of the new program, '0.30 mL/day'.")
    ] = None,
    worst_case_rate: Annotated[
        str | None, typer.Option(help="Daily volume if every patient bolus is taken.")
    ] = None,
    program: Annotated[
        Path | None, typer.Option(help="Prescription YAML; gives the rates and drugs.")
    ] = None,
    reservoir: Annotated[str | None, typer.Option(help="Reservoir capacity, '20 mL'.")] = None,
    pump: Annotated[str, typer.Option(help="Pump family: synchromed-ii, prometra-ii.")] = (
        "synchromed-ii"
    ),
    alarm: Annotated[
        str | None, typer.Option(help="Low-reservoir alarm volume; default: the pump's.")
    ] = None,
    drug: Annotated[
        list[str] | None, typer.Option(help="Drug in the pump (repeat for admixtures).")
    ] = None,
    first_fill: Annotated[bool, typer.Option(help="First fill of this pump.")] = False,
    diluted: Annotated[
        bool | None, typer.Option("--diluted/--undiluted", help="Ziconotide diluted or not.")
    ] = None,
    last_fill: Annotated[str | None, typer.Option(help="Volume of the previous fill.")] = None,
    last_fill_at: Annotated[str | None, typer.Option(help="When the previous fill was.")] = None,
    measured_residual: Annotated[
        str | None, typer.Option(help="Residual aspirated at this refill, '6.5 mL'.")
    ] = None,
    last_rate: Annotated[
        str | None, typer.Option(help="Mean daily volume run since the previous fill.")
    ] = None,
    injected: Annotated[str | None, typer.Option(help="Volume injected at this refill.")] = None,
    measured_after: Annotated[
        str | None, typer.Option(help="Reservoir volume measured after the refill.")
    ] = None,
    old_concentration: Annotated[
        str | None, typer.Option(help="Concentration before this refill: sizes a bridge bolus.")
    ] = None,
    catheter_length: Annotated[str | None, typer.Option(help="Catheter length, '50 cm'.")] = None,
    catheter_volume_per_cm: Annotated[
        str | None, typer.Option(help="Catheter volume per cm, '2.2 µL/cm' (product data).")
    ] = None,
    pump_internal_volume: Annotated[
        str | None, typer.Option(help="Pump path volume to the catheter port (product data).")
    ] = None,
    empty_catheter: Annotated[
        str | None, typer.Option(help="Empty catheter length to prime, '30 cm'.")
    ] = None,
    priming_rate: Annotated[
        str | None, typer.Option(help="The device's priming bolus rate, '1 mL/h'.")
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="A local refill.yaml overriding the packaged one.")
    ] = None,
    strict: Annotated[
        bool, typer.Option(help="Exit 1 when a finding needs investigation.")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Plan the next refill: alarm and empty dates, due date and volume checks."""
    if program is not None and (rate is not None or worst_case_rate is not None):
        raise InvalidInput("give either --program or --rate/--worst-case-rate, not both")
    drugs = tuple(drug or ())
    if program is not None:
        mean, worst, program_drugs = _program_rates(program)
        drugs = drugs or program_drugs
    else:
        mean = _required_quantity(VolumeRate, rate, "--rate")
        worst = _quantity(VolumeRate, worst_case_rate, "--worst-case-rate")

    drug_keys = tuple(d.strip().lower() for d in drugs)
    old_rate = _quantity(VolumeRate, last_rate, "--last-rate")
    previous = _last_fill(last_fill, last_fill_at, measured_residual, old_rate)
    bridge = _bridge(
        old_concentration,
        (catheter_length, catheter_volume_per_cm, pump_internal_volume),
        old_rate,
        drug_keys,
    )
    if old_rate is not None and previous is None and bridge is None:
        raise InvalidInput(
            "--last-rate only applies with the residual check (--last-fill ...) or a bridge "
            "(--old-concentration)"
        )
    priming = _priming(empty_catheter, priming_rate, catheter_volume_per_cm, pump_internal_volume)

    post = None
    if injected is not None or measured_after is not None:
        post = PostRefillMeasurement(
            injected=_required_quantity(Volume, injected, "--injected"),
            measured=_required_quantity(Volume, measured_after, "--measured-after"),
        )

    filled_volume = _required_quantity(Volume, filled, "--filled")
    capacity = _quantity(Volume, reservoir, "--reservoir")
    in_pump = [("--filled", filled_volume)]
    if previous is not None:
        in_pump += [
            ("--last-fill", previous.volume),
            ("--measured-residual", previous.measured_residual),
        ]
    _within_family(pump, capacity, in_pump)
    request = RefillRequest(
        filled=filled_volume,
        filled_at=_filled_at(filled_at),
        mean_daily_volume=mean,
        worst_case_daily_volume=worst,
        reservoir=capacity,
        pump_family=pump,
        alarm_volume=_quantity(Volume, alarm, "--alarm"),
        drugs=drug_keys,
        first_fill=first_fill,
        ziconotide_diluted=diluted,
        last_fill=previous,
        post_refill=post,
        bridge=bridge,
        priming=priming,
    )
    try:
        plan = plan_refill(request, load_refill_config(config))
    except OverflowError:
        raise InvalidInput(
            f"the alarm or empty date falls after the year 9999: check --rate ({mean}) "
            f"and --filled-at ({filled_at})"
        ) from None
    if json_output:
        print_json(plan)
    else:
        _render(plan)
    if strict and plan.needs_investigation:
        raise typer.Exit(EXIT_REFUSED)


def register(app: typer.Typer) -> None:
    """Add the ``refill`` command group to the root app."""
    app.add_typer(refill_app, name="refill")

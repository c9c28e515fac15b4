"""CLI: the drug catalogue (``drugs``) and program safety checks (``program check``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

import typer
import yaml
from rich.table import Table

from intrathecal.cli._common import EXIT_REFUSED, console, guarded, print_json
from intrathecal.core.catalogue import (
    Drug,
    StepLimit,
    load_catalogue,
    parse_fraction,
    parse_rule_set,
)
from intrathecal.core.errors import InvalidInput, InvalidProgram, InvalidQuantity
from intrathecal.core.program import Continuous, Prescription, Solution
from intrathecal.core.program_math import (
    daily_dose,
    daily_volume,
    peak_rate,
    rate_for_dose,
    worst_case_daily_dose,
    worst_case_daily_volume,
)
from intrathecal.core.program_spec import prescription_from_dict, prescription_to_dict
from intrathecal.core.quantities import (
    Concentration,
    DoseRate,
    Duration,
    Mass,
    Quantity,
    VolumeRate,
    format_fraction,
)
from intrathecal.core.safety import (
    DoseStep,
    DosingProfile,
    Finding,
    History,
    OpioidStatus,
    ProgramRequest,
    SafetyReport,
    SafetySettings,
    Severity,
    SpasticityOrigin,
    check_program,
    check_screening_start,
)
from intrathecal.core.sourced_data import Sourced
from intrathecal.device.errors import UnknownPumpModel
from intrathecal.device.limits import DEFAULT_MODEL, safety_limits
from intrathecal.device.models import PumpModel, pump_model

E = TypeVar("E", bound=Enum)

program_app = typer.Typer(
    help="Infusion programs: check a proposed program against the safety rules.",
    no_args_is_help=True,
)

RULE_SET_HELP = "Jurisdiction whose label limits apply: us or eu."


def register(app: typer.Typer) -> None:
    """Add ``drugs`` and ``program check`` to the root app."""
    app.command("drugs")(drugs)
    app.add_typer(program_app, name="program")
    program_app.command("check")(program_check)
    program_app.command("screening-start")(screening_start)


# --- drugs ------------------------------------------------------------------------------


@guarded
def drugs(
    rule_set: str = typer.Option("us", "--rule-set", help=RULE_SET_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List the drug catalogue: every limit with its source and status."""
    chosen = parse_rule_set(rule_set)
    catalogue = load_catalogue()
    entries = catalogue.drugs(chosen)
    if as_json:
        print_json(
            {
                "version": catalogue.version,
                "reviewed": catalogue.reviewed,
                "rule_set": chosen.value,
                "drugs": [_drug_json(d) for d in entries],
            }
        )
        return
    table = Table(
        title=f"Drug catalogue v{catalogue.version} (reviewed {catalogue.reviewed}), "
        f"rule set {chosen.value}"
    )
    for column in ("drug", "item", "value", "status", "source"):
        table.add_column(column)
    for d in entries:
        rows: list[tuple[str, Sourced[object] | None]] = [
            ("line of therapy", d.line_of_therapy),
            ("trial bolus", d.trial_bolus),
            ("starting daily dose", d.starting_daily_dose),
            ("max concentration", d.max_concentration),
            ("max daily dose", d.max_daily_dose),
            ("opioid-naive daily dose", d.naive_daily_dose),
            ("opioid-tolerant daily dose", d.tolerant_daily_dose),
            ("IT morphine equivalent (×)", d.morphine_equivalent),
            ("continuous only", d.continuous_only),
            ("first fill", d.first_fill_concentration),
            ("admixture", d.no_admixture),
            ("if the pump stops", d.on_stop),
            ("screening spacing", d.trial_spacing),
            *(("strength", c) for c in d.concentrations),
        ]
        rows = [(item, value) for item, value in rows if value is not None or item in _ALWAYS]
        for index, (item, value) in enumerate(rows):
            first = index == 0
            table.add_row(
                f"{d.name}\n({d.drug_class.value.replace('_', ' ')})" if first else "",
                item,
                *_cells(value),
            )
        table.add_section()
    console.print(table)
    console.print(
        "[bold yellow]unverified[/] = a configurable default not read from its primary "
        "source; review before clinical use.",
        soft_wrap=True,
    )


#: Rows shown even when empty (the core limits every drug has or lacks).
_ALWAYS = frozenset(
    {"line of therapy", "trial bolus", "starting daily dose", "max concentration", "max daily dose"}
)


def _value_text(value: object) -> str:
    if value is None:
        return "no known upper limit"
    if isinstance(value, Quantity):
        return value.format()
    if isinstance(value, Fraction):
        return f"{format_fraction(value * 100, 4)} %"
    if isinstance(value, StepLimit):
        return f"{value.count} per {value.per}"
    fmt = getattr(value, "format", None)
    return str(fmt()) if callable(fmt) else str(value)


def _cells(item: Sourced[object] | None) -> tuple[str, str, str]:
    if item is None:
        return ("—", "", "")
    marker = "[bold yellow]unverified[/]" if item.unverified else item.status.value
    return (_value_text(item.value), marker, item.source.short)


def _sourced_json(item: Sourced[object] | None) -> dict[str, Any] | None:
    if item is None:
        return None
    return {
        "value": _value_text(item.value) if item.value is not None else None,
        "source": item.source.short,
        "citation": item.source.citation,
        "status": item.status.value,
        "unverified": item.unverified,
        "note": item.note,
    }


def _titration_json(item: object) -> object:
    if isinstance(item, Mapping):
        return {str(k): _sourced_json(v) for k, v in item.items()}
    assert isinstance(item, Sourced)
    return _sourced_json(item)


def _drug_json(d: Drug) -> dict[str, Any]:
    return {
        "name": d.name,
        "display_name": d.display_name,
        "class": d.drug_class.value,
        "line_of_therapy": _sourced_json(d.line_of_therapy),
        "trial_bolus": _sourced_json(d.trial_bolus),
        "starting_daily_dose": _sourced_json(d.starting_daily_dose),
        "max_concentration": _sourced_json(d.max_concentration),
        "max_daily_dose": _sourced_json(d.max_daily_dose),
        "concentrations": [_sourced_json(c) for c in d.concentrations],
        "contraindications": {k: _sourced_json(v) for k, v in d.contraindications.items()},
        "naive_daily_dose": _sourced_json(d.naive_daily_dose),
        "tolerant_daily_dose": _sourced_json(d.tolerant_daily_dose),
        "morphine_equivalent": _sourced_json(d.morphine_equivalent),
        "continuous_only": _sourced_json(d.continuous_only),
        "first_fill_concentration": _sourced_json(d.first_fill_concentration),
        "no_admixture": _sourced_json(d.no_admixture),
        "on_stop": _sourced_json(d.on_stop),
        "trial_spacing": _sourced_json(d.trial_spacing),
        "titration": {
            f.name: _titration_json(getattr(d.titration, f.name))
            for f in dataclasses.fields(d.titration)
            if getattr(d.titration, f.name)
        },
    }


# --- screening start -----------------------------------------------------------------------


@guarded
def screening_start(
    effective_dose: str = typer.Option(
        ..., "--effective-dose", help="The screening bolus that worked, e.g. '50 mcg'."
    ),
    effect_duration: str = typer.Option(
        ..., "--effect-duration", help="How long its effect lasted, e.g. '6 h'."
    ),
    drug: str = typer.Option("baclofen", "--drug", help="Drug with a screening-to-start rule."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """The first daily dose from an effective screening bolus (baclofen label rule); exit 1
    when the dosing policy refuses the bolus (above the drug's trial bolus range)."""
    checked = check_screening_start(
        drug.strip().lower(),
        _option(Mass, effective_dose, "--effective-dose"),
        _option(Duration, effect_duration, "--effect-duration"),
    )
    result = checked.proposal
    if as_json:
        findings = [finding_json(f) for f in checked.report.findings]
        if result is None:
            print_json({"verdict": "refused", "findings": findings})
            raise typer.Exit(EXIT_REFUSED)
        print_json(
            {
                "drug": result.drug,
                "daily_dose": result.daily_dose,
                "factor": result.factor,
                "source": result.rule.source.short,
                "status": result.rule.status.value,
                "explanation": result.explanation,
                "findings": findings,
            }
        )
        return
    if checked.report.findings:
        console.print("Screening bolus checked by the dosing safety policy:")
        print_findings(checked.report)
    if result is None:
        console.print("No starting dose is proposed from a refused screening bolus.")
        raise typer.Exit(EXIT_REFUSED)
    console.print(result.explanation, soft_wrap=True, highlight=False, markup=False)


# --- program check ------------------------------------------------------------------------


@guarded
def program_check(
    file: Path | None = typer.Argument(None, help="Proposed program (YAML).", show_default=False),
    current: Path | None = typer.Option(
        None, "--current", help="The program running now (YAML), for change rules."
    ),
    drug: str | None = typer.Option(None, "--drug", help="One-drug program: the drug."),
    concentration: str | None = typer.Option(
        None, "--concentration", help="One-drug program: concentration, e.g. '10 mg/mL'."
    ),
    rate: str | None = typer.Option(
        None, "--rate", help="One-drug program: continuous rate, e.g. '0.3 mL/day'."
    ),
    dose: str | None = typer.Option(
        None, "--dose", help="One-drug program: daily dose, e.g. '3 mg/day' (sets the rate)."
    ),
    current_dose: str | None = typer.Option(
        None, "--current-dose", help="One-drug program: the daily dose running now."
    ),
    now: str | None = typer.Option(
        None, "--now", help="When the change takes effect (ISO date-time), for titration."
    ),
    step_at: list[str] | None = typer.Option(
        None, "--step-at", help="Time of a past dose increase (ISO); repeat for each."
    ),
    psychosis_history: bool | None = typer.Option(
        None,
        "--psychosis-history/--no-psychosis-history",
        help="Record whether the patient has a history of psychosis.",
        show_default=False,
    ),
    opioid_status: str = typer.Option(
        "unknown", "--opioid-status", help="The patient's opioid status: naive, tolerant, unknown."
    ),
    spasticity_origin: str | None = typer.Option(
        None, "--spasticity-origin", help="Baclofen patients: spinal or cerebral origin."
    ),
    cancer_pain: bool | None = typer.Option(
        None,
        "--cancer-pain/--no-cancer-pain",
        help="Record whether the patient has cancer pain (override above default ceilings).",
        show_default=False,
    ),
    pump_model: str = typer.Option(
        DEFAULT_MODEL, "--pump-model", help="Pump model key (see data/pumps.yaml)."
    ),
    max_increase: str | None = typer.Option(
        None,
        "--max-increase",
        help="Override the general per-change dose increase limit, e.g. '10 %'.",
    ),
    rule_set: str = typer.Option("us", "--rule-set", help=RULE_SET_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """Check a proposed program; exit 1 when a HARD finding refuses it.

    Give a YAML file, or a one-drug program: --drug, --concentration, --rate or --dose.

    SOFT findings need an override (a reason and a second clinician).
    """
    chosen = parse_rule_set(rule_set)
    catalogue = load_catalogue()
    simple = any(v is not None for v in (drug, concentration, rate, dose, current_dose))
    if file is not None and simple:
        raise InvalidInput("give either a program FILE or --drug/--concentration flags, not both")
    if file is not None:
        proposed = _read_program(file)
    elif simple:
        proposed = _simple_program(drug, concentration, rate, dose)
    else:
        raise InvalidInput("give a program FILE, or --drug, --concentration and --rate/--dose")
    before: Prescription | None = _read_program(current) if current is not None else None
    if current_dose is not None:
        if before is not None:
            raise InvalidInput("give --current or --current-dose, not both")
        before = _simple_program(drug, concentration, None, current_dose, "--current-dose")
    history = _history(proposed, now, step_at or [])
    settings = SafetySettings.from_catalogue(catalogue)
    if max_increase is not None:
        fraction = parse_fraction(max_increase, "--max-increase")
        settings = settings.with_dose_increase_fraction(fraction)
    profile = profile_from_options(opioid_status, psychosis_history, spasticity_origin, cancer_pain)
    report = check_program(
        ProgramRequest(
            proposed=proposed,
            current=before,
            pump=safety_limits(pump_model_option(pump_model)),
            patient=profile,
            history=history,
            rule_set=chosen,
            settings=settings,
            catalogue=catalogue,
        )
    )
    if as_json:
        print_json(report_json(proposed, report))
    else:
        print_report(proposed, report)
    if report.refused:
        raise typer.Exit(EXIT_REFUSED)


def _read_program(path: Path) -> Prescription:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such program file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot read the program file ({exc})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise InvalidProgram(f"{path}: not valid YAML{line}") from None
    try:
        return prescription_from_dict(data)
    except (InvalidProgram, InvalidQuantity) as exc:
        raise type(exc)(f"{path}: {exc}") from None


def _option(kind: type[Any], text: str, option: str) -> Any:
    try:
        return kind.parse(text)
    except InvalidQuantity as exc:
        raise InvalidQuantity(f"{option}: {exc}") from None


def _simple_program(
    drug: str | None,
    concentration: str | None,
    rate: str | None,
    dose: str | None,
    dose_option: str = "--dose",
) -> Prescription:
    if drug is None or concentration is None:
        raise InvalidInput("a one-drug program needs --drug and --concentration")
    if (rate is None) == (dose is None):
        raise InvalidInput("give exactly one of --rate (e.g. '0.3 mL/day') or --dose")
    strength: Concentration = _option(Concentration, concentration, "--concentration")
    flow: VolumeRate
    if rate is not None:
        flow = _option(VolumeRate, rate, "--rate")
    else:
        assert dose is not None
        daily: DoseRate = _option(DoseRate, dose, dose_option)
        flow = rate_for_dose(daily, strength)
    try:
        solution = Solution.single(drug.strip().lower(), strength)
        return Prescription(solution, Continuous(flow))
    except InvalidProgram as exc:
        raise InvalidProgram(f"--drug/--concentration: {exc}") from None


def _when(text: str, option: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{option}: expected an ISO date-time such as 2026-01-31T09:00, got {text!r}"
        ) from None


def _choice(kind: type[E], text: str, option: str) -> E:
    try:
        return kind(text.strip().lower())
    except ValueError:
        known = ", ".join(str(k.value) for k in kind)
        raise InvalidInput(f"{option}: expected one of {known}, got {text!r}") from None


def profile_from_options(
    opioid_status: str,
    psychosis_history: bool | None,
    spasticity_origin: str | None,
    cancer_pain: bool | None,
) -> DosingProfile:
    """The patient's dosing profile from the command-line options (one error per option)."""
    return DosingProfile(
        opioid_status=_choice(OpioidStatus, opioid_status, "--opioid-status"),
        psychosis_history=psychosis_history,
        spasticity_origin=(
            None
            if spasticity_origin is None
            else _choice(SpasticityOrigin, spasticity_origin, "--spasticity-origin")
        ),
        cancer_pain=cancer_pain,
    )


def pump_model_option(key: str) -> PumpModel:
    """The ``--pump-model`` option's model; an unknown key is a one-line input error."""
    try:
        return pump_model(key)
    except UnknownPumpModel as exc:
        raise InvalidInput(f"--pump-model: {exc}") from None


def _history(proposed: Prescription, now: str | None, steps: list[str]) -> History:
    if steps and now is None:
        raise InvalidInput("--step-at needs --now (when the proposed change takes effect)")
    # A past step is recorded against every drug in the program; only drugs with label
    # frequency limits (ziconotide) read them.
    times = [_when(s, "--step-at") for s in steps]
    return History(
        now=_when(now, "--now") if now is not None else None,
        steps=tuple(DoseStep(name, at) for name in proposed.solution.drugs for at in times),
    )


def _summary(p: Prescription) -> dict[str, Any]:
    catalogue = load_catalogue()
    mean, worst = daily_dose(p), worst_case_daily_dose(p)

    def unit(name: str) -> str:
        return catalogue.get(name).dose_unit

    return {
        "daily_volume": daily_volume(p),
        "worst_case_daily_volume": worst_case_daily_volume(p),
        "peak_rate": peak_rate(p),
        "daily_dose": {n: d.in_unit(unit(n)) for n, d in mean.items()},
        "worst_case_daily_dose": {n: d.in_unit(unit(n)) for n, d in worst.items()},
    }


def _verdict(report: SafetyReport) -> str:
    if report.refused:
        return "refused"
    return "needs_override" if report.needs_override else "ok"


def report_json(p: Prescription, report: SafetyReport) -> dict[str, Any]:
    """A checked program as JSON: verdict, program, its summary and the findings."""
    return {
        "verdict": _verdict(report),
        "rule_set": report.rule_set,
        "catalogue_version": report.catalogue_version,
        "program": prescription_to_dict(p),
        "summary": _summary(p),
        "findings": [finding_json(f) for f in report.findings],
    }


_STYLE = {Severity.HARD: "bold red", Severity.SOFT: "bold yellow", Severity.INFO: "cyan"}


def print_report(p: Prescription, report: SafetyReport) -> None:
    """A checked program as text: the program, its doses, then the findings and verdict."""
    summary = _summary(p)
    solution = ", ".join(f"{c.drug} {c.concentration}" for c in p.solution.components)
    lines = [
        f"Program: {solution} (rule set {report.rule_set}, catalogue v{report.catalogue_version})",
        f"  daily volume {summary['daily_volume'].format('mL')}; worst case with patient "
        f"boluses {summary['worst_case_daily_volume'].format('mL')}; peak flow "
        f"{summary['peak_rate'].format('mL/day')}",
    ]
    for name, mean in summary["daily_dose"].items():
        worst = summary["worst_case_daily_dose"][name]
        extra = f" (worst case {worst})" if worst != mean else ""
        lines.append(f"  {name}: {mean}{extra}")
    for line in lines:
        console.print(line, soft_wrap=True, highlight=False, markup=False)
    print_findings(report)


def finding_json(f: Finding) -> dict[str, Any]:
    """A finding as JSON: rule, severity, drug, message, source with status, numbers."""
    return {
        "rule": f.rule,
        "severity": f.severity.value,
        "drug": f.drug,
        "message": f.message,
        "source": f.source,
        "values": dict(f.values),
    }


def print_findings(report: SafetyReport) -> None:
    """Findings, HARD first, each on one line with its numbers, then the verdict."""
    for f in report.findings:
        console.print(
            f"[{_STYLE[f.severity]}]{f.severity.value.upper()}[/] {f.rule}: ",
            end="",
            soft_wrap=True,
            highlight=False,
        )
        console.print(f.message, soft_wrap=True, highlight=False, markup=False)
        if f.values and f.severity is not Severity.INFO:
            numbers = " · ".join(f"{k.replace('_', ' ')} {v}" for k, v in f.values.items())
            console.print(f"    {numbers}", soft_wrap=True, highlight=False, markup=False)
    if report.refused:
        console.print("[bold red]REFUSED[/]: a HARD finding cannot be overridden.", soft_wrap=True)
    elif report.needs_override:
        codes = ", ".join(sorted({f.rule for f in report.of(Severity.SOFT)}))
        console.print(
            f"[bold yellow]NEEDS OVERRIDE[/]: accept SOFT findings ({codes}) with a reason "
            "and a second clinician.",
            soft_wrap=True,
        )
    else:
        console.print("[bold green]OK[/]: no finding blocks this program.", soft_wrap=True)

"""CLI: ``intrathecal trial evaluate``, ``trial propose`` and ``trial rules``.

Exit codes: 0 when the record was evaluated (success, failure or inconclusive alike; the
outcome is in the output), 1 when the dosing safety policy refuses a trial dose (the same
check the clinic API applies), 2 for a bad record or option.
"""

from datetime import UTC
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.table import Table

from intrathecal.cli._common import EXIT_REFUSED, console, guarded, print_json
from intrathecal.cli.dosing import (
    finding_json,
    print_findings,
    print_report,
    profile_from_options,
    pump_model_option,
    report_json,
)
from intrathecal.clinic.pathway import observed_by_now
from intrathecal.core.errors import InvalidInput
from intrathecal.core.first_program import propose_first_program
from intrathecal.core.quantities import Concentration, format_fraction
from intrathecal.core.safety import check_trial
from intrathecal.core.spasticity_response import SpasticityEvaluation
from intrathecal.core.trial import Outcome, TrialEvaluation
from intrathecal.core.trial_config import TrialConfig, load_trial_config
from intrathecal.core.trial_record import TrialRecord, trial_record_from_dict
from intrathecal.device.limits import DEFAULT_MODEL, safety_limits

trial_app = typer.Typer(
    help="Screening-trial evaluation: relief, side effects, outcome, referral.",
    no_args_is_help=True,
)

_OUTCOME_STYLE = {
    Outcome.SUCCESS: "bold green",
    Outcome.FAILURE: "bold red",
    Outcome.INCONCLUSIVE: "bold yellow",
}


def _read_record(path: Path, config: TrialConfig) -> TrialRecord:
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{path} is not valid YAML: {exc}") from None
    record = trial_record_from_dict(data, config.side_effects)
    if record.started_at is not None:  # a time without a zone is this machine's local time
        observed_by_now(record, record.started_at.astimezone(UTC))
    return record


def _render(record: TrialRecord, result: TrialEvaluation) -> None:
    style = _OUTCOME_STYLE[result.outcome]
    who = f" for {record.patient}" if record.patient else ""
    if record.started_at is not None:
        who += f", started {record.started_at:%Y-%m-%d %H:%M}"
    console.print(
        f"Trial{who}: [{style}]{result.outcome.value.upper()}[/] (rule {result.rule.key})"
    )
    for reason in result.reasons:
        console.print(f"  - {reason}", highlight=False)
    if result.spasticity is not None:
        _render_spasticity(result.spasticity)
    pain_title = "Pain scores (NRS 0-10)"
    if result.spasticity is not None:
        pain_title += ": shown, not used to judge this screening"
    scores = Table(title=pain_title, title_justify="left")
    scores.add_column("time")
    scores.add_column("NRS", justify="right")
    scores.add_column("relief", justify="right")
    scores.add_row("baseline", str(record.baseline), "")
    for point in result.relief:
        scores.add_row(
            point.at.format("h", 4),
            str(point.score),
            f"{format_fraction(point.relief_percent, 3)} %",
        )
    if not result.relief:
        for observation in record.scores:
            scores.add_row(observation.at.format("h", 4), str(observation.score), "-")
    console.print(scores)
    injections = Table(title="Injections", title_justify="left")
    for column in ("time", "drug", "dose", "best relief after it"):
        injections.add_column(column)
    for item in result.per_injection:
        best = item.best_relief_percent
        injections.add_row(
            item.injection.at.format("h", 4),
            item.injection.drug,
            item.injection.dose.format(),
            "-" if best is None else f"{format_fraction(best, 3)} %",
        )
    console.print(injections)
    if record.side_effects:
        effects = Table(title="Side effects", title_justify="left")
        for column in ("effect", "severity", "time", "note"):
            effects.add_column(column)
        for effect in record.side_effects:
            effects.add_row(
                effect.effect,
                effect.severity.value,
                "-" if effect.at is None else effect.at.format("h", 4),
                effect.note,
            )
        console.print(effects)
    console.print(
        f"Observed {result.observed_after_last_injection.format('h', 4)} after the last injection."
    )
    if result.effective_injection is not None:
        console.print(
            f"Effective dose: {result.effective_injection.dose} {result.effective_injection.drug}"
        )
    console.print(f"[bold]Next step:[/] {result.recommendation}")
    if result.unverified_parameters:
        console.print(
            "[yellow]unverified defaults in this rule:[/] "
            + ", ".join(result.unverified_parameters),
            highlight=False,
        )
    console.print("[dim]decision support only, not a certified medical device[/]")


def _render_spasticity(evaluation: SpasticityEvaluation) -> None:
    scale = evaluation.scale.label if evaluation.scale else "spasticity"
    table = Table(title=f"Spasticity ({scale}) before and after each bolus", title_justify="left")
    for column in ("bolus", "before", "time", "drop (points)"):
        table.add_column(column)
    for index, response in enumerate(evaluation.responses, start=1):
        name = f"{index}: {response.injection.dose} at {response.injection.at.format('h', 4)}"
        table.add_row(name, str(response.before), "", "")
        for at, drop in response.drops:
            table.add_row("", "", at.format("h", 4), str(drop))
    console.print(table)


@trial_app.command("evaluate")
@guarded
def evaluate_command(
    record_file: Annotated[Path, typer.Argument(help="Trial record YAML file.")],
    rule: Annotated[
        str | None, typer.Option(help="Rule from trial.yaml (default: its default_rule).")
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="A local trial.yaml overriding the packaged one.")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Evaluate a screening-trial record: relief, side effects, outcome, next step."""
    settings = load_trial_config(config)
    record = _read_record(record_file, settings)
    checked = check_trial(record, rule=settings.rule(rule), config=settings)
    report, result = checked.report, checked.evaluation
    if result is None:
        if json_output:
            print_json(
                {
                    "record": record,
                    "verdict": "refused",
                    "findings": [finding_json(f) for f in report.findings],
                }
            )
        else:
            console.print("Trial doses checked by the dosing safety policy:")
            print_findings(report)
            console.print("The trial outcome is not evaluated for refused doses.")
        raise typer.Exit(EXIT_REFUSED)
    if json_output:
        print_json(
            {
                "record": record,
                "evaluation": result,
                "findings": [finding_json(f) for f in report.findings],
            }
        )
    else:
        _render(record, result)
        if report.findings:
            print_findings(report)


@trial_app.command("propose")
@guarded
def propose_command(
    record_file: Annotated[Path, typer.Argument(help="Trial record YAML file.")],
    pump_model: Annotated[
        str, typer.Option("--pump-model", help="Pump model key (see data/pumps.yaml).")
    ] = DEFAULT_MODEL,
    opioid_status: Annotated[
        str, typer.Option(help="The patient's opioid status: naive, tolerant, unknown.")
    ] = "unknown",
    spasticity_origin: Annotated[
        str | None, typer.Option(help="Baclofen patients: spinal or cerebral origin.")
    ] = None,
    psychosis_history: Annotated[
        bool | None,
        typer.Option(
            "--psychosis-history/--no-psychosis-history",
            help="Record whether the patient has a history of psychosis.",
            show_default=False,
        ),
    ] = None,
    cancer_pain: Annotated[
        bool | None,
        typer.Option(
            "--cancer-pain/--no-cancer-pain",
            help="Record whether the patient has cancer pain.",
            show_default=False,
        ),
    ] = None,
    strength: Annotated[
        str | None, typer.Option(help="Concentration to fill, e.g. '10 mg/mL' (else proposed).")
    ] = None,
    rule: Annotated[
        str | None, typer.Option(help="Rule from trial.yaml (default: its default_rule).")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Propose the first program from a successful trial; the clinician confirms it.

    Exit 1 when the dosing policy refuses the proposal (or the trial doses).
    """
    settings = load_trial_config()
    record = _read_record(record_file, settings)
    profile = profile_from_options(opioid_status, psychosis_history, spasticity_origin, cancer_pain)
    checked = check_trial(record, patient=profile, rule=settings.rule(rule), config=settings)
    if checked.evaluation is None:
        console.print("Trial doses checked by the dosing safety policy:")
        print_findings(checked.report)
        raise typer.Exit(EXIT_REFUSED)
    proposal = propose_first_program(
        checked.evaluation,
        pump=safety_limits(pump_model_option(pump_model)),
        patient=profile,
        strength=None if strength is None else Concentration.parse(strength),
    )
    if json_output:
        print_json(
            {
                "proposal": proposal,
                **report_json(proposal.prescription, proposal.report),
            }
        )
    else:
        console.print(
            f"[bold]Proposed first program[/] from the effective {proposal.trial_dose} "
            f"{proposal.drug} trial dose: {proposal.daily_dose} at {proposal.strength}",
            highlight=False,
        )
        for part in proposal.provenance:
            status = "UNVERIFIED" if part.unverified else "sourced"
            console.print(
                f"  {part.part}: {part.text} ({status}: {part.attribution})",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
        print_report(proposal.prescription, proposal.report)
        console.print(f"[bold]{proposal.note}[/]")
    if proposal.report.refused:
        raise typer.Exit(EXIT_REFUSED)


@trial_app.command("rules")
@guarded
def rules_command(
    config: Annotated[
        Path | None, typer.Option(help="A local trial.yaml overriding the packaged one.")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the trial success rules with each parameter's source and status."""
    settings = load_trial_config(config)
    if json_output:
        print_json(settings)
        return
    tables = {
        f"{key}{' (default)' if key == settings.default_rule else ''}: {rule.description}": (
            rule.sourced_values()
        )
        for key, rule in settings.rules.items()
    }
    spasticity = settings.spasticity
    drugs = ", ".join(spasticity.drugs)
    tables[f"spasticity_response ({drugs}; never judged on pain NRS)"] = spasticity.sourced_values()
    for title, values in tables.items():
        table = Table(title=title, title_justify="left")
        for column in ("parameter", "value", "status", "source"):
            table.add_column(column)
        for name, value in values.items():
            shown = value.value
            text = "-" if shown is None else getattr(shown, "value", shown)
            table.add_row(name, str(text), value.status.value, value.source.short)
        console.print(table)


def register(app: typer.Typer) -> None:
    """Add the ``trial`` command group to the root app."""
    app.add_typer(trial_app, name="trial")

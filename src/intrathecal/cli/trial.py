"""CLI: ``intrathecal trial evaluate`` and ``trial rules`` - screening-trial outcome.

Exit codes: 0 when the record was evaluated (success, failure or inconclusive alike; the
outcome is in the output), 1 when the dosing safety policy refuses a trial dose (the same
check the clinic API applies), 2 for a bad record or option.
"""

from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.table import Table

from intrathecal.cli._common import EXIT_REFUSED, console, guarded, print_json
from intrathecal.cli.dosing import finding_json, print_findings
from intrathecal.core.errors import InvalidInput
from intrathecal.core.quantities import format_fraction
from intrathecal.core.safety import check_trial
from intrathecal.core.spasticity_response import SpasticityEvaluation
from intrathecal.core.trial import Outcome, TrialEvaluation
from intrathecal.core.trial_config import TrialConfig, load_trial_config
from intrathecal.core.trial_record import TrialRecord, trial_record_from_dict

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
    return trial_record_from_dict(data, config.side_effects)


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
    for key, rule in settings.rules.items():
        default = " (default)" if key == settings.default_rule else ""
        table = Table(title=f"{key}{default}: {rule.description}", title_justify="left")
        for column in ("parameter", "value", "status", "source"):
            table.add_column(column)
        for name, value in rule.sourced_values().items():
            shown = value.value
            text = "-" if shown is None else getattr(shown, "value", shown)
            table.add_row(name, str(text), value.status.value, value.source.short)
        console.print(table)


def register(app: typer.Typer) -> None:
    """Add the ``trial`` command group to the root app."""
    app.add_typer(trial_app, name="trial")

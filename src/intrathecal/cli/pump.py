"""CLI: ``intrathecal pump simulate SCENARIO.yaml`` — run a scripted pump scenario.

Thin: load the file, run the scenario, render the timeline and summary (or JSON), and
optionally write a plot. Device-layer errors (a bad scenario field, a bad plot path) are
one-line messages with exit code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from intrathecal.cli._common import INPUT_ERRORS, console, guarded, print_json, to_jsonable
from intrathecal.device.errors import DeviceError
from intrathecal.device.scenario import ScenarioResult, load_scenario, run_scenario

pump_app = typer.Typer(
    name="pump",
    help="Simulate an implanted pump and its controllers (simulation, not a medical device).",
    no_args_is_help=True,
)


def _json(result: ScenarioResult) -> dict[str, Any]:
    data: dict[str, Any] = to_jsonable(result)
    data.pop("samples", None)
    data["samples"] = len(result.samples)
    return data


def _render(result: ScenarioResult) -> None:
    console.print(
        f"[bold]{result.name}[/] — {result.model} {result.serial}, "
        f"{result.start:%Y-%m-%d %H:%M} → {result.end:%Y-%m-%d %H:%M} UTC",
        highlight=False,
    )
    table = Table("time (UTC)", "event", "detail", show_lines=False)
    for entry in result.timeline:
        table.add_row(f"{entry.at:%Y-%m-%d %H:%M}", entry.kind, entry.text)
    console.print(table)
    s = result.summary
    console.print("[bold]Summary[/]")
    console.print(f"  delivered to CSF: {s.to_csf.format('mL', 6)}", highlight=False)
    for drug, mass in s.drug_to_csf.items():
        console.print(f"    {drug}: {mass.format('mg', 6)}", highlight=False)
    console.print(f"  delivered to tissue: {s.to_tissue.format('mL', 6)}", highlight=False)
    for drug, mass in s.drug_to_tissue.items():
        console.print(f"    {drug}: {mass.format('mg', 6)}", highlight=False)
    console.print(
        f"  reservoir at end: {s.final_reservoir.format('mL', 4)} calculated by the pump, "
        f"{s.final_true_reservoir.format('mL', 4)} true",
        highlight=False,
    )
    console.print(f"  alarms: {len(s.alarms)}", highlight=False)
    for alarm in s.alarms:
        level = "critical" if alarm.critical else "non-critical"
        console.print(f"    {alarm.at:%Y-%m-%d %H:%M} {alarm.kind} ({level})", highlight=False)
    denied = ", ".join(f"{k} {v}" for k, v in s.denial_reasons.items()) or "none"
    console.print(
        f"  patient boluses: {s.boluses_granted} granted, {s.boluses_denied} denied ({denied})",
        highlight=False,
    )
    console.print(f"  commands refused: {s.refused_commands}", highlight=False)
    for refill in s.refills[1:]:
        flag = " — investigate" if refill.investigate else ""
        console.print(
            f"  refill {refill.at:%Y-%m-%d}: residual {refill.measured_residual.format('mL', 4)}"
            f" measured, {refill.expected_residual.format('mL', 4)} expected{flag}",
            highlight=False,
        )
    for note in s.unverified_model_values:
        console.print(f"  model value used: {note}", highlight=False)
    console.print("Simulation only: not a prediction for a real patient or pump.")


@pump_app.command("simulate")
@guarded
def simulate(
    scenario: Path = typer.Argument(..., help="Scenario YAML file."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
    plot: Path | None = typer.Option(None, "--plot", help="Write a .png or .svg plot."),
) -> None:
    """Run a scripted scenario: timeline, delivery summary, alarms and boluses."""
    result = run_scenario(load_scenario(scenario))
    if plot is not None:
        from intrathecal.device.plot import plot_scenario

        plot_scenario(result, plot)
    if as_json:
        print_json(_json(result))
    else:
        _render(result)
        if plot is not None:
            console.print(f"plot written to {plot}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``pump`` commands to the root app; device errors become exit code 2."""
    if DeviceError not in INPUT_ERRORS:
        INPUT_ERRORS.append(DeviceError)
    app.add_typer(pump_app, name="pump")

"""What the clinician pages show: pure functions from use-case results to display rows.

No rules live here: severities, dates and findings come from the use cases; these helpers
only word and arrange them (due-date phrasing, old-vs-new settings side by side, the
after-visit summary, which form field an error message belongs to).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from intrathecal.clinic.chart import PatientChart
from intrathecal.clinic.program_review import SettingRow, compare_programs, dose_text, settings_of
from intrathecal.clinic.records import Implant, PrescriptionVersion, Refill, Trial, WorklistItem
from intrathecal.core.program_math import daily_dose, mean_rate
from intrathecal.core.program_spec import (
    quantity_text,
)
from intrathecal.core.spasticity_response import judged_on_spasticity
from intrathecal.core.trial_config import load_trial_config
from intrathecal.web.plots import pain_score_svg, reservoir_svg

#: Worklist kinds in plain words.
KIND_LABELS: Mapping[str, str] = {
    "device_alert": "Device alert",
    "refill": "Refill",
    "eri": "Battery (ERI)",
    "discrepancy": "Refill discrepancy",
    "granuloma_risk": "Granuloma risk",
    "rising_dose": "Rising dose",
    "endocrine_review": "Endocrine review",
    "wound_check": "Wound check",
    "cosign": "Co-signature",
}


def due_phrase(due: date | None, today: date) -> str:
    """``overdue 3 days``, ``due today``, ``due in 5 days`` or ``no date``."""
    if due is None:
        return "no date"
    days = (due - today).days
    if days < 0:
        return f"overdue {-days} day{'s' if days != -1 else ''}"
    if days == 0:
        return "due today"
    return f"due in {days} day{'s' if days != 1 else ''}"


@dataclass(frozen=True)
class WorklistRowView:
    """One worklist line as shown: the item plus its wording."""

    item: WorklistItem
    kind_label: str
    due_text: str
    overdue: bool


def worklist_rows(items: Iterable[WorklistItem], today: date) -> list[WorklistRowView]:
    """Word each item, keeping the use case's ranking."""
    return [
        WorklistRowView(
            item=item,
            kind_label=KIND_LABELS.get(item.kind, item.kind.replace("_", " ")),
            due_text=due_phrase(item.due, today),
            overdue=item.due is not None and item.due < today,
        )
        for item in items
    ]


#: Old and new settings side by side (the clinic's one wording of pump settings).
compare_settings = compare_programs


@dataclass(frozen=True)
class AfterVisitSummary:
    """What the patient and the next doctor need after a visit (all values worded)."""

    drugs: tuple[tuple[str, str, str], ...]  # (drug, concentration, daily dose)
    mean_rate: str
    pump: str
    reservoir: str
    last_refill: str
    volume_added: str
    residual: str
    alarm_date: str
    next_refill: str
    prescription_version: str
    program_confirmed: str


def after_visit_summary(
    prescription: PrescriptionVersion | None, implant: Implant | None, refill: Refill | None
) -> AfterVisitSummary:
    """The summary from the current prescription, the active pump and the latest refill."""
    drugs: tuple[tuple[str, str, str], ...] = ()
    rate = "—"
    if prescription is not None:
        p = prescription.program
        doses = daily_dose(p)
        drugs = tuple(
            (c.drug, quantity_text(c.concentration), dose_text(doses[c.drug], c.drug))
            for c in p.solution.components
        )
        rate = mean_rate(p).format("mL/day", 4)
    return AfterVisitSummary(
        drugs=drugs,
        mean_rate=rate,
        pump="—" if implant is None else f"{implant.pump_model} (serial {implant.pump_serial})",
        reservoir="—" if implant is None else quantity_text(implant.reservoir),
        last_refill="—" if refill is None else f"{refill.performed_at:%Y-%m-%d %H:%M} UTC",
        volume_added="—" if refill is None else quantity_text(refill.volume_added),
        residual="—"
        if refill is None
        else (
            f"{quantity_text(refill.measured_residual)} measured, "
            f"{quantity_text(refill.expected_residual)} expected"
        ),
        alarm_date="—" if refill is None else refill.alarm_date.isoformat(),
        next_refill="—" if refill is None else refill.next_due.isoformat(),
        prescription_version="—" if prescription is None else str(prescription.version),
        program_confirmed="—"
        if prescription is None
        else (
            "not yet confirmed on the pump"
            if prescription.pump_confirmed_at is None
            else f"confirmed on the pump {prescription.pump_confirmed_at:%Y-%m-%d %H:%M} UTC"
        ),
    )


@dataclass(frozen=True)
class TrialView:
    """A trial with its pain-score plot (none without scores after the injection) and the
    pain success threshold it is judged by (none for a screening judged on spasticity)."""

    trial: Trial
    plot: str | None
    threshold: str | None


@dataclass(frozen=True)
class ChartView:
    """The chart's derived parts: plots and the current settings."""

    trials: tuple[TrialView, ...]
    reservoir_plot: str | None
    settings: dict[str, str]


def _trial_view(trial: Trial) -> TrialView:
    config = load_trial_config()
    if judged_on_spasticity(trial.record, config.spasticity):
        plot = pain_score_svg(trial.record) if trial.record.scores else None
        return TrialView(trial, plot, None)
    rule = config.rule()
    threshold = rule.relief_threshold_percent
    label = f"{float(threshold.value):g} % relief, {rule.key} rule {threshold.tag()}"
    plot = pain_score_svg(trial.record, threshold.value) if trial.record.scores else None
    return TrialView(trial, plot, label)


def chart_view(chart: PatientChart) -> ChartView:
    """Plots for each trial and for the refill history, and the program in force."""
    current = chart.current_prescription
    program = None if current is None else current.program
    rate = None if program is None else mean_rate(program)
    return ChartView(
        trials=tuple(_trial_view(t) for t in chart.trials),
        reservoir_plot=reservoir_svg(chart.refills, rate) if chart.refills else None,
        settings={} if program is None else settings_of(program),
    )


def refill_comparison(previous: Refill | None, new: Refill) -> list[SettingRow]:
    """The pump before this refill (as the previous refill left it) and after it."""

    def column(r: Refill | None) -> dict[str, str]:
        if r is None:
            return {}
        return {
            "drug": f"{r.drug} {quantity_text(r.concentration)}",
            "lot": r.lot,
            "volume filled": quantity_text(r.volume_added),
            "low-reservoir alarm": r.alarm_date.isoformat(),
            "next refill due": r.next_due.isoformat(),
        }

    before, after = column(previous), column(new)
    return [SettingRow(k, before.get(k, "—"), v) for k, v in after.items()]

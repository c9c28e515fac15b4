"""Plots of a fleet study: each headline rate's median with its 5–95 % band, per policy."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from intrathecal.sim.study import StudyResult

#: The rates shown, with the words a reader looks for.
PLOTTED = {
    "empty_days_per_1000_patient_years": "empty-reservoir days / 1,000 patient-years",
    "baclofen_empty_days_per_1000_patient_years": "baclofen empty days / 1,000 baclofen p-y",
    "low_alarms_per_1000_patient_years": "low-reservoir alarms / 1,000 p-y",
    "turned_away_per_1000_patient_years": "visits turned away (site full) / 1,000 p-y",
    "refill_visits_per_patient_year": "refill visits / patient-year",
    "nurse_hours_per_patient_year": "nurse hours / patient-year",
}


def plot_studies(results: Sequence[StudyResult], path: Path, title: str) -> None:
    """One panel per rate; one bar (median) with a 5–95 % whisker per policy. PNG or SVG."""
    fig, axes = plt.subplots(len(PLOTTED), 1, figsize=(8, 1.5 * len(PLOTTED) + 1))
    colours = ["#1f5f8b", "#c26a00", "#3a7d44"]
    bands = [result.bands() for result in results]
    for ax, (name, label) in zip(axes, PLOTTED.items(), strict=True):
        for row, band in enumerate(bands):
            low, mid, high = band[name]
            ax.barh(row, mid, color=colours[row % len(colours)], height=0.6)
            ax.errorbar(mid, row, xerr=[[mid - low], [high - mid]], fmt="none", ecolor="black")
            ax.text(high, row, f"  {mid:.3g}", va="center", fontsize=8)
        top = max(band[name][2] for band in bands)
        ax.set_xlim(0, top * 1.15 if top > 0 else 1)  # a zero rate reads as zero, not a blur
        ax.set_yticks(range(len(results)), [r.policy for r in results])
        ax.set_title(label, fontsize=9, loc="left")
        ax.tick_params(labelsize=8)
    fig.suptitle(f"{title}\nmedian and 5–95 % band across replications (simulation, not data)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)

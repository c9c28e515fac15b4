"""Plot a scenario run: reservoir volume and dose rate over time (matplotlib, Agg backend)."""

from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from intrathecal.core.quantities import Mass
from intrathecal.device.errors import DeviceInputError
from intrathecal.device.scenario import ScenarioResult

FORMATS = (".png", ".svg")


def _delivered(result: ScenarioResult, drug: str) -> list[float]:
    """Mean rate of ``drug`` reaching the CSF over each sample interval, in mg/day."""
    rates = []
    for before, after in itertools.pairwise(result.samples):
        zero = Mass.zero()
        mass = after.drug_to_csf.get(drug, zero) - before.drug_to_csf.get(drug, zero)
        span = (after.at - before.at).total_seconds() / 86_400
        rates.append(float(mass.to("mg")) / span if span > 0 else 0.0)
    return rates


def plot_scenario(result: ScenarioResult, path: Path) -> Path:
    """Write a two-panel figure of ``result`` to ``path`` (.png or .svg) and return it."""
    if path.suffix.lower() not in FORMATS:
        raise DeviceInputError(f"--plot: expected a .png or .svg file name, got {path.name!r}")
    times = [s.at for s in result.samples]
    figure, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(9, 6))
    try:
        top.plot(times, [float(s.reservoir.to("mL")) for s in result.samples],
                 label="pump's calculated volume")  # fmt: skip
        top.plot(times, [float(s.true_reservoir.to("mL")) for s in result.samples],
                 linestyle="--", label="true volume (simulation)")  # fmt: skip
        for alarm in result.summary.alarms:
            top.axvline(alarm.at, color="red" if alarm.critical else "orange", linewidth=0.8)
        top.set_ylabel("reservoir (mL)")
        top.legend(loc="upper right", fontsize="small")
        top.set_title(f"{result.name} — {result.model} (red/orange lines: alarms)")
        drugs = sorted({drug for s in result.samples for drug in s.dose_rates})
        for drug in drugs:
            values = [
                float(s.dose_rates[drug].to("mg/day")) if drug in s.dose_rates else 0.0
                for s in result.samples
            ]
            label = f"{drug} leaving the reservoir (programmed)"
            bottom.step(times, values, where="post", label=label)
            bottom.step(times[1:], _delivered(result, drug), where="pre", linestyle="--",
                        label=f"{drug} reaching the CSF (simulation)")  # fmt: skip
        bottom.set_ylabel("dose rate (mg/day)")
        bottom.set_ylim(bottom=0)
        if drugs:
            bottom.legend(loc="lower left", fontsize="small")
        figure.autofmt_xdate()
        figure.tight_layout()
        try:
            figure.savefig(path)
        except OSError as exc:
            raise DeviceInputError(f"--plot: cannot write {path}: {exc.strerror or exc}") from None
    finally:
        plt.close(figure)
    return path

"""Old versus new pump settings, worded: what the clinician reviews at a refill or a change."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from intrathecal.core.catalogue import load_catalogue
from intrathecal.core.errors import UnknownDrug
from intrathecal.core.program import Prescription
from intrathecal.core.program_math import daily_dose, mean_rate, worst_case_daily_dose
from intrathecal.core.program_spec import prescription_to_dict, quantity_text
from intrathecal.core.quantities import DoseRate


@dataclass(frozen=True)
class SettingRow:
    """One pump setting before and after a change."""

    label: str
    old: str
    new: str

    @property
    def changed(self) -> bool:
        """True when the value differs."""
        return self.old != self.new


def dose_text(dose: DoseRate, drug: str) -> str:
    """A daily dose in the unit of the drug's limits and findings (baclofen ``100 mcg/day``,
    morphine ``0.5 mg/day``); mg/day for a drug the catalogue does not know."""
    try:
        unit = load_catalogue().get(drug).dose_unit
    except UnknownDrug:
        unit = "mg/day"
    return dose.format(unit, 4)


def settings_of(p: Prescription) -> dict[str, str]:
    """The settings a clinician reads back from a pump, worded, by label."""
    out: dict[str, str] = {}
    for component in p.solution.components:
        out[f"{component.drug} concentration"] = quantity_text(component.concentration)
    for drug, dose in daily_dose(p).items():
        out[f"{drug} daily dose"] = dose_text(dose, drug)
    out["mean rate"] = mean_rate(p).format("mL/day", 4)
    out["basal"] = basal_text(prescription_to_dict(p))
    out["periodic boluses"] = str(len(p.periodic)) if p.periodic else "none"
    if p.patient_bolus is None:
        out["patient bolus"] = "none"
    else:
        pb = p.patient_bolus
        out["patient bolus"] = (
            f"{quantity_text(pb.volume)} over {quantity_text(pb.duration)}, lockout "
            f"{quantity_text(pb.lockout)}, at most {pb.max_per_day}/day"
        )
        for drug, dose in worst_case_daily_dose(p).items():
            out[f"{drug} worst-case daily dose"] = dose_text(dose, drug)
    return out


def basal_text(spec: Mapping[str, Any]) -> str:
    """``continuous 0.3 mL/day`` or the flex steps as ``start: rate`` pairs."""
    basal = spec.get("basal", {})
    if "continuous" in basal:
        return f"continuous {basal['continuous']}"
    steps = basal.get("flex", [])
    return "flex: " + ", ".join(f"{s['start']} at {s['rate']}" for s in steps)


def compare_programs(old: Prescription | None, new: Prescription | None) -> list[SettingRow]:
    """Old and new settings side by side, in the order the new (else old) program lists them."""
    return side_by_side(
        {} if old is None else settings_of(old), {} if new is None else settings_of(new)
    )


def side_by_side(before: Mapping[str, str], after: Mapping[str, str]) -> list[SettingRow]:
    """Worded settings paired by label, new order first, settings that went away last."""
    labels = list(after) + [k for k in before if k not in after]
    return [SettingRow(k, before.get(k, "—"), after.get(k, "—")) for k in labels]

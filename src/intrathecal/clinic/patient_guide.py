"""What patients are told about pump alarm tones and warning signs (``data/patient_guide.yaml``).

Every entry keeps its source and status, so the portal can label what is unverified.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields

from intrathecal.core.sourced_data import load_data_file, section


@dataclass(frozen=True)
class AlarmTone:
    """One alarm sound: which pumps make it, what it means and what to do."""

    key: str
    pumps: str
    sound: str
    meaning: str
    action: str
    status: str
    source: str


@dataclass(frozen=True)
class WarningSigns:
    """Signs of overdose, withdrawal or loss of effect, and what to do about them."""

    key: str
    title: str
    signs: tuple[str, ...]
    action: str
    status: str
    source: str


@dataclass(frozen=True)
class PatientGuide:
    """The whole guide and why it is shown."""

    alarm_tones: tuple[AlarmTone, ...]
    warning_signs: tuple[WarningSigns, ...]
    why: str


@functools.cache
def patient_guide() -> PatientGuide:
    """The packaged guide (read once)."""
    data = load_data_file("patient_guide.yaml")
    tones = tuple(
        AlarmTone(**{f.name: str(row[f.name]) for f in fields(AlarmTone)})
        for row in section(data, "alarm_tones", "patient_guide.yaml")
    )
    signs = tuple(
        WarningSigns(
            key=str(row["key"]),
            title=str(row["title"]),
            signs=tuple(str(s) for s in row["signs"]),
            action=str(row["action"]),
            status=str(row["status"]),
            source=str(row["source"]),
        )
        for row in section(data, "warning_signs", "patient_guide.yaml")
    )
    return PatientGuide(tones, signs, str(data["why"]))

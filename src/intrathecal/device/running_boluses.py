"""Boluses in progress: one clinician/bridge/priming bolus, one patient bolus, and the gate."""

from __future__ import annotations

import math
from dataclasses import dataclass

from intrathecal.device.patient_bolus import BolusGate, PatientLimits

REPLACING = ("bridge", "priming")  # one-off boluses that replace the standing program


@dataclass
class Running:
    """A bolus in progress (floats: mL/s, pump seconds)."""

    kind: str
    rate: float
    end: float


class Boluses:
    """The running one-off and patient boluses, the patient limits and the lockout gate."""

    def __init__(self) -> None:
        self.oneoff: Running | None = None
        self.patient: Running | None = None
        self.limits: PatientLimits | None = None
        self.gate = BolusGate()

    @property
    def replacing(self) -> bool:
        """Whether a bridge or priming bolus stands in for the standing program."""
        return self.oneoff is not None and self.oneoff.kind in REPLACING

    def cancel(self) -> None:
        """Stop both (stop, stall, end of service, low-battery reset)."""
        self.oneoff = None
        self.patient = None

    def next_end(self) -> float:
        """When the next running bolus ends (inf if none)."""
        best = math.inf
        if self.oneoff is not None:
            best = self.oneoff.end
        if self.patient is not None:
            best = min(best, self.patient.end)
        return best

    def rate(self, standing: bool) -> tuple[float, bool]:
        """Bolus flow on top of (or instead of) the standing program, and whether it runs."""
        extra = 0.0
        oneoff = self.oneoff
        runs = standing
        if oneoff is not None:
            extra += oneoff.rate
            if oneoff.kind in REPLACING:
                runs = False
        if self.patient is not None:
            extra += self.patient.rate
        return extra, runs

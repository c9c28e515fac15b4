"""The patient's dosing profile: what the safety rules must know about the person dosed."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OpioidStatus(StrEnum):
    """Whether the patient already takes opioids (tolerance changes the safe start)."""

    NAIVE = "naive"
    TOLERANT = "tolerant"
    UNKNOWN = "unknown"


class SpasticityOrigin(StrEnum):
    """Origin of spasticity treated with baclofen (the 24 h titration limit differs)."""

    SPINAL = "spinal"
    CEREBRAL = "cerebral"


@dataclass(frozen=True)
class DosingProfile:
    """Recorded facts about the patient; ``None`` means "not recorded".

    ``psychosis_history`` feeds drug contraindications (ziconotide); ``cancer_pain`` allows
    a co-signed override above an unverified default ceiling (docs/dosing.md).
    """

    opioid_status: OpioidStatus = OpioidStatus.UNKNOWN
    psychosis_history: bool | None = None
    spasticity_origin: SpasticityOrigin | None = None
    cancer_pain: bool | None = None

    def conditions(self) -> frozenset[str] | None:
        """Recorded conditions by catalogue contraindication key; ``None`` if unrecorded."""
        if self.psychosis_history is None:
            return None
        return frozenset({"psychosis_history"}) if self.psychosis_history else frozenset()

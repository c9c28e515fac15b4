"""AdverseEvent for every one of the seed's eleven risks, every severity and outcome."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

from intrathecal.clinic.records import AdverseEvent
from intrathecal.clinic.vocabulary import CATEGORY_CODES, OUTCOMES, SEVERITIES
from intrathecal.fhir import adverse_event
from tests.fhir.validators import validate_r4_models, validate_structure_definitions


def _event(i: int, category: str, severity: str, outcome: str) -> AdverseEvent:
    return AdverseEvent(
        id=i,
        patient_id=7,
        category=category,
        severity=severity,
        onset=date(2026, 10, 1),
        description=f"{category} noted at follow-up",
        actions="reviewed",
        outcome=outcome,
        recorded_by=3,
        recorded_at=datetime(2026, 10, 2, 9, 0, tzinfo=UTC),
    )


def test_every_seed_risk_severity_and_outcome_exports_a_valid_adverse_event() -> None:
    combos = itertools.product(CATEGORY_CODES, SEVERITIES, OUTCOMES)
    events = [_event(i, *combo) for i, combo in enumerate(combos, start=1)]
    exported = [adverse_event.to_fhir(e, implant_id=4) for e in events]
    assert {r["event"]["coding"][0]["code"] for r in exported} == set(CATEGORY_CODES)
    assert len(CATEGORY_CODES) == 12  # the seed's eleven risks and a new neurological deficit
    for event, resource in zip(events, exported, strict=True):
        serious = event.severity in ("life_threatening", "fatal")
        assert ("seriousness" in resource) is serious
        assert resource["severity"]["coding"][0]["code"] in ("mild", "moderate", "severe")
        if event.category == "catheter_fault":
            assert resource["suspectEntity"] == [{"instance": {"reference": "Device/catheter-4"}}]
        validate_r4_models(resource)
    assert validate_structure_definitions(exported) == len(exported)

"""Adverse events in the seed's eleven risk categories (an ongoing catheter fault also
raises a device alert on the worklist)."""

from __future__ import annotations

from datetime import UTC, datetime

from intrathecal.clinic import validation as v
from intrathecal.clinic.commands import RecordAdverseEvent
from intrathecal.clinic.devices import raise_alert
from intrathecal.clinic.permissions import require
from intrathecal.clinic.records import Actor, AdverseEvent, CareStatus
from intrathecal.clinic.uow import UnitOfWork

#: The risks listed on the clinic's page (shared/seed/clinic-page.txt), as category keys.
CATEGORIES = {
    "medication_side_effect": "Side effects of the opioid or other medication",
    "nerve_damage": "Damage to the nerves of the spine",
    "infection": "Infection",
    "granuloma": "Catheter-tip granuloma (inflammatory mass)",
    "programming_error": "Programming mistake (dose too high or too low)",
    "catheter_fault": "Catheter tear or fault",
    "csf_leak": "CSF leak (headache and other symptoms)",
    "hygroma": "Hygroma (CSF pocket under the skin)",
    "seroma": "Seroma (other fluid pocket under the skin)",
    "endocrine_change": "Change in endocrine function",
    "tolerance": "Tolerance / need for higher doses over time",
}
SEVERITIES = ("mild", "moderate", "severe", "life_threatening", "fatal")
OUTCOMES = ("ongoing", "resolved", "resolved_with_sequelae", "fatal", "unknown")


def record_adverse_event(uow: UnitOfWork, cmd: RecordAdverseEvent, actor: Actor) -> AdverseEvent:
    """Store an adverse event."""
    require(actor, "adverse_event.record", cmd.patient_id)
    v.one_of(cmd.category, tuple(CATEGORIES), "category")
    v.one_of(cmd.severity, SEVERITIES, "severity")
    v.one_of(cmd.outcome, OUTCOMES, "outcome")
    v.not_future(cmd.onset, "onset")
    with uow:
        uow.patients.get(cmd.patient_id)
        stored = uow.adverse_events.add(
            AdverseEvent(
                id=None,
                patient_id=cmd.patient_id,
                category=cmd.category,
                severity=cmd.severity,
                onset=cmd.onset,
                description=v.text(cmd.description, "description", 4000),
                actions=v.text(cmd.actions, "actions", 4000, required=False),
                outcome=cmd.outcome,
                recorded_by=actor.user_id,
                recorded_at=datetime.now(UTC),
            )
        )
        if stored.category == "catheter_fault" and stored.outcome == "ongoing":
            status = uow.care_status.get(cmd.patient_id) or CareStatus(cmd.patient_id)
            uow.care_status.put(raise_alert(status, "catheter fault (adverse event)", cmd.onset))
        uow.audit.append(
            actor,
            "adverse_event.recorded",
            cmd.patient_id,
            {"event_id": stored.id, "category": stored.category, "severity": stored.severity},
        )
        uow.commit()
    return stored

"""Adverse events in the seed's eleven risk categories and their follow-up updates (an
ongoing catheter fault also raises a device alert on the worklist)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, date, datetime

from intrathecal.clinic import validation as v
from intrathecal.clinic.commands import RecordAdverseEvent, UpdateAdverseEvent
from intrathecal.clinic.devices import raise_alert
from intrathecal.clinic.errors import Conflict, NotFound, ValidationFailed
from intrathecal.clinic.permissions import require
from intrathecal.clinic.records import Actor, AdverseEvent, CareStatus
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.clinic.vocabulary import (
    CATEGORY_CODES,
    OUTCOMES,
    SEVERITIES,
    WORKUP_CATEGORIES,
    Category,
)

#: The risks listed on the clinic's page (shared/seed/clinic-page.txt), as category keys.
CATEGORIES: Mapping[Category, str] = {
    "medication_side_effect": "Side effects of the opioid or other medication",
    "nerve_damage": "Damage to the nerves of the spine",
    "neurological_deficit": "New neurological deficit (weakness, numbness, bladder or bowel)",
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
#: Outcomes that may carry a ``resolved_on`` date; any other outcome clears it.
RESOLVED_OUTCOMES = ("resolved", "resolved_with_sequelae")


def _death_agrees(severity: str, outcome: str) -> None:
    """A death is both the severity (CTCAE grade 5) and the outcome, or neither."""
    if (severity == "fatal") != (outcome == "fatal"):
        raise ValidationFailed(
            f"severity and outcome: a death is recorded as severity 'fatal' and outcome "
            f"'fatal' together (got severity {severity!r}, outcome {outcome!r})"
        )


def record_adverse_event(uow: UnitOfWork, cmd: RecordAdverseEvent, actor: Actor) -> AdverseEvent:
    """Store an adverse event."""
    require(actor, "adverse_event.record", cmd.patient_id)
    v.one_of(cmd.category, CATEGORY_CODES, "category")
    v.one_of(cmd.severity, SEVERITIES, "severity")
    v.one_of(cmd.outcome, OUTCOMES, "outcome")
    _death_agrees(cmd.severity, cmd.outcome)
    v.not_future(cmd.onset, "onset")
    with uow:
        uow.patients.lock(cmd.patient_id)
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
        _update_workup(uow, cmd.patient_id)
        uow.audit.append(
            actor,
            "adverse_event.recorded",
            cmd.patient_id,
            {"event_id": stored.id, "category": stored.category, "severity": stored.severity},
        )
        uow.commit()
    return stored


def update_adverse_event(uow: UnitOfWork, cmd: UpdateAdverseEvent, actor: Actor) -> AdverseEvent:
    """Follow up an event (severity, actions, outcome, resolution date) if nobody changed
    it since ``expected_version``; Conflict otherwise.

    Fields that match the stored values are not counted as changes; when nothing changes the
    stored event is returned and nothing is written. Moving to an outcome that is not
    resolved clears ``resolved_on``. Becoming an ongoing catheter fault raises the device
    alert, as recording one does; resolving an event leaves an alert for
    ``devices.clear_device_alert``.
    """
    require(actor, "adverse_event.update", cmd.patient_id)
    given = {
        name: value
        for name, value in (
            ("severity", cmd.severity),
            ("actions", cmd.actions),
            ("outcome", cmd.outcome),
            ("resolved_on", cmd.resolved_on),
        )
        if value is not None
    }
    if not given:
        raise ValidationFailed("nothing to update: send severity, actions, outcome or resolved_on")
    if cmd.severity is not None:
        v.one_of(cmd.severity, SEVERITIES, "severity")
    if cmd.outcome is not None:
        v.one_of(cmd.outcome, OUTCOMES, "outcome")
    if cmd.actions is not None:
        given["actions"] = v.text(cmd.actions, "actions", 4000, required=False)
    if cmd.resolved_on is not None:
        v.not_future(cmd.resolved_on, "resolved_on")
    with uow:
        current = uow.adverse_events.get(cmd.event_id)
        if current.patient_id != cmd.patient_id:
            raise NotFound(f"adverse event {cmd.event_id} not found for patient {cmd.patient_id}")
        if current.version != cmd.expected_version:
            raise Conflict(
                f"adverse event {cmd.event_id} was changed by someone else "
                f"(you edited version {cmd.expected_version}); reload and retry"
            )
        updated = dataclasses.replace(current, **given)  # type: ignore[arg-type]
        updated = _check_resolution(updated, cmd.resolved_on)
        _death_agrees(updated.severity, updated.outcome)
        changed = sorted(
            name
            for name in ("severity", "actions", "outcome", "resolved_on")
            if getattr(updated, name) != getattr(current, name)
        )
        if not changed:
            return current
        stored = uow.adverse_events.update_versioned(updated, cmd.expected_version)
        if (
            stored.category == "catheter_fault"
            and stored.outcome == "ongoing"
            and current.outcome != "ongoing"
        ):
            status = uow.care_status.get(cmd.patient_id) or CareStatus(cmd.patient_id)
            uow.care_status.put(raise_alert(status, "catheter fault (adverse event)", stored.onset))
        _update_workup(uow, cmd.patient_id)
        details: dict[str, object] = {
            "event_id": stored.id,
            "fields": changed,
            "version": stored.version,
        }
        for name in ("severity", "outcome", "resolved_on"):
            if name in changed:
                value = getattr(stored, name)
                details[name] = value.isoformat() if isinstance(value, date) else value
        uow.audit.append(actor, "adverse_event.updated", cmd.patient_id, details)
        uow.commit()
    return stored


def _update_workup(uow: UnitOfWork, patient_id: int) -> None:
    """An open event in a work-up category keeps an urgent work-up item on the worklist
    (due from its onset); once all of them are resolved the item goes."""
    open_events = [
        e
        for e in uow.adverse_events.for_patient(patient_id)
        if e.category in WORKUP_CATEGORIES and e.outcome not in (*RESOLVED_OUTCOMES, "fatal")
    ]
    status = uow.care_status.get(patient_id) or CareStatus(patient_id)
    if open_events:
        first = min(open_events, key=lambda e: (e.onset, e.id or 0))
        reason = "; ".join(
            f"{CATEGORIES[e.category]} ({e.severity}) since {e.onset}"  # type: ignore[index]
            for e in open_events
        )
        updated = dataclasses.replace(status, workup_due=first.onset, workup_reason=reason[:300])
    else:
        updated = dataclasses.replace(status, workup_due=None, workup_reason="")
    if updated != status:
        uow.care_status.put(updated)


def _check_resolution(event: AdverseEvent, requested: date | None) -> AdverseEvent:
    """Keep ``resolved_on`` consistent with the outcome and the onset."""
    if event.outcome not in RESOLVED_OUTCOMES:
        if requested is not None:
            raise ValidationFailed(
                f"resolved_on needs a resolved outcome ({', '.join(RESOLVED_OUTCOMES)}), "
                f"not {event.outcome!r}"
            )
        return dataclasses.replace(event, resolved_on=None)
    if event.resolved_on is not None and event.resolved_on < event.onset:
        raise ValidationFailed(
            f"resolved_on {event.resolved_on.isoformat()} is before the onset "
            f"{event.onset.isoformat()}"
        )
    return event

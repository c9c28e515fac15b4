"""Adverse-event follow-up: optimistic locking, permissions, audit, on the fake and both DBs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from intrathecal.clinic.audit import seal, verify_chain
from intrathecal.clinic.commands import RecordAdverseEvent, UpdateAdverseEvent
from intrathecal.clinic.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from intrathecal.clinic.events import record_adverse_event, update_adverse_event
from intrathecal.clinic.records import Actor, AdverseEvent
from intrathecal.clinic.uow import UnitOfWork
from tests.clinic.builders import register
from tests.clinic.conftest import Staff

ONSET = date(2026, 1, 5)

KEY = b"k" * 32


def _event(uow: UnitOfWork, staff: Staff, category: str = "csf_leak") -> AdverseEvent:
    pid = register(uow, staff).id or 0
    return record_adverse_event(
        uow,
        RecordAdverseEvent(pid, category, "moderate", ONSET, "postural headache"),
        staff.nurse,
    )


def test_follow_up_changes_the_fields_bumps_the_version_and_is_audited(
    uow: UnitOfWork, staff: Staff
) -> None:
    event = _event(uow, staff)
    assert event.version == 1
    assert event.resolved_on is None
    updated = update_adverse_event(
        uow,
        UpdateAdverseEvent(
            event.patient_id,
            event.id or 0,
            expected_version=1,
            severity="severe",
            actions="epidural blood patch",
            outcome="resolved",
            resolved_on=ONSET + timedelta(days=9),
        ),
        staff.physician,
    )
    assert (updated.severity, updated.actions, updated.outcome) == (
        "severe",
        "epidural blood patch",
        "resolved",
    )
    assert updated.resolved_on == date(2026, 1, 14)
    assert updated.version == 2
    assert (updated.category, updated.description, updated.onset) == (
        event.category,
        event.description,
        event.onset,
    )
    with uow:
        assert uow.adverse_events.get(event.id or 0) == updated
        last = uow.audit.recent(1)[0]
    assert last.action == "adverse_event.updated"
    assert last.patient_id == event.patient_id
    assert last.actor_username == staff.physician.username
    assert last.details["fields"] == ["actions", "outcome", "resolved_on", "severity"]
    assert last.details["version"] == 2
    assert last.details["resolved_on"] == "2026-01-14"
    seal(uow, KEY)
    assert verify_chain(uow, KEY).ok


def test_a_nurse_may_follow_up_and_only_sent_fields_change(uow: UnitOfWork, staff: Staff) -> None:
    event = _event(uow, staff)
    updated = update_adverse_event(
        uow,
        UpdateAdverseEvent(event.patient_id, event.id or 0, 1, actions="fluids, rest"),
        staff.nurse,
    )
    assert updated.actions == "fluids, rest"
    assert (updated.severity, updated.outcome) == (event.severity, event.outcome)
    with uow:
        assert uow.audit.recent(1)[0].details["fields"] == ["actions"]


def test_stale_version_is_a_conflict_and_writes_nothing(uow: UnitOfWork, staff: Staff) -> None:
    event = _event(uow, staff)
    first = UpdateAdverseEvent(event.patient_id, event.id or 0, 1, outcome="unknown")
    update_adverse_event(uow, first, staff.nurse)
    with uow:
        head = uow.audit.count()
    stale = UpdateAdverseEvent(event.patient_id, event.id or 0, 1, severity="mild")
    with pytest.raises(Conflict, match="version 1"):
        update_adverse_event(uow, stale, staff.physician)
    with uow:
        assert uow.audit.count() == head
        stored = uow.adverse_events.get(event.id or 0)
    assert (stored.version, stored.severity, stored.outcome) == (2, "moderate", "unknown")


def test_repository_refuses_a_stale_version_even_without_the_use_case_check(
    uow: UnitOfWork, staff: Staff
) -> None:
    event = _event(uow, staff)
    with uow:
        uow.adverse_events.update_versioned(event, 1)
        with pytest.raises(Conflict):
            uow.adverse_events.update_versioned(event, 1)
        with pytest.raises(NotFound):
            uow.adverse_events.update_versioned(
                AdverseEvent(**{**event.__dict__, "id": 999_999}), 1
            )


def test_unknown_event_or_another_patients_event_is_not_found(
    uow: UnitOfWork, staff: Staff
) -> None:
    event = _event(uow, staff)
    other = register(uow, staff, "MRN-2", "Ng").id or 0
    with pytest.raises(NotFound):
        update_adverse_event(
            uow, UpdateAdverseEvent(event.patient_id, 999, 1, outcome="resolved"), staff.nurse
        )
    with pytest.raises(NotFound):
        update_adverse_event(
            uow, UpdateAdverseEvent(other, event.id or 0, 1, outcome="resolved"), staff.nurse
        )


@pytest.mark.parametrize("who", ["scheduler", "admin", "patient"])
def test_non_clinical_roles_may_not_update(uow: UnitOfWork, staff: Staff, who: str) -> None:
    event = _event(uow, staff)
    actor = {
        "scheduler": staff.scheduler,
        "admin": staff.admin,
        "patient": Actor(None, "pt", "patient", patient_id=event.patient_id),
    }[who]
    with pytest.raises(PermissionDenied):
        update_adverse_event(
            uow,
            UpdateAdverseEvent(event.patient_id, event.id or 0, 1, outcome="resolved"),
            actor,
        )
    with uow:
        assert uow.adverse_events.get(event.id or 0) == event


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"severity": "catastrophic"}, "severity"),
        ({"outcome": "better"}, "outcome"),
        ({"actions": "x" * 4001}, "actions"),
        ({"resolved_on": date(2999, 1, 1), "outcome": "resolved"}, "resolved_on"),
        ({"resolved_on": ONSET - timedelta(days=1), "outcome": "resolved"}, "resolved_on"),
        ({"resolved_on": ONSET}, "resolved_on"),  # outcome still ongoing
        ({}, "nothing to update"),
    ],
)
def test_invalid_follow_up_is_refused(
    uow: UnitOfWork, staff: Staff, changes: dict[str, object], field: str
) -> None:
    event = _event(uow, staff)
    with pytest.raises(ValidationFailed, match=field):
        update_adverse_event(
            uow,
            UpdateAdverseEvent(event.patient_id, event.id or 0, 1, **changes),  # type: ignore[arg-type]
            staff.nurse,
        )
    with uow:
        assert uow.adverse_events.get(event.id or 0) == event


def test_reopening_clears_the_resolution_date(uow: UnitOfWork, staff: Staff) -> None:
    event = _event(uow, staff)
    pid, eid = event.patient_id, event.id or 0
    resolved = update_adverse_event(
        uow, UpdateAdverseEvent(pid, eid, 1, outcome="resolved", resolved_on=ONSET), staff.nurse
    )
    reopened = update_adverse_event(
        uow, UpdateAdverseEvent(pid, eid, resolved.version, outcome="ongoing"), staff.nurse
    )
    assert reopened.resolved_on is None
    assert reopened.version == 3
    with uow:
        assert uow.audit.recent(1)[0].details["fields"] == ["outcome", "resolved_on"]


def test_an_update_that_changes_nothing_writes_nothing(uow: UnitOfWork, staff: Staff) -> None:
    event = _event(uow, staff)
    with uow:
        head = uow.audit.count()
    same = update_adverse_event(
        uow,
        UpdateAdverseEvent(event.patient_id, event.id or 0, 1, severity="moderate"),
        staff.nurse,
    )
    assert same == event
    with uow:
        assert uow.audit.count() == head


def test_a_catheter_fault_becoming_ongoing_again_raises_the_device_alert(
    uow: UnitOfWork, staff: Staff
) -> None:
    pid = register(uow, staff).id or 0
    event = record_adverse_event(
        uow,
        RecordAdverseEvent(
            pid, "catheter_fault", "moderate", ONSET, "kink on imaging", "", "unknown"
        ),
        staff.physician,
    )
    with uow:
        status = uow.care_status.get(pid)
        assert status is None or not status.device_alert
    update_adverse_event(
        uow, UpdateAdverseEvent(pid, event.id or 0, 1, outcome="ongoing"), staff.physician
    )
    with uow:
        status = uow.care_status.get(pid)
    assert status is not None
    assert "catheter fault" in status.device_alert
    seal(uow, KEY)
    assert verify_chain(uow, KEY).ok


def test_a_death_is_both_the_severity_and_the_outcome(uow: UnitOfWork, staff: Staff) -> None:
    pid = register(uow, staff).id or 0
    for severity, outcome in (("mild", "fatal"), ("fatal", "ongoing")):
        with pytest.raises(ValidationFailed, match="a death is recorded as severity 'fatal'"):
            record_adverse_event(
                uow,
                RecordAdverseEvent(pid, "infection", severity, ONSET, "sepsis", outcome=outcome),
                staff.physician,
            )
    event = record_adverse_event(
        uow, RecordAdverseEvent(pid, "infection", "moderate", ONSET, "sepsis"), staff.physician
    )
    with pytest.raises(ValidationFailed, match="got severity 'moderate', outcome 'fatal'"):
        update_adverse_event(
            uow,
            UpdateAdverseEvent(
                event.patient_id, event.id or 0, expected_version=1, outcome="fatal"
            ),
            staff.physician,
        )
    died = update_adverse_event(
        uow,
        UpdateAdverseEvent(
            event.patient_id, event.id or 0, expected_version=1, severity="fatal", outcome="fatal"
        ),
        staff.physician,
    )
    assert (died.severity, died.outcome, died.version) == ("fatal", "fatal", 2)

"""Use cases on the patient record: register, update, read, search (all audited)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from intrathecal.clinic import validation as v
from intrathecal.clinic.commands import RegisterPatient, UpdatePatient
from intrathecal.clinic.errors import ValidationFailed
from intrathecal.clinic.permissions import require
from intrathecal.clinic.records import Actor, AuditEntry, Patient
from intrathecal.clinic.redaction import audit_entry_for
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.clinic.vocabulary import SEXES


def register_patient(uow: UnitOfWork, cmd: RegisterPatient, actor: Actor) -> Patient:
    """Create a patient record; Conflict if the MRN is taken."""
    require(actor, "patient.register")
    with uow:
        patient = Patient(
            id=None,
            mrn=v.text(cmd.mrn, "mrn", 40),
            given_name=v.text(cmd.given_name, "given_name", 120),
            family_name=v.text(cmd.family_name, "family_name", 120),
            birth_date=cmd.birth_date,
            sex=v.one_of(cmd.sex, SEXES, "sex"),
            created_at=datetime.now(UTC),
            phone=v.text(cmd.phone, "phone", 40, required=False),
            email=v.text(cmd.email, "email", 200, required=False),
            location_code=v.location(uow, cmd.location_code),
            diagnoses=v.diagnoses(cmd.diagnoses),
            coverage=v.coverage(cmd.coverage),
        )
        v.not_future(cmd.birth_date, "birth_date")
        stored = uow.patients.add(patient)
        uow.audit.append(
            actor,
            "patient.registered",
            stored.id,
            {"mrn": stored.mrn, "diagnoses": [d.code for d in stored.diagnoses]},
        )
        uow.commit()
    return stored


def update_patient(uow: UnitOfWork, cmd: UpdatePatient, actor: Actor) -> Patient:
    """Apply the given changes if nobody changed the record since ``expected_version``."""
    require(actor, "patient.update", cmd.patient_id)
    with uow:
        current = uow.patients.get(cmd.patient_id)
        changes: dict[str, object] = {}
        for name in ("given_name", "family_name"):
            value = getattr(cmd, name)
            if value is not None:
                changes[name] = v.text(value, name, 120)
        for name, limit in (("phone", 40), ("email", 200)):
            value = getattr(cmd, name)
            if value is not None:
                changes[name] = v.text(value, name, limit, required=False)
        if cmd.location_code is not None:
            changes["location_code"] = v.location(uow, cmd.location_code)
        if cmd.diagnoses is not None:
            changes["diagnoses"] = v.diagnoses(cmd.diagnoses)
        if cmd.coverage is not None:
            changes["coverage"] = v.coverage(cmd.coverage)
        updated = dataclasses.replace(current, **changes)  # type: ignore[arg-type]
        stored = uow.patients.update(updated, cmd.expected_version)
        uow.audit.append(
            actor,
            "patient.updated",
            stored.id,
            {"fields": sorted(changes), "version": stored.version},
        )
        uow.commit()
    return stored


def get_patient(uow: UnitOfWork, patient_id: int, actor: Actor) -> Patient:
    """Read one record (the read itself is audited)."""
    require(actor, "patient.read", patient_id)
    with uow.for_reads():
        patient = uow.patients.get(patient_id)
        uow.audit.append_read(actor, "patient.read", patient_id)
        uow.commit()
    return patient


@dataclass(frozen=True)
class PatientSummary:
    """What a search shows: enough to pick the right patient, no clinical data."""

    id: int
    mrn: str
    given_name: str
    family_name: str
    birth_date: date
    version: int

    @property
    def display_name(self) -> str:
        """``Family, Given``."""
        return f"{self.family_name}, {self.given_name}"

    @classmethod
    def of(cls, patient: Patient) -> PatientSummary:
        """The summary of a stored record."""
        assert patient.id is not None
        return cls(
            patient.id,
            patient.mrn,
            patient.given_name,
            patient.family_name,
            patient.birth_date,
            patient.version,
        )


@dataclass(frozen=True)
class PatientSearchPage:
    """One window of search hits and how many match in all."""

    items: tuple[PatientSummary, ...]
    total: int
    offset: int


#: Most hits one search call returns.
MAX_SEARCH_LIMIT = 200


def search_patients(
    uow: UnitOfWork, text: str, actor: Actor, limit: int = 50, offset: int = 0
) -> PatientSearchPage:
    """Summaries of patients whose name or MRN contains ``text``, ordered by name.

    Returns hits ``offset`` to ``offset + limit`` and the total match count; the search is
    audited with the ids shown.
    """
    require(actor, "patient.search")
    query = v.text(text, "query", 100)
    if not 1 <= limit <= MAX_SEARCH_LIMIT:
        raise ValidationFailed(f"limit: expected 1 to {MAX_SEARCH_LIMIT}, got {limit}")
    if offset < 0:
        raise ValidationFailed(f"offset: expected 0 or more, got {offset}")
    with uow.for_reads():
        found = uow.patients.search(query, limit, offset)
        total = uow.patients.count_matching(query)
        uow.audit.append_read(
            actor,
            "patient.searched",
            None,
            {"query": query, "offset": offset, "ids": [p.id for p in found]},
        )
        uow.commit()
    return PatientSearchPage(tuple(PatientSummary.of(p) for p in found), total, offset)


def patient_summaries(
    uow: UnitOfWork, ids: Iterable[int], actor: Actor
) -> dict[int, PatientSummary]:
    """Summaries (name, MRN, birth date) of the given patients, e.g. for a visit calendar.

    For the roles that may search patients; unknown ids are left out; audited with the ids.
    """
    require(actor, "patient.search")
    with uow:
        found = {pid: PatientSummary.of(p) for pid, p in uow.patients.find_many(set(ids)).items()}
        uow.audit.append(actor, "patient.summaries", None, {"ids": list(found)})
        uow.commit()
    return found


def patient_audit_trail(
    uow: UnitOfWork, patient_id: int, actor: Actor, limit: int = 200
) -> list[AuditEntry]:
    """Who did what to a patient's record, newest first (admins only; audited)."""
    require(actor, "audit.read")
    with uow.for_reads():
        entries = uow.audit.for_patient(patient_id, limit)
        uow.audit.append_read(actor, "audit.read", patient_id, {"rows": len(entries)})
        uow.commit()
    return [audit_entry_for(actor, entry) for entry in entries]

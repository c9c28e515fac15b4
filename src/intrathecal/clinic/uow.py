"""The unit-of-work interface the use cases talk to (storage and the tests' fake implement it).

A use case opens ``with uow:``, works through the repositories, and calls ``uow.commit()``;
leaving the block without committing (or with an exception) rolls everything back.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from intrathecal.clinic.records import (
    Actor,
    AdverseEvent,
    ApiTokenRecord,
    AppointmentRequest,
    AuditEntry,
    CareStatus,
    DosingProfileRecord,
    Evaluation,
    IdempotencyRecord,
    Implant,
    Interrogation,
    Location,
    Patient,
    PrescriptionVersion,
    Refill,
    SessionRecord,
    Trial,
    UserRecord,
    Visit,
    WorklistQuery,
    WorklistRow,
)

R = TypeVar("R")


class RecordRepository(Protocol[R]):
    """Patient-scoped records with an integer id."""

    def add(self, record: R) -> R:
        """Store a new record; return it with its id."""
        ...

    def get(self, record_id: int) -> R:
        """The record with this id; NotFound otherwise."""
        ...

    def update(self, record: R) -> None:
        """Overwrite the stored record with the same id."""
        ...

    def for_patient(self, patient_id: int) -> list[R]:
        """All of a patient's records, oldest first."""
        ...


class PatientRepository(Protocol):
    """Patients with their diagnoses and coverage."""

    def add(self, patient: Patient) -> Patient: ...
    def get(self, patient_id: int) -> Patient: ...
    def lock(self, patient_id: int) -> None:
        """Hold the patient's row lock until the unit of work ends (``SELECT ... FOR
        UPDATE``): a use case that reads a patient's records, decides and writes takes it
        first, so concurrent writers for one patient run one after the other. NotFound if
        there is no such patient."""
        ...

    def by_mrn(self, mrn: str) -> Patient | None: ...
    def update(self, patient: Patient, expected_version: int) -> Patient:
        """Store ``patient`` as version ``expected_version + 1``; Conflict if it moved on."""
        ...

    def search(self, text: str, limit: int = 50, offset: int = 0) -> list[Patient]:
        """Name or MRN contains ``text``, ordered by name then id; one window of them."""
        ...

    def count_matching(self, text: str) -> int:
        """How many patients ``search(text)`` would find in all."""
        ...

    def find_many(self, patient_ids: Collection[int]) -> dict[int, Patient]:
        """Those of these patients that exist, by id (ascending), in one lookup."""
        ...

    def count(self) -> int: ...


class ImplantRepository(RecordRepository[Implant], Protocol):
    """Implants; at most one active per patient."""

    def active_for(self, patient_id: int) -> Implant | None: ...
    def by_key_id(self, device_key_id: str) -> Implant | None: ...


class PrescriptionRepository(Protocol):
    """Versioned prescriptions; (patient, version) is unique."""

    def add(self, record: PrescriptionVersion) -> PrescriptionVersion:
        """Store a new version; Conflict when that version number already exists."""
        ...

    def get(self, record_id: int) -> PrescriptionVersion: ...
    def update(self, record: PrescriptionVersion) -> None: ...
    def current(self, patient_id: int) -> PrescriptionVersion | None:
        """The version in force (the newest ``active`` one), if any."""
        ...

    def latest_version(self, patient_id: int) -> int:
        """The highest version number stored for the patient, whatever its status (0: none)."""
        ...

    def history(self, patient_id: int) -> list[PrescriptionVersion]: ...
    def pending(self, limit: int = 200) -> list[PrescriptionVersion]:
        """Versions waiting for a co-signature, oldest first."""
        ...

    def for_patient(self, patient_id: int) -> list[PrescriptionVersion]: ...


class RefillRepository(RecordRepository[Refill], Protocol):
    """Refill visits."""

    def latest(self, patient_id: int) -> Refill | None: ...


class AdverseEventRepository(RecordRepository[AdverseEvent], Protocol):
    """Adverse events; follow-up updates are version-checked."""

    def update_versioned(self, record: AdverseEvent, expected_version: int) -> AdverseEvent:
        """Store ``record`` as version ``expected_version + 1``; Conflict if it moved on."""
        ...


class VisitRepository(RecordRepository[Visit], Protocol):
    """Scheduled and completed visits."""

    def between(self, start: datetime, end: datetime) -> list[Visit]: ...


class AppointmentRequestRepository(Protocol):
    """Requests from the public form (not yet tied to a patient)."""

    def add(self, record: AppointmentRequest) -> AppointmentRequest: ...
    def get(self, record_id: int) -> AppointmentRequest: ...
    def update(self, record: AppointmentRequest) -> None: ...
    def open(self, limit: int = 100) -> list[AppointmentRequest]: ...


class LocationRepository(Protocol):
    """Clinic locations."""

    def upsert(self, location: Location) -> None: ...
    def get(self, code: str) -> Location: ...
    def all(self) -> list[Location]: ...


class UserRepository(Protocol):
    """Logins (staff and patients)."""

    def add(self, user: UserRecord) -> UserRecord:
        """Store a new user; Conflict when the username is taken."""
        ...

    def get(self, user_id: int) -> UserRecord: ...
    def get_many(self, user_ids: Collection[int]) -> dict[int, UserRecord]:
        """These users by id (ascending), in one lookup; NotFound when one does not exist."""
        ...

    def by_username(self, username: str) -> UserRecord | None: ...
    def update(self, user: UserRecord) -> None: ...
    def all(self) -> list[UserRecord]: ...
    def lock_active_admins(self) -> list[int]:
        """Lock the active admins' rows until the unit of work ends; their ids."""
        ...


class SessionRepository(Protocol):
    """Browser sessions, looked up by token hash."""

    def add(self, record: SessionRecord) -> SessionRecord: ...
    def by_token_hash(self, token_hash: str) -> SessionRecord | None: ...
    def with_user(self, token_hash: str) -> tuple[SessionRecord, UserRecord] | None:
        """The session and its user in one lookup (None: no such session)."""
        ...

    def revoke(self, session_id: int) -> None: ...
    def revoke_for_user(self, user_id: int) -> int:
        """Revoke every open session of a user; returns how many were open."""
        ...

    def purge_expired(self, now: datetime) -> int: ...


class ApiTokenRepository(Protocol):
    """API tokens, looked up by token hash."""

    def add(self, record: ApiTokenRecord) -> ApiTokenRecord: ...
    def by_token_hash(self, token_hash: str) -> ApiTokenRecord | None: ...
    def with_user(self, token_hash: str) -> tuple[ApiTokenRecord, UserRecord] | None:
        """The token and its user in one lookup (None: no such token)."""
        ...

    def for_user(self, user_id: int) -> list[ApiTokenRecord]: ...
    def revoke(self, token_id: int) -> None: ...
    def revoke_for_user(self, user_id: int) -> int:
        """Revoke every live token of a user; returns how many were live."""
        ...

    def touch(self, token_id: int, at: datetime) -> None: ...


@dataclass(frozen=True)
class ThrottleWindow:
    """The hits of one throttle key inside a window: how many, the oldest and newest."""

    count: int
    oldest: datetime | None
    newest: datetime | None


class ThrottleRepository(Protocol):
    """Throttle hits per (scope, key), shared by every server process."""

    def window(self, scope: str, key: str, since: datetime) -> ThrottleWindow: ...
    def add(self, scope: str, key: str, at: datetime) -> None: ...
    def clear(self, scope: str, key: str) -> None: ...
    def purge(self, before: datetime) -> None:
        """Forget every hit older than ``before``."""
        ...


class AuditRepository(Protocol):
    """The append-only audit log: pending entries, sealed into a keyed chain in order."""

    def append(
        self,
        actor: Actor,
        action: str,
        patient_id: int | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        """Store a pending entry (``seq`` 0 until sealed); waits for no other appender."""
        ...

    def append_read(
        self,
        actor: Actor,
        action: str,
        patient_id: int | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> AuditEntry | None:
        """Record what a read showed; skipped (None) only where read auditing is switched
        off, a setting that exists to measure the audit's cost."""
        ...

    def lock_head(self) -> tuple[int, str]:
        """(last seq, last hash) of the chain, locked until the unit of work ends."""
        ...

    def pending(self, limit: int) -> list[tuple[int, AuditEntry]]:
        """Up to ``limit`` unsealed entries with their row ids, in the order stored."""
        ...

    def pending_count(self) -> int: ...

    def store_sealed(self, pending_ids: Sequence[int], entries: Sequence[AuditEntry]) -> None:
        """Replace those pending rows by the chained entries and move the head to the last."""
        ...

    def head(self) -> tuple[int, str]:
        """(last seq, last hash) as recorded in the chain's head row."""
        ...

    def count(self) -> int:
        """All entries, sealed or pending."""
        ...

    def scan(self, batch: int = 1000) -> Iterable[AuditEntry]:
        """All sealed entries in sequence order."""
        ...

    def for_patient(self, patient_id: int, limit: int = 200) -> list[AuditEntry]:
        """A patient's entries, newest first by time (pending and sealed ones merged)."""
        ...

    def recent(self, limit: int = 100) -> list[AuditEntry]:
        """The newest entries by time (pending and sealed ones merged)."""
        ...


class IdempotencyRepository(Protocol):
    """Idempotency keys, unique per (user, key)."""

    def claim(self, record: IdempotencyRecord) -> tuple[IdempotencyRecord, bool]:
        """Store ``record`` if its (user, key) is new: (stored, True); else the record
        already there: (existing, False)."""
        ...

    def update(self, record: IdempotencyRecord) -> None: ...
    def delete(self, record: IdempotencyRecord) -> None: ...


class DosingProfileRepository(Protocol):
    """One dosing profile per patient (opioid status, psychosis history, ...)."""

    def get(self, patient_id: int) -> DosingProfileRecord | None: ...
    def put(self, profile: DosingProfileRecord) -> None: ...


class CareStatusRepository(Protocol):
    """The worklist read model: one row per patient on therapy."""

    def get(self, patient_id: int) -> CareStatus | None: ...
    def put(self, status: CareStatus) -> None: ...
    def worklist(self, query: WorklistQuery) -> Sequence[WorklistRow]: ...
    def refills_due_by(self, until: date) -> list[CareStatus]:
        """Patients whose refill (or low-reservoir alarm) falls on or before ``until``."""
        ...


class UnitOfWork(Protocol):
    """One transaction over all repositories (read-only members, so implementations may
    narrow each repository's type)."""

    @property
    def patients(self) -> PatientRepository: ...
    @property
    def locations(self) -> LocationRepository: ...
    @property
    def users(self) -> UserRepository: ...
    @property
    def sessions(self) -> SessionRepository: ...
    @property
    def api_tokens(self) -> ApiTokenRepository: ...
    @property
    def audit(self) -> AuditRepository: ...
    @property
    def evaluations(self) -> RecordRepository[Evaluation]: ...
    @property
    def trials(self) -> RecordRepository[Trial]: ...
    @property
    def interrogations(self) -> RecordRepository[Interrogation]: ...
    @property
    def implants(self) -> ImplantRepository: ...
    @property
    def prescriptions(self) -> PrescriptionRepository: ...
    @property
    def refills(self) -> RefillRepository: ...
    @property
    def adverse_events(self) -> AdverseEventRepository: ...
    @property
    def appointment_requests(self) -> AppointmentRequestRepository: ...
    @property
    def visits(self) -> VisitRepository: ...
    @property
    def care_status(self) -> CareStatusRepository: ...
    @property
    def dosing_profiles(self) -> DosingProfileRepository: ...
    @property
    def idempotency_keys(self) -> IdempotencyRepository: ...
    @property
    def throttle(self) -> ThrottleRepository: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def for_reads(self) -> Self:
        """Mark the next ``with`` block as one that only reads and records its reads
        (``audit.append_read``): it takes no write lock, and ``commit()`` returns once
        its audit entries are durable (committed together with other requests')."""
        ...

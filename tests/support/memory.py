"""An in-memory unit of work (test support): same behaviour as SQL, no database.

Each ``with`` block works on a copy of the committed state; ``commit()`` publishes the copy,
anything else discards it. Uniqueness rules (MRN, username, pump serial, prescription
version) and the worklist ranking mirror the SQL implementation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from intrathecal.clinic.audit import GENESIS, new_entry
from intrathecal.clinic.errors import Conflict, NotFound
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
    check_user,
)
from intrathecal.clinic.uow import ThrottleWindow

R = TypeVar("R")


@dataclasses.dataclass
class _State:
    tables: dict[str, dict[Any, Any]] = dataclasses.field(default_factory=dict)
    next_ids: dict[str, int] = dataclasses.field(default_factory=dict)

    def table(self, name: str) -> dict[Any, Any]:
        return self.tables.setdefault(name, {})

    def new_id(self, name: str) -> int:
        self.next_ids[name] = self.next_ids.get(name, 0) + 1
        return self.next_ids[name]


class MemoryRecordRepository(Generic[R]):
    """Records with an integer ``id`` kept in a dict."""

    def __init__(
        self,
        state: _State,
        name: str,
        what: str,
        unique: Callable[[R], object] | None = None,
    ) -> None:
        self.state = state
        self.name = name
        self.what = what
        self.unique = unique

    @property
    def rows(self) -> dict[int, R]:
        return self.state.table(self.name)

    def add(self, record: R) -> R:
        if self.unique is not None:
            key = self.unique(record)
            if any(self.unique(r) == key for r in self.rows.values()):
                raise Conflict(f"{self.what} clashes with an existing record: {key!r}")
        stored = dataclasses.replace(record, id=self.state.new_id(self.name))  # type: ignore[type-var]
        self.rows[stored.id] = stored  # type: ignore[attr-defined]
        return stored

    def get(self, record_id: int) -> R:
        try:
            return self.rows[record_id]
        except KeyError:
            raise NotFound(f"{self.what} {record_id} not found") from None

    def update(self, record: R) -> None:
        record_id = record.id  # type: ignore[attr-defined]
        if record_id not in self.rows:
            raise NotFound(f"{self.what} {record_id} not found")
        self.rows[record_id] = record

    def for_patient(self, patient_id: int) -> list[R]:
        return [r for _, r in sorted(self.rows.items()) if r.patient_id == patient_id]  # type: ignore[attr-defined]

    def where(self, predicate: Callable[[R], bool]) -> list[R]:
        return [r for _, r in sorted(self.rows.items()) if predicate(r)]


class MemoryPatientRepository(MemoryRecordRepository[Patient]):
    """Patients (diagnoses and coverage live inside the record)."""

    def __init__(self, state: _State) -> None:
        super().__init__(state, "patients", "patient", unique=lambda p: p.mrn)

    def add(self, record: Patient) -> Patient:
        try:
            return super().add(dataclasses.replace(record, version=1))
        except Conflict:
            raise Conflict(f"a patient with MRN {record.mrn!r} already exists") from None

    def lock(self, patient_id: int) -> None:
        self.get(patient_id)  # one thread per fake: nothing to wait for

    def by_mrn(self, mrn: str) -> Patient | None:
        found = self.where(lambda p: p.mrn == mrn)
        return found[0] if found else None

    def update(self, patient: Patient, expected_version: int) -> Patient:  # type: ignore[override]
        current = self.get(patient.id or 0)
        if current.version != expected_version:
            raise Conflict(
                f"patient {patient.id} was changed by someone else "
                f"(you edited version {expected_version}); reload and retry"
            )
        stored = dataclasses.replace(patient, version=expected_version + 1)
        self.rows[current.id or 0] = stored
        return stored

    def search(self, text: str, limit: int = 50, offset: int = 0) -> list[Patient]:
        found = self.where(lambda p: _matches(p, text))
        found.sort(key=lambda p: (p.family_name, p.given_name, p.id or 0))
        return found[offset : offset + limit]

    def count_matching(self, text: str) -> int:
        return len(self.where(lambda p: _matches(p, text)))

    def find_many(self, patient_ids: Collection[int]) -> dict[int, Patient]:
        return {pid: self.rows[pid] for pid in sorted(set(patient_ids)) if pid in self.rows}

    def count(self) -> int:
        return len(self.rows)


class MemoryImplantRepository(MemoryRecordRepository[Implant]):
    """Implants."""

    def __init__(self, state: _State) -> None:
        super().__init__(state, "implants", "implant", unique=lambda i: i.pump_serial)

    def add(self, record: Implant) -> Implant:
        try:
            return super().add(record)
        except Conflict:
            raise Conflict(f"pump serial {record.pump_serial!r} is already recorded") from None

    def active_for(self, patient_id: int) -> Implant | None:
        found = self.where(lambda i: i.patient_id == patient_id and i.active)
        return found[-1] if found else None

    def by_key_id(self, device_key_id: str) -> Implant | None:
        found = self.where(lambda i: i.device_key_id == device_key_id)
        return found[0] if found else None


class MemoryPrescriptionRepository(MemoryRecordRepository[PrescriptionVersion]):
    """Prescription versions."""

    def __init__(self, state: _State) -> None:
        super().__init__(
            state, "prescriptions", "prescription", unique=lambda p: (p.patient_id, p.version)
        )

    def add(self, record: PrescriptionVersion) -> PrescriptionVersion:
        try:
            return super().add(record)
        except Conflict:
            raise Conflict(
                f"prescription version {record.version} for patient {record.patient_id} "
                "was written by someone else first; reload and retry"
            ) from None

    def current(self, patient_id: int) -> PrescriptionVersion | None:
        found = [p for p in self.history(patient_id) if p.status == "active"]
        return found[-1] if found else None

    def latest_version(self, patient_id: int) -> int:
        return max((p.version for p in self.for_patient(patient_id)), default=0)

    def history(self, patient_id: int) -> list[PrescriptionVersion]:
        return sorted(self.for_patient(patient_id), key=lambda p: p.version)

    def pending(self, limit: int = 200) -> list[PrescriptionVersion]:
        found = self.where(lambda p: p.status == "pending")
        return sorted(found, key=lambda p: (p.created_at, p.id or 0))[:limit]


class MemoryRefillRepository(MemoryRecordRepository[Refill]):
    """Refills."""

    def __init__(self, state: _State) -> None:
        super().__init__(state, "refills", "refill")

    def latest(self, patient_id: int) -> Refill | None:
        found = sorted(self.for_patient(patient_id), key=lambda r: (r.performed_at, r.id or 0))
        return found[-1] if found else None


class MemoryAdverseEventRepository(MemoryRecordRepository[AdverseEvent]):
    """Adverse events with a version that each follow-up update raises."""

    def __init__(self, state: _State) -> None:
        super().__init__(state, "adverse_events", "adverse event")

    def add(self, record: AdverseEvent) -> AdverseEvent:
        return super().add(dataclasses.replace(record, version=1))

    def update_versioned(self, record: AdverseEvent, expected_version: int) -> AdverseEvent:
        current = self.get(record.id or 0)
        if current.version != expected_version:
            raise Conflict(
                f"adverse event {record.id} was changed by someone else "
                f"(you edited version {expected_version}); reload and retry"
            )
        stored = dataclasses.replace(record, version=expected_version + 1)
        self.rows[current.id or 0] = stored
        return stored


class MemoryVisitRepository(MemoryRecordRepository[Visit]):
    """Visits."""

    def __init__(self, state: _State) -> None:
        super().__init__(state, "visits", "visit")

    def between(self, start: datetime, end: datetime) -> list[Visit]:
        found = self.where(lambda v: start <= v.scheduled_at < end)
        return sorted(found, key=lambda v: (v.scheduled_at, v.id or 0))


class MemoryAppointmentRequestRepository(MemoryRecordRepository[AppointmentRequest]):
    """Appointment requests."""

    def __init__(self, state: _State) -> None:
        super().__init__(state, "appointment_requests", "appointment request")

    def open(self, limit: int = 100) -> list[AppointmentRequest]:
        found = self.where(lambda a: a.status == "new")
        return sorted(found, key=lambda a: (a.created_at, a.id or 0))[:limit]


class MemoryLocationRepository:
    """Locations keyed by code."""

    def __init__(self, state: _State) -> None:
        self.rows: dict[str, Location] = state.table("locations")

    def upsert(self, location: Location) -> None:
        self.rows[location.code] = location

    def get(self, code: str) -> Location:
        try:
            return self.rows[code]
        except KeyError:
            raise NotFound(f"location {code!r} not found") from None

    def all(self) -> list[Location]:
        return sorted(self.rows.values(), key=lambda loc: loc.name)


class MemoryUserRepository(MemoryRecordRepository[UserRecord]):
    """Users."""

    def __init__(self, state: _State) -> None:
        super().__init__(state, "users", "user", unique=lambda u: u.username)

    def add(self, record: UserRecord) -> UserRecord:
        check_user(record)
        try:
            return super().add(record)
        except Conflict:
            raise Conflict(f"username {record.username!r} is taken") from None

    def by_username(self, username: str) -> UserRecord | None:
        found = self.where(lambda u: u.username == username)
        return found[0] if found else None

    def get_many(self, user_ids: Collection[int]) -> dict[int, UserRecord]:
        return {uid: self.get(uid) for uid in sorted(set(user_ids))}

    def all(self) -> list[UserRecord]:
        return sorted(self.rows.values(), key=lambda u: u.username)

    def lock_active_admins(self) -> list[int]:
        return sorted(u.id or 0 for u in self.rows.values() if u.role == "admin" and u.active)


class MemorySessionRepository(MemoryRecordRepository[SessionRecord]):
    """Sessions."""

    def __init__(self, state: _State) -> None:
        super().__init__(state, "sessions", "session", unique=lambda s: s.token_hash)

    def by_token_hash(self, token_hash: str) -> SessionRecord | None:
        found = self.where(lambda s: s.token_hash == token_hash)
        return found[0] if found else None

    def with_user(self, token_hash: str) -> tuple[SessionRecord, UserRecord] | None:
        record = self.by_token_hash(token_hash)
        return None if record is None else (record, self.state.table("users")[record.user_id])

    def revoke(self, session_id: int) -> None:
        if session_id in self.rows:
            self.rows[session_id] = dataclasses.replace(self.rows[session_id], revoked=True)

    def revoke_for_user(self, user_id: int) -> int:
        open_ = self.where(lambda s: s.user_id == user_id and not s.revoked)
        for record in open_:
            self.revoke(record.id or 0)
        return len(open_)

    def purge_expired(self, now: datetime) -> int:
        expired = [k for k, s in self.rows.items() if s.expires_at < now]
        for key in expired:
            del self.rows[key]
        return len(expired)


class MemoryApiTokenRepository(MemoryRecordRepository[ApiTokenRecord]):
    """API tokens."""

    def __init__(self, state: _State) -> None:
        super().__init__(state, "api_tokens", "API token", unique=lambda a: a.token_hash)

    def by_token_hash(self, token_hash: str) -> ApiTokenRecord | None:
        found = self.where(lambda a: a.token_hash == token_hash)
        return found[0] if found else None

    def with_user(self, token_hash: str) -> tuple[ApiTokenRecord, UserRecord] | None:
        record = self.by_token_hash(token_hash)
        return None if record is None else (record, self.state.table("users")[record.user_id])

    def for_user(self, user_id: int) -> list[ApiTokenRecord]:
        return self.where(lambda a: a.user_id == user_id)

    def revoke(self, token_id: int) -> None:
        if token_id in self.rows:
            self.rows[token_id] = dataclasses.replace(self.rows[token_id], revoked=True)

    def revoke_for_user(self, user_id: int) -> int:
        live = self.where(lambda a: a.user_id == user_id and not a.revoked)
        for record in live:
            self.revoke(record.id or 0)
        return len(live)

    def touch(self, token_id: int, at: datetime) -> None:
        if token_id in self.rows:
            self.rows[token_id] = dataclasses.replace(self.rows[token_id], last_used_at=at)


class MemoryThrottleRepository:
    """Throttle hits as a tuple of (scope, key, at), replaced on every write."""

    def __init__(self, state: _State) -> None:
        self.table = state.table("throttle")

    @property
    def hits(self) -> tuple[tuple[str, str, datetime], ...]:
        found: tuple[tuple[str, str, datetime], ...] = self.table.get("hits", ())
        return found

    def window(self, scope: str, key: str, since: datetime) -> ThrottleWindow:
        times = [at for s, k, at in self.hits if s == scope and k == key and at > since]
        return ThrottleWindow(len(times), min(times, default=None), max(times, default=None))

    def add(self, scope: str, key: str, at: datetime) -> None:
        self.table["hits"] = (*self.hits, (scope, key, at))

    def clear(self, scope: str, key: str) -> None:
        self.table["hits"] = tuple(h for h in self.hits if (h[0], h[1]) != (scope, key))

    def purge(self, before: datetime) -> None:
        self.table["hits"] = tuple(h for h in self.hits if h[2] > before)


class MemoryAuditRepository:
    """The audit log as dicts: pending entries by id, sealed entries by seq."""

    def __init__(self, state: _State) -> None:
        self.rows: dict[int, AuditEntry] = state.table("audit")
        self.waiting: dict[int, AuditEntry] = state.table("audit_pending")
        self.state = state

    def append(
        self,
        actor: Actor,
        action: str,
        patient_id: int | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        entry = new_entry(actor, action, patient_id, details)
        self.waiting[self.state.new_id("audit_pending")] = entry
        return entry

    def append_read(
        self,
        actor: Actor,
        action: str,
        patient_id: int | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> AuditEntry | None:
        return self.append(actor, action, patient_id, details)

    def lock_head(self) -> tuple[int, str]:
        return self.head()

    def pending(self, limit: int) -> list[tuple[int, AuditEntry]]:
        return sorted(self.waiting.items())[:limit]

    def pending_count(self) -> int:
        return len(self.waiting)

    def store_sealed(self, pending_ids: Sequence[int], entries: Sequence[AuditEntry]) -> None:
        for row_id in pending_ids:
            del self.waiting[row_id]
        for entry in entries:
            self.rows[entry.seq] = entry
        if entries:
            self.state.table("audit_head")[1] = (entries[-1].seq, entries[-1].hash)

    def head(self) -> tuple[int, str]:
        head: tuple[int, str] = self.state.table("audit_head").get(1, (0, GENESIS))
        return head

    def count(self) -> int:
        return len(self.rows) + len(self.waiting)

    def scan(self, batch: int = 1000) -> Iterator[AuditEntry]:
        for _, entry in sorted(self.rows.items()):
            yield entry

    def for_patient(self, patient_id: int, limit: int = 200) -> list[AuditEntry]:
        return [e for e in self._newest() if e.patient_id == patient_id][:limit]

    def recent(self, limit: int = 100) -> list[AuditEntry]:
        return self._newest()[:limit]

    def _newest(self) -> list[AuditEntry]:
        """By time, as the SQL repository (the newest first; ties: the later appended)."""
        pending = [e for _, e in sorted(self.waiting.items(), reverse=True)]
        merged = pending + [e for _, e in sorted(self.rows.items(), reverse=True)]
        return sorted(merged, key=lambda e: e.at, reverse=True)


class MemoryIdempotencyRepository(MemoryRecordRepository[IdempotencyRecord]):
    """Idempotency keys, unique per (user, key)."""

    def __init__(self, state: _State) -> None:
        super().__init__(state, "idempotency_keys", "idempotency key")

    def claim(self, record: IdempotencyRecord) -> tuple[IdempotencyRecord, bool]:
        found = self.where(lambda r: (r.user_id, r.key) == (record.user_id, record.key))
        return (found[0], False) if found else (self.add(record), True)

    def delete(self, record: IdempotencyRecord) -> None:
        self.rows.pop(record.id or 0, None)


class MemoryDosingProfileRepository:
    """Dosing profiles keyed by patient id."""

    def __init__(self, state: _State) -> None:
        self.rows: dict[int, DosingProfileRecord] = state.table("dosing_profiles")

    def get(self, patient_id: int) -> DosingProfileRecord | None:
        return self.rows.get(patient_id)

    def put(self, profile: DosingProfileRecord) -> None:
        self.rows[profile.patient_id] = profile


class MemoryCareStatusRepository:
    """Worklist read model; the query mirrors the SQL branches and ordering."""

    def __init__(self, state: _State) -> None:
        self.rows: dict[int, CareStatus] = state.table("care_status")
        self.patients: dict[int, Patient] = state.table("patients")

    def get(self, patient_id: int) -> CareStatus | None:
        return self.rows.get(patient_id)

    def put(self, status: CareStatus) -> None:
        self.rows[status.patient_id] = status

    def refills_due_by(self, until: date) -> list[CareStatus]:
        due = [
            s
            for s in self.rows.values()
            if (s.refill_due is not None and s.refill_due <= until)
            or (s.alarm_date is not None and s.alarm_date <= until)
        ]
        return sorted(due, key=lambda s: (s.refill_due or date.max, s.patient_id))

    def worklist(self, query: WorklistQuery) -> Sequence[WorklistRow]:
        today = query.today
        rows: list[WorklistRow] = []
        for pid, s in self.rows.items():
            if query.patient_id is not None and pid != query.patient_id:
                continue
            for kind, due, rank, critical in _candidates(s, query, today):
                patient = self.patients[pid]
                rows.append(
                    WorklistRow(
                        pid, patient.family_name, patient.given_name, kind, due, rank, critical, s
                    )
                )
        rows.sort(
            key=lambda r: (
                not r.critical,
                -r.rank,
                r.due is None,
                r.due or date.min,
                r.patient_id,
                r.kind,
            )
        )
        return rows[: query.limit]


def _candidates(
    s: CareStatus, q: WorklistQuery, today: date
) -> Iterator[tuple[str, date | None, int, bool]]:
    if s.device_alert_since is not None:
        yield "device_alert", s.device_alert_since, 4, s.is_baclofen
    if s.workup_due is not None:
        yield "adverse_event_workup", s.workup_due, 4, True
    if s.refill_due is not None and s.refill_due <= q.refill_horizon:
        if s.alarm_date is not None and s.alarm_date <= today:
            rank = 4
        else:
            rank = 3 if s.refill_due < today else 2
        yield "refill", s.refill_due, rank, s.is_baclofen and s.refill_due < today
    if s.eri_due is not None and s.eri_due <= q.eri_horizon:
        yield "eri", s.eri_due, 3 if s.eri_due < today else 2, s.is_baclofen and s.eri_due < today
    if s.discrepancy_flag:
        weighty = s.is_baclofen or s.discrepancy_critical
        yield "discrepancy", today, 4 if s.discrepancy_critical else 3, weighty
    if s.granuloma_risk:
        yield "granuloma_risk", None, 2, False
    if s.rising_dose:
        yield "rising_dose", None, 2, False
    if s.on_opioid and s.endocrine_due is not None and s.endocrine_due <= q.endocrine_horizon:
        yield "endocrine_review", s.endocrine_due, 2 if s.endocrine_due < today else 1, False
    if s.wound_check_due is not None and s.wound_check_due <= q.wound_horizon:
        yield "wound_check", s.wound_check_due, 3 if s.wound_check_due < today else 2, False


class InMemoryUnitOfWork:
    """A unit of work over dicts; ``commits`` counts successful commits (for tests)."""

    def __init__(self) -> None:
        self._committed_state = _State()
        self._open = False
        self.commits = 0

    def __enter__(self) -> Self:
        if self._open:
            raise RuntimeError("this unit of work is already open")
        self._open = True
        self._bind(_copy(self._committed_state))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._open = False

    def commit(self) -> None:
        """Publish this block's changes."""
        if not self._open:
            raise RuntimeError("commit outside a 'with uow:' block")
        self._committed_state = self._state
        self._bind(_copy(self._committed_state))
        self.commits += 1

    def for_reads(self) -> Self:
        """Nothing to lock in memory: the same unit of work."""
        return self

    def rollback(self) -> None:
        """Discard this block's changes."""
        if self._open:
            self._bind(_copy(self._committed_state))

    def _bind(self, state: _State) -> None:
        self._state = state
        self.patients = MemoryPatientRepository(state)
        self.locations = MemoryLocationRepository(state)
        self.users = MemoryUserRepository(state)
        self.sessions = MemorySessionRepository(state)
        self.api_tokens = MemoryApiTokenRepository(state)
        self.audit = MemoryAuditRepository(state)
        self.evaluations: MemoryRecordRepository[Evaluation] = MemoryRecordRepository(
            state, "evaluations", "evaluation"
        )
        self.trials: MemoryRecordRepository[Trial] = MemoryRecordRepository(
            state, "trials", "trial"
        )
        self.interrogations: MemoryRecordRepository[Interrogation] = MemoryRecordRepository(
            state, "interrogations", "interrogation"
        )
        self.implants = MemoryImplantRepository(state)
        self.prescriptions = MemoryPrescriptionRepository(state)
        self.refills = MemoryRefillRepository(state)
        self.adverse_events = MemoryAdverseEventRepository(state)
        self.appointment_requests = MemoryAppointmentRequestRepository(state)
        self.visits = MemoryVisitRepository(state)
        self.care_status = MemoryCareStatusRepository(state)
        self.dosing_profiles = MemoryDosingProfileRepository(state)
        self.idempotency_keys = MemoryIdempotencyRepository(state)
        self.throttle = MemoryThrottleRepository(state)


def _copy(state: _State) -> _State:
    return _State(
        tables={name: dict(rows) for name, rows in state.tables.items()},
        next_ids=dict(state.next_ids),
    )


def _matches(patient: Patient, text: str) -> bool:
    """Name or MRN contains ``text`` (case-insensitive), as the SQL search does."""
    needle = text.lower()
    return any(
        needle in field.lower() for field in (patient.family_name, patient.given_name, patient.mrn)
    )

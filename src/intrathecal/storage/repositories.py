"""SQL repositories over one connection: records in, records out, via the generic mapping."""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    Boolean,
    Connection,
    Integer,
    Select,
    String,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    true,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError

from intrathecal.clinic.audit import GENESIS, new_entry
from intrathecal.clinic.errors import Conflict, NotFound
from intrathecal.clinic.records import (
    Actor,
    AdverseEvent,
    ApiTokenRecord,
    AppointmentRequest,
    AuditEntry,
    CareStatus,
    Coverage,
    Diagnosis,
    DosingProfileRecord,
    IdempotencyRecord,
    Implant,
    Location,
    Patient,
    PrescriptionVersion,
    Refill,
    SessionRecord,
    UserRecord,
    Visit,
    WorklistQuery,
    WorklistRow,
    check_user,
)
from intrathecal.clinic.uow import ThrottleWindow
from intrathecal.storage import tables as t
from intrathecal.storage.mapping import from_row, to_row
from intrathecal.storage.worklist_sql import PARAMS, item_due, worklist_statement

R = TypeVar("R")


class SqlRecordRepository(Generic[R]):
    """Add/get/update/list for a table whose columns match a record's fields."""

    def __init__(self, conn: Connection, table: Table, cls: type[R], what: str) -> None:
        self.conn = conn
        self.table = table
        self.cls = cls
        self.what = what

    def add(self, record: R) -> R:
        """Insert and return the record with its new id."""
        row = to_row(record, drop_id=True)
        try:
            new_id = self.conn.execute(insert(self.table).values(**row)).inserted_primary_key
        except IntegrityError as exc:
            raise Conflict(f"{self.what} clashes with an existing record: {exc.orig}") from None
        return from_row(self.cls, {**row, "id": new_id[0]}) if new_id else record

    def get(self, record_id: int) -> R:
        """The record with this id, or NotFound."""
        row = self.conn.execute(select(self.table).where(self.table.c.id == record_id)).first()
        if row is None:
            raise NotFound(f"{self.what} {record_id} not found")
        return from_row(self.cls, row._mapping)

    def update(self, record: R) -> None:
        """Overwrite the row with the record's id."""
        row = to_row(record)
        record_id = row.pop("id")
        result = self.conn.execute(
            update(self.table).where(self.table.c.id == record_id).values(**row)
        )
        if result.rowcount == 0:
            raise NotFound(f"{self.what} {record_id} not found")

    def for_patient(self, patient_id: int) -> list[R]:
        """All of a patient's rows, oldest first."""
        rows = self.conn.execute(
            select(self.table)
            .where(self.table.c.patient_id == patient_id)
            .order_by(self.table.c.id)
        )
        return [from_row(self.cls, r._mapping) for r in rows]

    def _first(self, stmt: Select[Any]) -> R | None:
        row = self.conn.execute(stmt).first()
        return None if row is None else from_row(self.cls, row._mapping)


class SqlPatientRepository:
    """Patients plus their diagnoses and coverage rows."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, patient: Patient) -> Patient:
        row = _patient_row(patient)
        row.pop("id", None)
        try:
            key = self.conn.execute(insert(t.patients).values(**row)).inserted_primary_key
            assert key is not None
            new_id = int(key[0])
        except IntegrityError:
            raise Conflict(f"a patient with MRN {patient.mrn!r} already exists") from None
        self._write_children(new_id, patient)
        return self.get(new_id)

    def get(self, patient_id: int) -> Patient:
        row = self.conn.execute(select(t.patients).where(t.patients.c.id == patient_id)).first()
        if row is None:
            raise NotFound(f"patient {patient_id} not found")
        return self._load(row._mapping)

    def lock(self, patient_id: int) -> None:
        # PostgreSQL: a row lock held to commit. SQLite: the FOR UPDATE is dropped, and
        # BEGIN IMMEDIATE already gave this transaction the database's one write lock.
        stmt = select(t.patients.c.id).where(t.patients.c.id == patient_id).with_for_update()
        if self.conn.execute(stmt).first() is None:
            raise NotFound(f"patient {patient_id} not found")

    def by_mrn(self, mrn: str) -> Patient | None:
        row = self.conn.execute(select(t.patients).where(t.patients.c.mrn == mrn)).first()
        return None if row is None else self._load(row._mapping)

    def update(self, patient: Patient, expected_version: int) -> Patient:
        if patient.id is None:
            raise NotFound("cannot update a patient that has no id")
        row = _patient_row(patient)
        row.pop("id")
        row["version"] = expected_version + 1
        result = self.conn.execute(
            update(t.patients)
            .where(t.patients.c.id == patient.id, t.patients.c.version == expected_version)
            .values(**row)
        )
        if result.rowcount == 0:
            self.get(patient.id)  # NotFound if it is gone
            raise Conflict(
                f"patient {patient.id} was changed by someone else "
                f"(you edited version {expected_version}); reload and retry"
            )
        self.conn.execute(delete(t.diagnoses).where(t.diagnoses.c.patient_id == patient.id))
        self.conn.execute(delete(t.coverages).where(t.coverages.c.patient_id == patient.id))
        self._write_children(patient.id, patient)
        return self.get(patient.id)

    def search(self, text: str, limit: int = 50, offset: int = 0) -> list[Patient]:
        rows = self.conn.execute(
            select(t.patients)
            .where(_matches(text))
            .order_by(t.patients.c.family_name, t.patients.c.given_name, t.patients.c.id)
            .limit(limit)
            .offset(offset)
        )
        return self._load_all([r._mapping for r in rows])

    def find_many(self, patient_ids: Collection[int]) -> dict[int, Patient]:
        wanted = sorted(set(patient_ids))
        if not wanted:
            return {}
        rows = self.conn.execute(
            select(t.patients).where(t.patients.c.id.in_(wanted)).order_by(t.patients.c.id)
        )
        return {p.id: p for p in self._load_all([r._mapping for r in rows]) if p.id is not None}

    def count_matching(self, text: str) -> int:
        stmt = select(func.count()).select_from(t.patients).where(_matches(text))
        return int(self.conn.execute(stmt).scalar_one())

    def count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(t.patients)).scalar_one())

    def _write_children(self, patient_id: int, patient: Patient) -> None:
        if patient.diagnoses:
            self.conn.execute(
                insert(t.diagnoses),
                [{**to_row(d), "patient_id": patient_id} for d in patient.diagnoses],
            )
        if patient.coverage:
            self.conn.execute(
                insert(t.coverages),
                [{**to_row(c), "patient_id": patient_id} for c in patient.coverage],
            )

    def _load(self, row: Mapping[Any, Any]) -> Patient:
        return self._load_all([row])[0]

    def _load_all(self, rows: Sequence[Mapping[Any, Any]]) -> list[Patient]:
        """The patients of these rows, with the children of all of them read in one query."""
        if not rows:
            return []
        diagnoses: dict[int, list[Diagnosis]] = {row["id"]: [] for row in rows}
        coverage: dict[int, list[Coverage]] = {row["id"]: [] for row in rows}
        for child in self.conn.execute(_children_statement(), {"ids": list(diagnoses)}):
            if child.kind == "diagnosis":
                diagnoses[child.patient_id].append(
                    Diagnosis(child.code, child.description, child.primary)
                )
            else:
                coverage[child.patient_id].append(
                    Coverage(child.insurer, child.member_id, child.group_number)
                )
        return [
            from_row(
                Patient,
                {
                    **row,
                    "diagnoses": tuple(diagnoses[row["id"]]),
                    "coverage": tuple(coverage[row["id"]]),
                },
            )
            for row in rows
        ]


@functools.cache
def _children_statement() -> Any:
    """The diagnoses and coverages of the patients ``ids`` in one round trip, each patient's
    in id order."""
    ids = bindparam("ids", type_=Integer, expanding=True)
    d, c = t.diagnoses, t.coverages
    text_null = type_coerce(null(), String)
    diagnoses = select(
        literal("diagnosis").label("kind"),
        d.c.patient_id,
        d.c.id,
        d.c.code,
        d.c.description,
        d.c.primary,
        text_null.label("insurer"),
        text_null.label("member_id"),
        text_null.label("group_number"),
    ).where(d.c.patient_id.in_(ids))
    coverages = select(
        literal("coverage"),
        c.c.patient_id,
        c.c.id,
        text_null,
        text_null,
        type_coerce(null(), Boolean),
        c.c.insurer,
        c.c.member_id,
        c.c.group_number,
    ).where(c.c.patient_id.in_(ids))
    children = union_all(diagnoses, coverages).subquery()
    return select(children).order_by(children.c.kind, children.c.id)


def _matches(text: str) -> Any:
    """Name or MRN contains ``text`` (case-insensitive; ``%`` and ``_`` match themselves)."""
    needle = text.lower()
    return or_(
        *(
            func.lower(column).contains(needle, autoescape=True)
            for column in (t.patients.c.family_name, t.patients.c.given_name, t.patients.c.mrn)
        )
    )


def _patient_row(patient: Patient) -> dict[str, Any]:
    row = to_row(patient)
    row.pop("diagnoses")
    row.pop("coverage")
    return row


class SqlImplantRepository(SqlRecordRepository[Implant]):
    """Implants."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn, t.implants, Implant, "implant")

    def add(self, record: Implant) -> Implant:
        try:
            return super().add(record)
        except Conflict:
            raise Conflict(f"pump serial {record.pump_serial!r} is already recorded") from None

    def active_for(self, patient_id: int) -> Implant | None:
        return self._first(
            select(t.implants)
            .where(t.implants.c.patient_id == patient_id, t.implants.c.active == true())
            .order_by(t.implants.c.id.desc())
        )

    def by_key_id(self, device_key_id: str) -> Implant | None:
        return self._first(select(t.implants).where(t.implants.c.device_key_id == device_key_id))


class SqlPrescriptionRepository(SqlRecordRepository[PrescriptionVersion]):
    """Prescription versions."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn, t.prescriptions, PrescriptionVersion, "prescription")

    def add(self, record: PrescriptionVersion) -> PrescriptionVersion:
        # A savepoint keeps the surrounding transaction usable on PostgreSQL after a clash.
        try:
            with self.conn.begin_nested():
                return super().add(record)
        except Conflict:
            raise Conflict(
                f"prescription version {record.version} for patient {record.patient_id} "
                "was written by someone else first; reload and retry"
            ) from None

    def current(self, patient_id: int) -> PrescriptionVersion | None:
        return self._first(
            select(t.prescriptions)
            .where(t.prescriptions.c.patient_id == patient_id, t.prescriptions.c.status == "active")
            .order_by(t.prescriptions.c.version.desc())
            .limit(1)
        )

    def latest_version(self, patient_id: int) -> int:
        stmt = select(func.max(t.prescriptions.c.version)).where(
            t.prescriptions.c.patient_id == patient_id
        )
        return int(self.conn.execute(stmt).scalar_one() or 0)

    def pending(self, limit: int = 200) -> list[PrescriptionVersion]:
        rows = self.conn.execute(
            select(t.prescriptions)
            .where(t.prescriptions.c.status == "pending")
            .order_by(t.prescriptions.c.created_at, t.prescriptions.c.id)
            .limit(limit)
        )
        return [from_row(PrescriptionVersion, r._mapping) for r in rows]

    def history(self, patient_id: int) -> list[PrescriptionVersion]:
        rows = self.conn.execute(
            select(t.prescriptions)
            .where(t.prescriptions.c.patient_id == patient_id)
            .order_by(t.prescriptions.c.version)
        )
        return [from_row(PrescriptionVersion, r._mapping) for r in rows]


class SqlRefillRepository(SqlRecordRepository[Refill]):
    """Refill visits."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn, t.refills, Refill, "refill")

    def latest(self, patient_id: int) -> Refill | None:
        return self._first(
            select(t.refills)
            .where(t.refills.c.patient_id == patient_id)
            .order_by(t.refills.c.performed_at.desc(), t.refills.c.id.desc())
            .limit(1)
        )


class SqlAdverseEventRepository(SqlRecordRepository[AdverseEvent]):
    """Adverse events; a follow-up update is ``UPDATE ... WHERE version = ?``."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn, t.adverse_events, AdverseEvent, "adverse event")

    def add(self, record: AdverseEvent) -> AdverseEvent:
        return super().add(replace(record, version=1))

    def update_versioned(self, record: AdverseEvent, expected_version: int) -> AdverseEvent:
        if record.id is None:
            raise NotFound("cannot update an adverse event that has no id")
        row = to_row(replace(record, version=expected_version + 1))
        row.pop("id")
        result = self.conn.execute(
            update(t.adverse_events)
            .where(
                t.adverse_events.c.id == record.id,
                t.adverse_events.c.version == expected_version,
            )
            .values(**row)
        )
        if result.rowcount == 0:
            self.get(record.id)  # NotFound if it is gone
            raise Conflict(
                f"adverse event {record.id} was changed by someone else "
                f"(you edited version {expected_version}); reload and retry"
            )
        return self.get(record.id)


class SqlVisitRepository(SqlRecordRepository[Visit]):
    """Visits."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn, t.visits, Visit, "visit")

    def between(self, start: datetime, end: datetime) -> list[Visit]:
        rows = self.conn.execute(
            select(t.visits)
            .where(t.visits.c.scheduled_at >= start, t.visits.c.scheduled_at < end)
            .order_by(t.visits.c.scheduled_at, t.visits.c.id)
        )
        return [from_row(Visit, r._mapping) for r in rows]


class SqlAppointmentRequestRepository(SqlRecordRepository[AppointmentRequest]):
    """Public appointment requests."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn, t.appointment_requests, AppointmentRequest, "appointment request")

    def open(self, limit: int = 100) -> list[AppointmentRequest]:
        rows = self.conn.execute(
            select(t.appointment_requests)
            .where(t.appointment_requests.c.status == "new")
            .order_by(t.appointment_requests.c.created_at, t.appointment_requests.c.id)
            .limit(limit)
        )
        return [from_row(AppointmentRequest, r._mapping) for r in rows]


class SqlLocationRepository:
    """Clinic locations."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def upsert(self, location: Location) -> None:
        row = to_row(location)
        code = row.pop("code")
        result = self.conn.execute(
            update(t.locations).where(t.locations.c.code == code).values(**row)
        )
        if result.rowcount == 0:
            self.conn.execute(insert(t.locations).values(code=code, **row))

    def get(self, code: str) -> Location:
        row = self.conn.execute(select(t.locations).where(t.locations.c.code == code)).first()
        if row is None:
            raise NotFound(f"location {code!r} not found")
        return from_row(Location, row._mapping)

    def all(self) -> list[Location]:
        rows = self.conn.execute(select(t.locations).order_by(t.locations.c.name))
        return [from_row(Location, r._mapping) for r in rows]


class SqlUserRepository(SqlRecordRepository[UserRecord]):
    """Users."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn, t.users, UserRecord, "user")

    def add(self, record: UserRecord) -> UserRecord:
        check_user(record)
        try:
            with self.conn.begin_nested():
                return super().add(record)
        except Conflict:
            if self.by_username(record.username) is not None:
                raise Conflict(f"username {record.username!r} is taken") from None
            raise

    def by_username(self, username: str) -> UserRecord | None:
        return self._first(select(t.users).where(t.users.c.username == username))

    def get_many(self, user_ids: Collection[int]) -> dict[int, UserRecord]:
        wanted = set(user_ids)
        if not wanted:
            return {}
        rows = self.conn.execute(
            select(t.users).where(t.users.c.id.in_(sorted(wanted))).order_by(t.users.c.id)
        )
        found = {int(r.id): from_row(UserRecord, r._mapping) for r in rows}
        if missing := wanted - found.keys():
            raise NotFound(f"user {min(missing)} not found")
        return found

    def all(self) -> list[UserRecord]:
        rows = self.conn.execute(select(t.users).order_by(t.users.c.username))
        return [from_row(UserRecord, r._mapping) for r in rows]

    def lock_active_admins(self) -> list[int]:
        stmt = (
            select(t.users.c.id)
            .where(t.users.c.role == "admin", t.users.c.active.is_(True))
            .order_by(t.users.c.id)
            .with_for_update()
        )
        return [int(row[0]) for row in self.conn.execute(stmt)]


class SqlSessionRepository(SqlRecordRepository[SessionRecord]):
    """Sessions."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn, t.sessions, SessionRecord, "session")

    def by_token_hash(self, token_hash: str) -> SessionRecord | None:
        return self._first(select(t.sessions).where(t.sessions.c.token_hash == token_hash))

    def with_user(self, token_hash: str) -> tuple[SessionRecord, UserRecord] | None:
        return _with_user(self.conn, t.sessions, SessionRecord, token_hash)

    def revoke(self, session_id: int) -> None:
        self.conn.execute(
            update(t.sessions).where(t.sessions.c.id == session_id).values(revoked=True)
        )

    def revoke_for_user(self, user_id: int) -> int:
        result = self.conn.execute(
            update(t.sessions)
            .where(t.sessions.c.user_id == user_id, t.sessions.c.revoked.is_(False))
            .values(revoked=True)
        )
        return int(result.rowcount)

    def purge_expired(self, now: datetime) -> int:
        result = self.conn.execute(delete(t.sessions).where(t.sessions.c.expires_at < now))
        return int(result.rowcount)


class SqlApiTokenRepository(SqlRecordRepository[ApiTokenRecord]):
    """API tokens."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn, t.api_tokens, ApiTokenRecord, "API token")

    def by_token_hash(self, token_hash: str) -> ApiTokenRecord | None:
        return self._first(select(t.api_tokens).where(t.api_tokens.c.token_hash == token_hash))

    def with_user(self, token_hash: str) -> tuple[ApiTokenRecord, UserRecord] | None:
        return _with_user(self.conn, t.api_tokens, ApiTokenRecord, token_hash)

    def for_user(self, user_id: int) -> list[ApiTokenRecord]:
        rows = self.conn.execute(
            select(t.api_tokens)
            .where(t.api_tokens.c.user_id == user_id)
            .order_by(t.api_tokens.c.id)
        )
        return [from_row(ApiTokenRecord, r._mapping) for r in rows]

    def revoke(self, token_id: int) -> None:
        self.conn.execute(
            update(t.api_tokens).where(t.api_tokens.c.id == token_id).values(revoked=True)
        )

    def revoke_for_user(self, user_id: int) -> int:
        result = self.conn.execute(
            update(t.api_tokens)
            .where(t.api_tokens.c.user_id == user_id, t.api_tokens.c.revoked.is_(False))
            .values(revoked=True)
        )
        return int(result.rowcount)

    def touch(self, token_id: int, at: datetime) -> None:
        self.conn.execute(
            update(t.api_tokens).where(t.api_tokens.c.id == token_id).values(last_used_at=at)
        )


_USER_PREFIX = "owner_"  # "user_" would give user_id twice


@functools.cache
def _with_user_statement(table: Table) -> Select[Any]:
    """A secret's row and its user's (user columns prefixed), by ``token_hash``."""
    users = [c.label(_USER_PREFIX + c.name) for c in t.users.c]
    return (
        select(table, *users)
        .join(t.users, t.users.c.id == table.c.user_id)
        .where(table.c.token_hash == bindparam("token_hash"))
    )


def _with_user(
    conn: Connection, table: Table, cls: type[R], token_hash: str
) -> tuple[R, UserRecord] | None:
    row = conn.execute(_with_user_statement(table), {"token_hash": token_hash}).first()
    if row is None:
        return None
    values = row._mapping
    own = {c.name: values[c.name] for c in table.c}
    user = {c.name: values[_USER_PREFIX + c.name] for c in t.users.c}
    return from_row(cls, own), from_row(UserRecord, user)


class SqlAuditRepository:
    """The audit log: writes insert pending rows (no shared row is touched, so appends
    never wait on each other); the sealer locks the head and moves them into the chain.
    A reading unit of work keeps its entries for the group commit (``audit_batch``)."""

    def __init__(self, conn: Connection, audit_reads: bool = True, read_only: bool = False) -> None:
        self.conn = conn
        self.audit_reads = audit_reads
        self.read_only = read_only
        self.buffered: list[AuditEntry] = []

    def append(
        self,
        actor: Actor,
        action: str,
        patient_id: int | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        if self.read_only:
            raise RuntimeError("a unit of work opened for reads records only its reads")
        entry = new_entry(actor, action, patient_id, details)
        self.conn.execute(_INSERT_PENDING, _pending_row(entry))
        return entry

    def append_read(
        self,
        actor: Actor,
        action: str,
        patient_id: int | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> AuditEntry | None:
        if not self.audit_reads:
            return None
        if not self.read_only:
            return self.append(actor, action, patient_id, details)
        entry = new_entry(actor, action, patient_id, details)
        self.buffered.append(entry)
        return entry

    def take_buffered(self) -> list[AuditEntry]:
        """The read entries of a reading unit of work, to be committed after it."""
        taken, self.buffered = self.buffered, []
        return taken

    def store_pending(self, entries: Sequence[AuditEntry]) -> None:
        """Insert unchained entries into ``audit_pending`` (for the sealer)."""
        self.conn.execute(_INSERT_PENDING, [_pending_row(e) for e in entries])

    def lock_head(self) -> tuple[int, str]:
        """Lock the head row (FOR UPDATE; SQLite already holds the write lock) and read it."""
        head = self.conn.execute(_LOCK_HEAD).first()
        if head is None:  # a database created without the seed row: create it once
            try:
                with self.conn.begin_nested():
                    self.conn.execute(
                        insert(t.audit_head).values(id=1, last_seq=0, last_hash=GENESIS)
                    )
            except IntegrityError:
                pass  # another writer created it first
            head = self.conn.execute(_LOCK_HEAD).one()
        return int(head[0]), str(head[1])

    def pending(self, limit: int) -> list[tuple[int, AuditEntry]]:
        rows = self.conn.execute(
            select(t.audit_pending).order_by(t.audit_pending.c.id).limit(limit)
        ).all()
        return [(int(r.id), _audit(r._mapping)) for r in rows]

    def pending_count(self) -> int:
        stmt = select(func.count()).select_from(t.audit_pending)
        return int(self.conn.execute(stmt).scalar_one())

    def store_sealed(self, pending_ids: Sequence[int], entries: Sequence[AuditEntry]) -> None:
        if not entries:
            return
        self.append_sealed(entries)
        self.conn.execute(delete(t.audit_pending).where(t.audit_pending.c.id.in_(pending_ids)))

    def append_sealed(self, entries: Sequence[AuditEntry]) -> None:
        """Insert chained entries (the head row is locked) and move the head to the last."""
        if not entries:
            return
        self.conn.execute(_INSERT_SEALED, [_sealed_row(e) for e in entries])
        self.conn.execute(_MOVE_HEAD, {"new_seq": entries[-1].seq, "new_hash": entries[-1].hash})

    def head(self) -> tuple[int, str]:
        row = self.conn.execute(_HEAD).first()
        return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))

    def count(self) -> int:
        sealed = select(func.count()).select_from(t.audit_log)
        return int(self.conn.execute(sealed).scalar_one()) + self.pending_count()

    def scan(self, batch: int = 1000) -> Iterator[AuditEntry]:
        after = 0
        while True:
            rows = self.conn.execute(
                select(t.audit_log)
                .where(t.audit_log.c.seq > after)
                .order_by(t.audit_log.c.seq)
                .limit(batch)
            ).all()
            if not rows:
                return
            for row in rows:
                yield _audit(row._mapping)
            after = int(rows[-1].seq)

    def for_patient(self, patient_id: int, limit: int = 200) -> list[AuditEntry]:
        return self._newest(limit, patient_id)

    def recent(self, limit: int = 100) -> list[AuditEntry]:
        return self._newest(limit, None)

    def _newest(self, limit: int, patient_id: int | None) -> list[AuditEntry]:
        """The newest entries by time, pending and sealed merged. Not by ``seq``: a read is
        chained as it is committed, so the sealer chains pending writes after reads newer
        than they are."""
        pending = (
            select(t.audit_pending)
            .order_by(t.audit_pending.c.at.desc(), t.audit_pending.c.id.desc())
            .limit(limit)
        )
        sealed = (
            select(t.audit_log)
            .order_by(t.audit_log.c.at.desc(), t.audit_log.c.seq.desc())
            .limit(limit)
        )
        if patient_id is not None:
            pending = pending.where(t.audit_pending.c.patient_id == patient_id)
            sealed = sealed.where(t.audit_log.c.patient_id == patient_id)
        found = [_audit(r._mapping) for r in self.conn.execute(pending)]
        found += [_audit(r._mapping) for r in self.conn.execute(sealed)]
        found.sort(key=lambda entry: entry.at, reverse=True)  # ISO 8601 UTC: sorts as text
        return found[:limit]


def _sealed_row(entry: AuditEntry) -> dict[str, Any]:
    """An entry's ``audit_log`` values (the details as JSON text, encoded once)."""
    row = {name: getattr(entry, name) for name in _AUDIT_FIELDS}
    row["details"] = json.dumps(entry.details, sort_keys=True, ensure_ascii=False)
    return row


def _pending_row(entry: AuditEntry) -> dict[str, Any]:
    row = _sealed_row(entry)
    for name in ("seq", "prev_hash", "hash"):
        row.pop(name)
    return row


def _audit(row: Mapping[Any, Any]) -> AuditEntry:
    """An entry from a sealed row, or from a pending one (``seq`` 0, no hashes)."""
    values = {name: row[name] for name in _AUDIT_FIELDS if name in row}
    values["details"] = json.loads(values["details"])
    values.setdefault("seq", 0)
    return from_row(AuditEntry, values)


_AUDIT_FIELDS = tuple(c.name for c in t.audit_log.columns)

# The statements of every audit commit, built once: a statement object keeps its cache key,
# one built per call costs SQLAlchemy that work again (about half an audit commit's CPU).
_HEAD = select(t.audit_head.c.last_seq, t.audit_head.c.last_hash).where(t.audit_head.c.id == 1)
_LOCK_HEAD = _HEAD.with_for_update()
_MOVE_HEAD = (
    update(t.audit_head)
    .where(t.audit_head.c.id == 1)
    .values(last_seq=bindparam("new_seq"), last_hash=bindparam("new_hash"))
)
_INSERT_SEALED = insert(t.audit_log)
_INSERT_PENDING = insert(t.audit_pending)


class SqlIdempotencyRepository(SqlRecordRepository[IdempotencyRecord]):
    """Idempotency keys; a clash on (user, key) finds the first claim."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn, t.idempotency_keys, IdempotencyRecord, "idempotency key")

    def claim(self, record: IdempotencyRecord) -> tuple[IdempotencyRecord, bool]:
        try:
            with self.conn.begin_nested():  # a clash leaves the transaction usable
                return self.add(record), True
        except Conflict:
            existing = self._first(
                select(t.idempotency_keys).where(
                    t.idempotency_keys.c.user_id == record.user_id,
                    t.idempotency_keys.c.key == record.key,
                )
            )
            if existing is None:  # the clash was not on the key: report it as it was
                raise
            return existing, False

    def delete(self, record: IdempotencyRecord) -> None:
        self.conn.execute(delete(t.idempotency_keys).where(t.idempotency_keys.c.id == record.id))


class SqlDosingProfileRepository:
    """Dosing profiles, one row per patient."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, patient_id: int) -> DosingProfileRecord | None:
        row = self.conn.execute(
            select(t.dosing_profiles).where(t.dosing_profiles.c.patient_id == patient_id)
        ).first()
        return None if row is None else from_row(DosingProfileRecord, row._mapping)

    def put(self, profile: DosingProfileRecord) -> None:
        row = to_row(profile)
        pid = row.pop("patient_id")
        table = t.dosing_profiles
        done = self.conn.execute(update(table).where(table.c.patient_id == pid).values(**row))
        if done.rowcount == 0:
            self.conn.execute(insert(table).values(patient_id=pid, **row))


class SqlCareStatusRepository:
    """Worklist read model and the worklist query (one indexed branch per rule)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, patient_id: int) -> CareStatus | None:
        row = self.conn.execute(
            select(t.care_status).where(t.care_status.c.patient_id == patient_id)
        ).first()
        return None if row is None else from_row(CareStatus, row._mapping)

    def put(self, status: CareStatus) -> None:
        row = to_row(status)
        pid = row.pop("patient_id")
        result = self.conn.execute(
            update(t.care_status).where(t.care_status.c.patient_id == pid).values(**row)
        )
        if result.rowcount == 0:
            self.conn.execute(insert(t.care_status).values(patient_id=pid, **row))

    def refills_due_by(self, until: date) -> list[CareStatus]:
        c = t.care_status.c
        stmt = (
            select(t.care_status)
            .where(or_(c.refill_due <= until, c.alarm_date <= until))
            .order_by(c.refill_due, c.patient_id)
        )
        return [from_row(CareStatus, row._mapping) for row in self.conn.execute(stmt)]

    def worklist(self, query: WorklistQuery) -> Sequence[WorklistRow]:
        params: dict[str, Any] = {name: getattr(query, name) for name in PARAMS}
        params["limit"] = query.limit
        if query.patient_id is not None:
            params["patient_id"] = query.patient_id
        stmt = worklist_statement(query.patient_id is not None)
        names = [c.name for c in t.care_status.columns]
        out = []
        for row in self.conn.execute(stmt, params):
            values = tuple(row)
            # The tail of the row is the care_status columns, typed by their table columns.
            status = CareStatus(**dict(zip(names, values[7:], strict=True)))
            kind = values[1]
            out.append(
                WorklistRow(
                    patient_id=values[0],
                    family_name=values[5],
                    given_name=values[6],
                    kind=kind,
                    due=item_due(kind, status, query.today),
                    rank=int(values[3]),
                    critical=bool(values[4]),
                    status=status,
                )
            )
        return out


class SqlThrottleRepository:
    """Throttle hits in ``throttle_hits``."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def window(self, scope: str, key: str, since: datetime) -> ThrottleWindow:
        hits = t.throttle_hits.c
        row = self.conn.execute(
            select(func.count(), func.min(hits.at), func.max(hits.at)).where(
                hits.scope == scope, hits.key == key, hits.at > since
            )
        ).one()
        return ThrottleWindow(int(row[0]), row[1], row[2])

    def add(self, scope: str, key: str, at: datetime) -> None:
        self.conn.execute(insert(t.throttle_hits).values(scope=scope, key=key[:200], at=at))

    def clear(self, scope: str, key: str) -> None:
        hits = t.throttle_hits.c
        self.conn.execute(delete(t.throttle_hits).where(hits.scope == scope, hits.key == key))

    def purge(self, before: datetime) -> None:
        self.conn.execute(delete(t.throttle_hits).where(t.throttle_hits.c.at <= before))

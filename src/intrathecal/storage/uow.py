"""SQLAlchemy unit of work: one connection and one transaction per ``with`` block."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, RootTransaction

from intrathecal.clinic.records import (
    Evaluation,
    Interrogation,
    Trial,
)
from intrathecal.storage import tables as t
from intrathecal.storage.audit_batch import group_commit_for
from intrathecal.storage.db import make_engine, read_only_options
from intrathecal.storage.repositories import (
    SqlAdverseEventRepository,
    SqlApiTokenRepository,
    SqlAppointmentRequestRepository,
    SqlAuditRepository,
    SqlCareStatusRepository,
    SqlDosingProfileRepository,
    SqlIdempotencyRepository,
    SqlImplantRepository,
    SqlLocationRepository,
    SqlPatientRepository,
    SqlPrescriptionRepository,
    SqlRecordRepository,
    SqlRefillRepository,
    SqlSessionRepository,
    SqlThrottleRepository,
    SqlUserRepository,
    SqlVisitRepository,
)


class SqlAlchemyUnitOfWork:
    """Opens a connection and a transaction on enter; rolls back unless committed."""

    def __init__(
        self,
        engine: Engine | str | None = None,
        *,
        audit_reads: bool = True,
        audit_key: bytes | None = None,
    ) -> None:
        self.engine = engine if isinstance(engine, Engine) else make_engine(engine)
        self.audit_reads = audit_reads
        #: With the key, a read's entries are chained as they are committed (else pending).
        self.audit_key = audit_key
        self._reading = False
        self._conn: Connection | None = None
        self._tx: RootTransaction | None = None

    def __enter__(self) -> Self:
        if self._conn is not None:
            raise RuntimeError("this unit of work is already open")
        conn = self.engine.connect()
        if self._reading:
            conn.execution_options(**read_only_options(self.engine))
        self._conn = conn
        self._tx = conn.begin()
        self.patients = SqlPatientRepository(conn)
        self.locations = SqlLocationRepository(conn)
        self.users = SqlUserRepository(conn)
        self.sessions = SqlSessionRepository(conn)
        self.api_tokens = SqlApiTokenRepository(conn)
        self.audit = SqlAuditRepository(conn, self.audit_reads, read_only=self._reading)
        self.evaluations = SqlRecordRepository(conn, t.evaluations, Evaluation, "evaluation")
        self.trials = SqlRecordRepository(conn, t.trials, Trial, "trial")
        self.interrogations = SqlRecordRepository(
            conn, t.interrogations, Interrogation, "interrogation"
        )
        self.implants = SqlImplantRepository(conn)
        self.prescriptions = SqlPrescriptionRepository(conn)
        self.refills = SqlRefillRepository(conn)
        self.adverse_events = SqlAdverseEventRepository(conn)
        self.appointment_requests = SqlAppointmentRequestRepository(conn)
        self.visits = SqlVisitRepository(conn)
        self.care_status = SqlCareStatusRepository(conn)
        self.dosing_profiles = SqlDosingProfileRepository(conn)
        self.idempotency_keys = SqlIdempotencyRepository(conn)
        self.throttle = SqlThrottleRepository(conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._reading = False
        self._release()

    def _release(self) -> None:
        try:
            if self._tx is not None and self._tx.is_active:
                self._tx.rollback()
        finally:
            if self._conn is not None:
                self._conn.close()
            self._conn = None
            self._tx = None

    def commit(self) -> None:
        """Make everything done in this block permanent."""
        if self._tx is None:
            raise RuntimeError("commit outside a 'with uow:' block")
        self._tx.commit()
        if self._reading:
            entries = self.audit.take_buffered()
            self._release()  # give the connection back before waiting for the batch
            group_commit_for(self.engine, self.audit_key).write(entries)

    def for_reads(self) -> Self:
        """Make the next ``with`` block a reading one: no BEGIN or COMMIT, so no write lock
        and no round trips for them (``storage.db.read_only_options``), and its read audit
        entries are committed with other requests' (group commit) at ``commit()``."""
        self._reading = True
        return self

    def rollback(self) -> None:
        """Discard everything done in this block."""
        if self._tx is not None and self._tx.is_active:
            self._tx.rollback()

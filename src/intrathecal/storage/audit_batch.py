"""Group commit of read-audit entries: one transaction (one disk flush) for the entries of
all requests that finished reading at about the same time, per engine and process.

No thread of its own: the first request to arrive leads, commits every entry waiting (its
own and those queued behind it) and wakes their requests; a request that arrives while a
commit runs waits, and the first of those leads the next commit. Alone, a request commits
its own entry without a thread switch; under load, one commit carries many entries.

With the audit key, a commit chains its entries at once (the head row is locked, each entry
gets the next ``seq``, the previous MAC and its own MAC, ``clinic.audit.chain``), so a read
entry never waits in ``audit_pending`` for the sealer; without the key it stores them
pending, for a keyed ``seal`` later. Either way a request returns only once its entries are
committed (a read is never answered before its audit entry is durable), and a failed
commit fails every request of that batch.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine

from intrathecal.clinic.audit import chain
from intrathecal.clinic.records import AuditEntry
from intrathecal.storage.repositories import SqlAuditRepository

#: Entries committed in one transaction at most.
MAX_BATCH = 500
#: How long a request waits for its batch before giving up (the database is stuck).
WAIT_SECONDS = 60.0

Commit = Callable[[Sequence[AuditEntry]], None]


@dataclass(eq=False)
class _Ticket:
    entries: Sequence[AuditEntry]
    wake: threading.Event = field(default_factory=threading.Event)
    committed: bool = False
    leads: bool = False
    error: BaseException | None = None


class GroupCommit:
    """Leader/follower group commit of audit entries through ``commit`` (one call per
    batch, never two at once)."""

    def __init__(self, commit: Commit, wait_seconds: float = WAIT_SECONDS) -> None:
        self._commit = commit
        self._wait_seconds = wait_seconds
        self._lock = threading.Lock()
        self._queue: list[_Ticket] = []
        self._leading = False

    def write(self, entries: Sequence[AuditEntry]) -> None:
        """Commit ``entries`` (with whatever else is waiting); return once they are."""
        if not entries:
            return
        ticket = _Ticket(entries)
        with self._lock:
            self._queue.append(ticket)
            ticket.leads = not self._leading
            self._leading = True
        if not ticket.leads:
            self._follow(ticket)
        if ticket.leads:
            self._lead()
        if ticket.error is not None:
            raise RuntimeError("the audit entry could not be written") from ticket.error

    def _follow(self, ticket: _Ticket) -> None:
        """Wait until a leader committed the ticket or handed the lead to it."""
        woken = ticket.wake.wait(self._wait_seconds)
        with self._lock:
            if woken or ticket.leads or ticket.committed:
                return
            if ticket in self._queue:  # never taken: nothing of it is written
                self._queue.remove(ticket)
        raise TimeoutError("the audit entry could not be written in time")

    def _lead(self) -> None:
        """Commit the queue's head batch, wake its requests, pass the lead on (or drop it)."""
        with self._lock:
            batch: list[_Ticket] = []
            size = 0
            while self._queue and (not batch or size + len(self._queue[0].entries) <= MAX_BATCH):
                taken = self._queue.pop(0)
                batch.append(taken)
                size += len(taken.entries)
        error: BaseException | None = None
        try:
            self._commit([entry for ticket in batch for entry in ticket.entries])
        except BaseException as exc:  # reported to every request of the batch
            error = exc
            if not isinstance(exc, Exception):
                raise  # an interrupt: the lead is still handed on below
        finally:
            self._hand_on(batch, error)

    def _hand_on(self, batch: list[_Ticket], error: BaseException | None) -> None:
        """Wake the batch's requests and give the lead to the first one queued (if any)."""
        with self._lock:
            successor = self._queue[0] if self._queue else None
            if successor is None:
                self._leading = False
            else:
                successor.leads = True
        for ticket in batch:
            ticket.error = error
            ticket.committed = True
            ticket.wake.set()
        if successor is not None:
            successor.wake.set()


def commit_entries(engine: Engine, key: bytes | None) -> Commit:
    """One transaction storing ``entries``: chained under ``key``, else pending."""
    ref = weakref.ref(engine)

    def commit(entries: Sequence[AuditEntry]) -> None:
        bound = ref()
        if bound is None:
            raise RuntimeError("the database engine is gone")
        with bound.begin() as conn:
            audit = SqlAuditRepository(conn)
            if key is None:
                audit.store_pending(entries)
                return
            seq, prev = audit.lock_head()
            audit.append_sealed(chain(entries, seq, prev, key))

    return commit


_GROUPS: weakref.WeakKeyDictionary[Engine, dict[bytes | None, GroupCommit]] = (
    weakref.WeakKeyDictionary()
)
_LOCK = threading.Lock()


def group_commit_for(engine: Engine, key: bytes | None) -> GroupCommit:
    """The process's group commit for ``engine`` and audit ``key``."""
    with _LOCK:
        groups = _GROUPS.setdefault(engine, {})
        found = groups.get(key)
        if found is None:
            found = groups[key] = GroupCommit(commit_entries(engine, key))
        return found

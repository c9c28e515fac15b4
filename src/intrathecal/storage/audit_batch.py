"""Group commit of read-audit entries: one transaction (one disk flush) for the entries of
all requests that finished reading at about the same time, per engine and process.

A request hands its entries over and waits until they are committed, so no read is answered
before its audit entry is durable; a failed commit fails every request of that batch.
"""

from __future__ import annotations

import queue
import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, insert

from intrathecal.storage import tables as t

#: Entries committed in one transaction at most.
MAX_BATCH = 500
#: How long a request waits for its batch before giving up (the database is stuck).
WAIT_SECONDS = 60.0
#: The writer thread ends after this long without work.
IDLE_SECONDS = 5.0


@dataclass
class _Ticket:
    rows: Sequence[Mapping[str, Any]]
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class AuditBatcher:
    """A writer thread per engine that inserts queued pending-audit rows in batches (it
    stops when idle and starts again on demand)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = weakref.ref(engine)
        self._queue: queue.SimpleQueue[_Ticket] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._running = False

    def write(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert ``rows`` into ``audit_pending``; return once they are committed."""
        if not rows:
            return
        ticket = _Ticket(rows)
        with self._lock:
            self._queue.put(ticket)
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name="audit-batch", daemon=True).start()
        if not ticket.done.wait(WAIT_SECONDS):
            raise TimeoutError("the audit entry could not be written in time")
        if ticket.error is not None:
            raise RuntimeError("the audit entry could not be written") from ticket.error

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._running = False
                        return
                continue
            self._commit(self._drain(first))

    def _drain(self, first: _Ticket) -> list[_Ticket]:
        batch = [first]
        size = len(first.rows)
        while size < MAX_BATCH:
            try:
                ticket = self._queue.get_nowait()
            except queue.Empty:
                break
            batch.append(ticket)
            size += len(ticket.rows)
        return batch

    def _commit(self, batch: list[_Ticket]) -> None:
        error: BaseException | None = None
        engine = self._engine()
        try:
            if engine is None:
                raise RuntimeError("the database engine is gone")
            with engine.begin() as conn:
                conn.execute(insert(t.audit_pending), [dict(r) for tk in batch for r in tk.rows])
        except Exception as exc:  # reported to every waiting request
            error = exc
        for ticket in batch:
            ticket.error = error
            ticket.done.set()


_BATCHERS: weakref.WeakKeyDictionary[Engine, AuditBatcher] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def batcher_for(engine: Engine) -> AuditBatcher:
    """The process's batcher for ``engine`` (started on first use)."""
    with _LOCK:
        found = _BATCHERS.get(engine)
        if found is None:
            found = _BATCHERS[engine] = AuditBatcher(engine)
        return found

"""Group commit of read-audit entries: every entry committed exactly once, one commit at a
time, a failure reported to each request of its batch; with the audit key the entries are
chained at commit and verify, concurrent reads and writes included, and a read that was
answered keeps its entry even if the process is killed right after."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence

import pytest
from sqlalchemy import Engine, text

from intrathecal.clinic.audit import new_entry, seal, verify_chain
from intrathecal.clinic.commands import UpdatePatient
from intrathecal.clinic.patients import get_patient, update_patient
from intrathecal.clinic.records import AuditEntry
from intrathecal.storage.audit_batch import GroupCommit
from intrathecal.storage.uow import SqlAlchemyUnitOfWork
from tests.storage.test_read_audit import DOCTOR, _patient

KEY = bytes(range(32))


def _entries(n: int, tag: str) -> list[AuditEntry]:
    return [new_entry(DOCTOR, "patient.read", None, {"tag": tag, "i": i}) for i in range(n)]


def test_concurrent_writers_are_committed_once_each_one_commit_at_a_time() -> None:
    batches: list[list[str]] = []
    running = threading.Semaphore(1)

    def commit(entries: Sequence[AuditEntry]) -> None:
        assert running.acquire(blocking=False), "two commits at once"
        time.sleep(0.002)  # a disk flush: others queue up meanwhile
        batches.append([f"{e.details['tag']}-{e.details['i']}" for e in entries])
        running.release()

    group = GroupCommit(commit)
    errors: list[BaseException] = []

    def writer(tag: str) -> None:
        try:
            for round_ in range(5):
                group.write(_entries(2, f"{tag}.{round_}"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"w{n}",)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    written = [name for batch in batches for name in batch]
    assert sorted(written) == sorted(
        f"w{n}.{r}-{i}" for n in range(16) for r in range(5) for i in range(2)
    )
    assert max(len(batch) for batch in batches) > 2  # requests shared a commit


def test_a_failed_commit_fails_its_requests_and_the_next_ones_go_through() -> None:
    failing = threading.Event()
    failing.set()
    stored: list[AuditEntry] = []

    def commit(entries: Sequence[AuditEntry]) -> None:
        if failing.is_set():
            raise OSError("disk full")
        stored.extend(entries)

    group = GroupCommit(commit)
    with pytest.raises(RuntimeError, match="could not be written") as caught:
        group.write(_entries(1, "lost"))
    assert isinstance(caught.value.__cause__, OSError)
    failing.clear()
    group.write(_entries(1, "kept"))
    assert [e.details["tag"] for e in stored] == ["kept"]


class Interrupted(BaseException):
    """Like KeyboardInterrupt: not an Exception."""


def test_an_interrupted_commit_still_hands_the_lead_on() -> None:
    interrupt = threading.Event()
    interrupt.set()
    stored: list[AuditEntry] = []

    def commit(entries: Sequence[AuditEntry]) -> None:
        if interrupt.is_set():
            raise Interrupted
        stored.extend(entries)

    group = GroupCommit(commit, wait_seconds=2)
    with pytest.raises(Interrupted):
        group.write(_entries(1, "interrupted"))
    interrupt.clear()
    group.write(_entries(1, "next"))  # would time out if the lead had stayed taken
    assert [e.details["tag"] for e in stored] == ["next"]


def test_a_request_that_waits_too_long_gives_up_and_writes_nothing() -> None:
    release = threading.Event()
    stored: list[AuditEntry] = []

    def commit(entries: Sequence[AuditEntry]) -> None:
        release.wait(10)
        stored.extend(entries)

    group = GroupCommit(commit, wait_seconds=0.2)
    leader = threading.Thread(target=group.write, args=(_entries(1, "first"),))
    leader.start()
    time.sleep(0.05)  # the leader's commit is stuck
    with pytest.raises(TimeoutError):
        group.write(_entries(1, "late"))
    release.set()
    leader.join()
    group.write(_entries(1, "after"))
    assert [e.details["tag"] for e in stored] == ["first", "after"]


def test_keyed_reads_are_chained_at_commit_beside_sealed_writes(engine: Engine) -> None:
    pid = _patient(engine)
    errors: list[BaseException] = []

    def read() -> None:
        try:
            for _ in range(3):
                get_patient(SqlAlchemyUnitOfWork(engine, audit_key=KEY), pid, DOCTOR)
        except BaseException as exc:
            errors.append(exc)

    def write() -> None:
        try:
            for version in range(1, 4):
                update_patient(
                    SqlAlchemyUnitOfWork(engine, audit_key=KEY),
                    _phone_change(pid, version),
                    DOCTOR,
                )
                seal(SqlAlchemyUnitOfWork(engine), KEY)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(8)]
    threads.append(threading.Thread(target=write))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seal(SqlAlchemyUnitOfWork(engine), KEY)
    result = verify_chain(SqlAlchemyUnitOfWork(engine), KEY)
    assert result.ok, result.problem
    with SqlAlchemyUnitOfWork(engine) as uow:
        actions = [e.action for e in uow.audit.for_patient(pid, limit=1000)]
        assert uow.audit.pending_count() == 0
    assert actions.count("patient.read") == 24
    assert actions.count("patient.updated") == 3


def test_a_keyed_read_is_in_the_chain_before_it_returns(engine: Engine) -> None:
    pid = _patient(engine)
    get_patient(SqlAlchemyUnitOfWork(engine, audit_key=KEY), pid, DOCTOR)
    with SqlAlchemyUnitOfWork(engine) as uow:
        assert uow.audit.pending_count() == 0  # no sealer ran: chained by the commit itself
        assert [e.action for e in uow.audit.for_patient(pid)] == ["patient.read"]
    assert verify_chain(SqlAlchemyUnitOfWork(engine), KEY).ok


def test_a_keyed_read_whose_entry_cannot_be_chained_fails(engine: Engine) -> None:
    pid = _patient(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE audit_log"))
    with pytest.raises(RuntimeError, match="audit entry could not be written"):
        get_patient(SqlAlchemyUnitOfWork(engine, audit_key=KEY), pid, DOCTOR)


CRASHING_READER = """
import os, signal, sys
from intrathecal.clinic.patients import get_patient
from intrathecal.clinic.records import Actor
from intrathecal.storage.uow import SqlAlchemyUnitOfWork
url, pid, key = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3])
doctor = Actor(1, "dr.a", "physician", "10.0.0.1")
for _ in range(5):
    get_patient(SqlAlchemyUnitOfWork(url, audit_key=key), pid, doctor)
    print("answered", flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # no clean shutdown, no final seal
"""


def test_reads_answered_before_a_kill_keep_their_entries(engine: Engine) -> None:
    pid = _patient(engine)
    url = engine.url.render_as_string(hide_password=False)
    done = subprocess.run(
        [sys.executable, "-c", CRASHING_READER, url, str(pid), KEY.hex()],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
        check=False,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]
    assert done.stdout.count("answered") == 5
    with SqlAlchemyUnitOfWork(engine) as uow:
        reads = [e for e in uow.audit.for_patient(pid) if e.action == "patient.read"]
    assert len(reads) == 5
    result = verify_chain(SqlAlchemyUnitOfWork(engine), KEY)
    assert result.ok
    assert result.checked == 5


def _phone_change(pid: int, version: int) -> UpdatePatient:
    return UpdatePatient(patient_id=pid, expected_version=version, phone=f"555-000{version}")


def test_newest_entries_merge_pending_writes_and_chained_reads_by_time(engine: Engine) -> None:
    pid = _patient(engine)
    update_patient(SqlAlchemyUnitOfWork(engine, audit_key=KEY), _phone_change(pid, 1), DOCTOR)
    get_patient(SqlAlchemyUnitOfWork(engine, audit_key=KEY), pid, DOCTOR)  # chained at once
    with SqlAlchemyUnitOfWork(engine) as uow:
        assert uow.audit.pending_count() == 1  # the write waits for the sealer
        assert [e.action for e in uow.audit.recent(2)] == ["patient.read", "patient.updated"]
        assert [e.action for e in uow.audit.for_patient(pid, 1)] == ["patient.read"]


def test_newest_entries_are_newest_by_time_after_older_writes_are_sealed(engine: Engine) -> None:
    """The sealer chains pending writes after reads that are newer than they are: their
    ``seq`` is higher, their time older, and the newest by time must still come first."""
    pid = _patient(engine)
    for version in (1, 2, 3):
        update_patient(
            SqlAlchemyUnitOfWork(engine, audit_key=KEY), _phone_change(pid, version), DOCTOR
        )
    get_patient(SqlAlchemyUnitOfWork(engine, audit_key=KEY), pid, DOCTOR)  # chained at once
    seal(SqlAlchemyUnitOfWork(engine), KEY)  # the three older writes now follow it in seq
    with SqlAlchemyUnitOfWork(engine) as uow:
        assert uow.audit.pending_count() == 0
        assert [e.action for e in uow.audit.recent(1)] == ["patient.read"]
        assert [e.action for e in uow.audit.for_patient(pid, 2)] == [
            "patient.read",
            "patient.updated",
        ]
        newest = uow.audit.recent(10)
    assert [e.at for e in newest] == sorted((e.at for e in newest), reverse=True)
    assert verify_chain(SqlAlchemyUnitOfWork(engine), KEY).ok

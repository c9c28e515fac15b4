"""Audit log: a keyed chain over every clinical write and read, sealed in order; tamper
detection (edits, deletions, re-hashing, truncation) pointing at the row."""

from __future__ import annotations

import dataclasses
import itertools
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, update

from intrathecal.clinic.audit import (
    GENESIS,
    chained_entry,
    entry_hash,
    make_anchor,
    new_entry,
    seal,
    verify_chain,
    verify_entries,
)
from intrathecal.clinic.patients import get_patient
from intrathecal.clinic.records import Actor
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.storage import tables as t
from intrathecal.storage.uow import SqlAlchemyUnitOfWork
from tests.clinic.builders import programmed
from tests.clinic.conftest import Staff
from tests.support.memory import InMemoryUnitOfWork

KEY = b"k" * 32
OTHER_KEY = b"o" * 32


def sealed_chain(uow: UnitOfWork, staff: Staff) -> None:
    """A programmed patient with every entry sealed under ``KEY``."""
    programmed(uow, staff)
    seal(uow, KEY)


def _tamper(uow: UnitOfWork, seq: int, *, drop: bool = False) -> None:
    """Change (or delete) one stored row behind the application's back."""
    if isinstance(uow, InMemoryUnitOfWork):
        rows = uow._committed_state.tables["audit"]
        if drop:
            del rows[seq]
        else:
            rows[seq] = dataclasses.replace(rows[seq], details={"mrn": "forged"})
        return
    assert isinstance(uow, SqlAlchemyUnitOfWork)
    with uow.engine.begin() as conn:
        if drop:
            conn.execute(delete(t.audit_log).where(t.audit_log.c.seq == seq))
        else:
            conn.execute(
                update(t.audit_log)
                .where(t.audit_log.c.seq == seq)
                .values(details=json.dumps({"mrn": "forged"}))
            )


def test_pathway_writes_a_verifiable_chain(uow: UnitOfWork, staff: Staff) -> None:
    patient = programmed(uow, staff)
    get_patient(uow, patient.id or 0, staff.physician)
    with uow:
        assert uow.audit.count() == 7
        assert uow.audit.pending_count() == 7  # appended unchained, in the request path
    assert seal(uow, KEY) == 7
    result = verify_chain(uow, KEY)
    assert result.ok
    assert result.pending == 0
    with uow:
        entries = list(uow.audit.scan())
    assert result.checked == len(entries)
    assert [e.action for e in entries] == [
        "locations.synced",  # the fixture copies the data file's locations in
        "patient.registered",
        "evaluation.recorded",
        "trial.recorded",
        "implant.recorded",
        "prescription.programmed",
        "patient.read",
    ]
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert all(entry_hash(e, KEY) == e.hash for e in entries)


def test_edited_row_is_reported_as_the_first_broken_one(uow: UnitOfWork, staff: Staff) -> None:
    sealed_chain(uow, staff)
    _tamper(uow, 3)
    result = verify_chain(uow, KEY)
    assert not result.ok
    assert result.first_bad_seq == 3
    assert result.checked == 2
    assert "MAC" in (result.problem or "")


@pytest.mark.parametrize(("seq", "first_bad", "problem"), [(2, 3, "seq"), (6, 6, "missing")])
def test_deleted_row_breaks_the_chain(
    uow: UnitOfWork, staff: Staff, seq: int, first_bad: int, problem: str
) -> None:
    sealed_chain(uow, staff)  # six audited writes (locations sync + five), 6 is the last
    _tamper(uow, seq, drop=True)
    result = verify_chain(uow, KEY)
    assert not result.ok
    assert result.first_bad_seq == first_bad
    assert problem in (result.problem or "")


_details = st.dictionaries(st.sampled_from(["a", "b", "mrn"]), st.integers() | st.text(max_size=5))


@given(
    details=st.lists(_details, min_size=1, max_size=8),
    victim=st.integers(0, 7),
    field=st.sampled_from(["action", "patient_id", "details", "actor_role", "at"]),
)
def test_changing_any_field_of_any_entry_is_detected_at_that_entry(
    details: list[dict[str, object]], victim: int, field: str
) -> None:
    entries, seq, prev = [], 0, GENESIS
    for body in details:
        fresh = new_entry(Actor(1, "u", "nurse", "1.1.1.1"), "x.y", 7, body)
        entry = chained_entry(fresh, seq, prev, KEY)
        entries.append(entry)
        seq, prev = entry.seq, entry.hash
    assert verify_entries(entries, KEY).ok
    index = victim % len(entries)
    forged_value = {
        "action": "x.z",
        "patient_id": 8,
        "details": {"forged": True},
        "actor_role": "admin",
        "at": "2000-01-01T00:00:00.000000Z",
    }[field]
    entries[index] = dataclasses.replace(entries[index], **{field: forged_value})
    result = verify_entries(entries, KEY)
    assert not result.ok
    assert result.first_bad_seq == index + 1


def _rehash_from(uow: UnitOfWork, seq: int, key: bytes) -> None:
    """Forge row ``seq`` and re-chain every row after it with ``key`` (and move the head)."""
    with uow:
        entries = list(uow.audit.scan())
    prev = entries[seq - 2].hash if seq > 1 else GENESIS
    forged = []
    for entry in entries[seq - 1 :]:
        if entry.seq == seq:
            entry = dataclasses.replace(entry, details={"mrn": "forged"})
        entry = chained_entry(entry, entry.seq - 1, prev, key)
        forged.append(entry)
        prev = entry.hash
    if isinstance(uow, InMemoryUnitOfWork):
        uow._committed_state.tables["audit"].update({e.seq: e for e in forged})
        uow._committed_state.tables["audit_head"][1] = (forged[-1].seq, forged[-1].hash)
        return
    assert isinstance(uow, SqlAlchemyUnitOfWork)
    with uow.engine.begin() as conn:
        for e in forged:
            conn.execute(
                update(t.audit_log)
                .where(t.audit_log.c.seq == e.seq)
                .values(details=json.dumps(e.details), prev_hash=e.prev_hash, hash=e.hash)
            )
        conn.execute(update(t.audit_head).values(last_seq=forged[-1].seq, last_hash=prev))


def test_an_edit_rehashed_without_the_key_is_detected(uow: UnitOfWork, staff: Staff) -> None:
    sealed_chain(uow, staff)
    _rehash_from(uow, 3, OTHER_KEY)  # an attacker with database access but not the key
    result = verify_chain(uow, KEY)
    assert not result.ok
    assert result.first_bad_seq == 3


def test_an_anchor_exposes_a_truncated_tail_with_a_rewritten_head(
    uow: UnitOfWork, staff: Staff
) -> None:
    programmed(uow, staff)
    anchor = make_anchor(uow, KEY)
    assert anchor.seq == 6
    assert verify_chain(uow, KEY, anchor).ok
    _tamper(uow, 6, drop=True)
    if isinstance(uow, InMemoryUnitOfWork):
        uow._committed_state.tables["audit_head"][1] = (
            5,
            uow._committed_state.tables["audit"][5].hash,
        )
    else:
        assert isinstance(uow, SqlAlchemyUnitOfWork)
        with uow.engine.begin() as conn:
            last = conn.execute(t.audit_log.select().where(t.audit_log.c.seq == 5)).one()
            conn.execute(update(t.audit_head).values(last_seq=5, last_hash=last.hash))
    assert verify_chain(uow, KEY).ok  # the key alone cannot see a cut-off tail...
    result = verify_chain(uow, KEY, anchor)  # ...the anchor kept outside does
    assert not result.ok
    assert "anchor" in (result.problem or "")


def test_an_anchor_exposes_rehashing_even_with_the_key(uow: UnitOfWork, staff: Staff) -> None:
    programmed(uow, staff)
    anchor = make_anchor(uow, KEY)
    _rehash_from(uow, 2, KEY)  # someone who also stole the key
    assert verify_chain(uow, KEY).ok
    result = verify_chain(uow, KEY, anchor)
    assert not result.ok
    assert result.first_bad_seq == anchor.seq


def test_an_anchor_signed_with_another_key_is_refused(uow: UnitOfWork, staff: Staff) -> None:
    programmed(uow, staff)
    anchor = make_anchor(uow, OTHER_KEY)
    result = verify_chain(uow, KEY, anchor)
    assert not result.ok
    assert "not signed" in (result.problem or "")


def test_sealing_keeps_the_order_entries_were_stored_in_and_is_idempotent(
    uow: UnitOfWork, staff: Staff
) -> None:
    programmed(uow, staff)
    with uow:
        stored = [e.action for _, e in uow.audit.pending(100)]
    assert seal(uow, KEY) == len(stored)
    assert seal(uow, KEY) == 0
    with uow:
        assert [e.action for e in uow.audit.scan()] == stored
        assert uow.audit.pending_count() == 0

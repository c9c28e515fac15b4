"""Audit log: hash chain over every clinical write, tamper detection pointing at the row."""

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
    result = verify_chain(uow)
    assert result.ok
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
    assert all(entry_hash(e) == e.hash for e in entries)


def test_edited_row_is_reported_as_the_first_broken_one(uow: UnitOfWork, staff: Staff) -> None:
    programmed(uow, staff)
    _tamper(uow, 3)
    result = verify_chain(uow)
    assert not result.ok
    assert result.first_bad_seq == 3
    assert result.checked == 2
    assert "hash" in (result.problem or "")


@pytest.mark.parametrize(("seq", "first_bad", "problem"), [(2, 3, "seq"), (6, 6, "missing")])
def test_deleted_row_breaks_the_chain(
    uow: UnitOfWork, staff: Staff, seq: int, first_bad: int, problem: str
) -> None:
    programmed(uow, staff)  # six audited writes (locations sync + five), 6 is the last
    _tamper(uow, seq, drop=True)
    result = verify_chain(uow)
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
        entry = chained_entry(seq, prev, Actor(1, "u", "nurse", "1.1.1.1"), "x.y", 7, body)
        entries.append(entry)
        seq, prev = entry.seq, entry.hash
    assert verify_entries(entries).ok
    index = victim % len(entries)
    forged_value = {
        "action": "x.z",
        "patient_id": 8,
        "details": {"forged": True},
        "actor_role": "admin",
        "at": "2000-01-01T00:00:00.000000Z",
    }[field]
    entries[index] = dataclasses.replace(entries[index], **{field: forged_value})
    result = verify_entries(entries)
    assert not result.ok
    assert result.first_bad_seq == index + 1

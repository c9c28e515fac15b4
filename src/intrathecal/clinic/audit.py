"""The audit log's hash chain: canonical JSON of each entry, its SHA-256, and verification.

Every entry stores the previous entry's hash and its own hash over the canonical JSON of
all its other fields (sorted keys, no whitespace, UTF-8), so editing, deleting or
re-ordering any row breaks the chain from that row on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from intrathecal.clinic.records import Actor, AuditEntry

if TYPE_CHECKING:
    from intrathecal.clinic.uow import UnitOfWork

#: ``prev_hash`` of the first entry.
GENESIS = "0" * 64


def canonical_json(entry: AuditEntry) -> bytes:
    """The bytes that are hashed: every field except ``hash`` itself."""
    body: dict[str, Any] = {
        "seq": entry.seq,
        "at": entry.at,
        "actor_user_id": entry.actor_user_id,
        "actor_username": entry.actor_username,
        "actor_role": entry.actor_role,
        "actor_ip": entry.actor_ip,
        "action": entry.action,
        "patient_id": entry.patient_id,
        "details": entry.details,
        "prev_hash": entry.prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: AuditEntry) -> str:
    """SHA-256 (hex) of the entry's canonical JSON."""
    return hashlib.sha256(canonical_json(entry)).hexdigest()


def utc_stamp(moment: datetime | None = None) -> str:
    """An ISO 8601 UTC timestamp with microseconds, as stored in the log."""
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def normalise_details(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """Details as plain JSON (round-tripped so the stored and hashed forms are identical)."""
    text = json.dumps(dict(details or {}), sort_keys=True, default=str, ensure_ascii=False)
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def chained_entry(
    prev_seq: int,
    prev_hash: str,
    actor: Actor,
    action: str,
    patient_id: int | None,
    details: Mapping[str, Any] | None,
    at: datetime | None = None,
) -> AuditEntry:
    """The next entry after (``prev_seq``, ``prev_hash``), with its hash filled in."""
    entry = AuditEntry(
        seq=prev_seq + 1,
        at=utc_stamp(at),
        actor_user_id=actor.user_id,
        actor_username=actor.username,
        actor_role=actor.role,
        actor_ip=actor.ip,
        action=action,
        patient_id=patient_id,
        details=normalise_details(details),
        prev_hash=prev_hash,
    )
    return replace(entry, hash=entry_hash(entry))


@dataclass(frozen=True)
class ChainResult:
    """Outcome of a verification: ``ok``, how many rows were checked, the first bad row."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None


def verify_entries(entries: Iterable[AuditEntry]) -> ChainResult:
    """Walk entries in order and report the first one whose link or hash is wrong."""
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    for entry in entries:
        if entry.seq != expected_seq:
            return ChainResult(False, checked, entry.seq, f"expected seq {expected_seq}")
        if entry.prev_hash != expected_prev:
            return ChainResult(False, checked, entry.seq, "prev_hash does not match")
        if entry_hash(entry) != entry.hash:
            return ChainResult(False, checked, entry.seq, "content does not match its hash")
        checked += 1
        expected_prev = entry.hash
        expected_seq += 1
    return ChainResult(True, checked)


def verify_chain(uow: UnitOfWork) -> ChainResult:
    """Verify the whole log in order, and that the head row points at its last entry.

    Read-only: opens and closes the unit of work without committing.
    """
    with uow:
        result = verify_entries(uow.audit.scan())
        if not result.ok:
            return result
        seq, last_hash = uow.audit.head()
        if seq != result.checked:
            return ChainResult(False, result.checked, seq, "rows are missing after the last one")
        if result.checked and last_hash != _last_hash(uow):
            return ChainResult(False, result.checked, seq, "head hash does not match the log")
    return result


def _last_hash(uow: UnitOfWork) -> str:
    recent = uow.audit.recent(1)
    return recent[0].hash if recent else GENESIS

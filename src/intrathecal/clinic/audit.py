"""The audit log's keyed chain: appending, sealing in order, anchors and verification.

A request appends its entry unchained (``seq`` 0, no hashes), so audited requests never wait
for one another. Sealing takes the pending entries in the order they were stored, gives
each the next ``seq`` and the previous entry's MAC, and stores its own MAC: HMAC-SHA256,
under a key that is not in the database, of the canonical JSON of every other field (sorted
keys, no whitespace, UTF-8). Without the key nobody can re-hash an edited chain; an anchor
(the signed head, kept outside the database) also exposes a chain cut short after it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from intrathecal.clinic.errors import ValidationFailed
from intrathecal.clinic.records import Actor, AuditEntry

if TYPE_CHECKING:
    from intrathecal.clinic.uow import UnitOfWork

#: ``prev_hash`` of the first entry.
GENESIS = "0" * 64
#: Pending entries chained per sealing transaction.
SEAL_BATCH = 2000


def canonical_json(entry: AuditEntry) -> bytes:
    """The bytes that are MAC'd: every field except ``hash`` itself."""
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


def entry_hash(entry: AuditEntry, key: bytes) -> str:
    """HMAC-SHA256 (hex) of the entry's canonical JSON under the audit key."""
    return hmac.new(key, canonical_json(entry), hashlib.sha256).hexdigest()


def utc_stamp(moment: datetime | None = None) -> str:
    """An ISO 8601 UTC timestamp with microseconds, as stored in the log."""
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def normalise_details(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """Details as plain JSON (round-tripped so the stored and MAC'd forms are identical)."""
    text = json.dumps(dict(details or {}), sort_keys=True, default=str, ensure_ascii=False)
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def new_entry(
    actor: Actor,
    action: str,
    patient_id: int | None,
    details: Mapping[str, Any] | None,
    at: datetime | None = None,
) -> AuditEntry:
    """An entry as a request appends it: not yet sealed (``seq`` 0, no hashes)."""
    return AuditEntry(
        seq=0,
        at=utc_stamp(at),
        actor_user_id=actor.user_id,
        actor_username=actor.username,
        actor_role=actor.role,
        actor_ip=actor.ip,
        action=action,
        patient_id=patient_id,
        details=normalise_details(details),
    )


def chained_entry(entry: AuditEntry, prev_seq: int, prev_hash: str, key: bytes) -> AuditEntry:
    """``entry`` sealed after (``prev_seq``, ``prev_hash``), with its MAC filled in."""
    linked = replace(entry, seq=prev_seq + 1, prev_hash=prev_hash, hash="")
    return replace(linked, hash=entry_hash(linked, key))


def chain(entries: Iterable[AuditEntry], seq: int, prev: str, key: bytes) -> list[AuditEntry]:
    """``entries`` sealed in order after the head (``seq``, ``prev``)."""
    chained = []
    for entry in entries:
        entry = chained_entry(entry, seq, prev, key)
        chained.append(entry)
        seq, prev = entry.seq, entry.hash
    return chained


def seal(uow: UnitOfWork, key: bytes, batch: int = SEAL_BATCH) -> int:
    """Chain every pending entry, oldest first, in transactions of ``batch``; the count.

    The head row is locked while a batch is chained, so concurrent sealers (one per server
    process) take turns and each pending entry is sealed exactly once.
    """
    sealed = 0
    while True:
        with uow:
            seq, prev = uow.audit.lock_head()
            pending = uow.audit.pending(batch)
            if not pending:
                return sealed
            chained = chain((entry for _, entry in pending), seq, prev, key)
            uow.audit.store_sealed([row_id for row_id, _ in pending], chained)
            uow.commit()
        sealed += len(pending)
        if len(pending) < batch:
            return sealed


def key_id(key: bytes) -> str:
    """A short public name of a key (not the key): which key signed an anchor."""
    return hashlib.sha256(b"intrathecal audit key id\x00" + key).hexdigest()[:16]


@dataclass(frozen=True)
class Anchor:
    """The sealed head at one moment, signed with the audit key: keep it outside the DB."""

    seq: int
    hash: str
    at: str
    key_id: str
    signature: str

    def payload(self) -> bytes:
        """The signed bytes."""
        return f"intrathecal-audit-anchor\x00{self.seq}\x00{self.hash}\x00{self.at}".encode()

    def to_json(self) -> str:
        """The anchor as one JSON object."""
        return json.dumps(
            {
                "seq": self.seq,
                "hash": self.hash,
                "at": self.at,
                "key_id": self.key_id,
                "signature": self.signature,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Anchor:
        """Parse an exported anchor; ValidationFailed naming what is wrong."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationFailed(f"anchor: not JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise ValidationFailed("anchor: expected a JSON object")
        fields = {"seq": int, "hash": str, "at": str, "key_id": str, "signature": str}
        for name, kind in fields.items():
            value = data.get(name)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ValidationFailed(f"anchor: {name!r} must be a {kind.__name__}")
        if data["seq"] < 0:
            raise ValidationFailed("anchor: 'seq' must be >= 0")
        return cls(**{name: data[name] for name in fields})

    def signed_by(self, key: bytes) -> bool:
        """True when ``key`` made this anchor's signature."""
        expected = hmac.new(key, self.payload(), hashlib.sha256).hexdigest()
        return self.key_id == key_id(key) and hmac.compare_digest(expected, self.signature)


def make_anchor(uow: UnitOfWork, key: bytes) -> Anchor:
    """Seal what is pending, then sign the head (seq, MAC) with the key."""
    seal(uow, key)
    with uow:
        seq, last = uow.audit.head()
    unsigned = Anchor(seq, last, utc_stamp(), key_id(key), "")
    signature = hmac.new(key, unsigned.payload(), hashlib.sha256).hexdigest()
    return replace(unsigned, signature=signature)


@dataclass(frozen=True)
class ChainResult:
    """Outcome of a verification: ``ok``, rows checked, the first bad row, and how many
    entries were still waiting to be sealed (not covered by the check)."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None
    pending: int = 0
    last_hash: str = GENESIS


def verify_entries(
    entries: Iterable[AuditEntry], key: bytes, anchor: Anchor | None = None
) -> ChainResult:
    """Walk sealed entries in order; report the first whose link or MAC is wrong, or the
    anchor's row if it is missing or differs."""
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    for entry in entries:
        if entry.seq != expected_seq:
            return ChainResult(False, checked, entry.seq, f"expected seq {expected_seq}")
        if entry.prev_hash != expected_prev:
            return ChainResult(False, checked, entry.seq, "prev_hash does not match")
        if not hmac.compare_digest(entry_hash(entry, key), entry.hash):
            return ChainResult(False, checked, entry.seq, "content does not match its MAC")
        if anchor is not None and entry.seq == anchor.seq and entry.hash != anchor.hash:
            return ChainResult(False, checked, entry.seq, "differs from the anchor")
        checked += 1
        expected_prev = entry.hash
        expected_seq += 1
    if anchor is not None and anchor.seq > checked:
        return ChainResult(
            False, checked, checked + 1, f"the chain ends before the anchor's seq {anchor.seq}"
        )
    return ChainResult(True, checked, last_hash=expected_prev)


def verify_chain(uow: UnitOfWork, key: bytes, anchor: Anchor | None = None) -> ChainResult:
    """Verify every sealed entry in order, the head row, and (given) an anchor.

    Read-only: opens and closes the unit of work without committing. Entries not yet sealed
    are counted, not checked.
    """
    if anchor is not None and not anchor.signed_by(key):
        return ChainResult(False, 0, None, "the anchor was not signed with this key")
    with uow:
        result = verify_entries(uow.audit.scan(), key, anchor)
        pending = uow.audit.pending_count()
        result = replace(result, pending=pending)
        if not result.ok:
            return result
        seq, last_hash = uow.audit.head()
        if seq != result.checked:
            return replace(
                result, ok=False, first_bad_seq=seq, problem="rows are missing after the last one"
            )
        if last_hash != result.last_hash:
            return replace(
                result, ok=False, first_bad_seq=seq, problem="head hash does not match the log"
            )
    return result

"""Pairing keys and per-direction sequence numbers: what makes a frame fresh and attributable.

At implant the pump and each controller share one random 32-byte key per link role
(``pair``). Each direction of a link counts its own sequence numbers from 1; a receiver
accepts only a number above the last one it accepted, so a recorded frame cannot be
replayed and an old one cannot be slipped in late.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from intrathecal.device.telemetry.errors import ErrorCode, TelemetryError
from intrathecal.device.telemetry.frame import (
    KEY_SIZE,
    Frame,
    LinkRole,
    decode_frame,
    encode_frame,
)

SEQUENCE_MAX = 2**64 - 1


@dataclass(frozen=True)
class LinkKey:
    """The secret shared by one pump and one controller role."""

    pump_serial: str
    role: LinkRole
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) != KEY_SIZE:
            raise TelemetryError(ErrorCode.NOT_PAIRED, f"a link key is {KEY_SIZE} bytes")


def pair(
    pump_serial: str,
    role: LinkRole = LinkRole.CLINICIAN,
    *,
    entropy: Callable[[int], bytes] = secrets.token_bytes,
) -> LinkKey:
    """Generate the key a pump and a controller of ``role`` share from implant on."""
    return LinkKey(pump_serial, role, entropy(KEY_SIZE))


class ReplayGuard:
    """Accepts only sequence numbers strictly above the last accepted one."""

    def __init__(self) -> None:
        self.last = 0

    def check(self, sequence: int) -> None:
        """Raise ``REPLAYED_SEQUENCE`` unless ``sequence`` is fresh (does not record it)."""
        if sequence <= self.last:
            raise TelemetryError(
                ErrorCode.REPLAYED_SEQUENCE,
                f"sequence {sequence} is not above the last accepted {self.last}",
            )

    def accept(self, sequence: int) -> None:
        """Check and record ``sequence``."""
        self.check(sequence)
        self.last = sequence


class SequenceCounter:
    """Hands out 1, 2, 3, ... for one direction of a link."""

    def __init__(self) -> None:
        self.last = 0

    def next(self) -> int:
        """The next sequence number; the link must be re-paired before it wraps."""
        if self.last >= SEQUENCE_MAX:
            raise TelemetryError(ErrorCode.OUT_OF_RANGE, "sequence space exhausted: re-pair")
        self.last += 1
        return self.last


class Link:
    """One side of one paired link: seals outgoing frames and opens incoming ones."""

    def __init__(self, key: LinkKey, *, pump_side: bool) -> None:
        self.key = key
        self.pump_side = pump_side
        self.outgoing = SequenceCounter()
        self.incoming = ReplayGuard()

    def _key_for(self, role: LinkRole) -> bytes | None:
        return self.key.secret if role is self.key.role else None

    def seal(self, msg_type: int, payload: bytes, *, ack: int = 0) -> tuple[int, bytes]:
        """Frame ``payload`` with the next sequence number; returns (sequence, bytes)."""
        sequence = self.outgoing.next()
        frame = Frame(self.key.role, self.pump_side, msg_type, sequence, ack, payload)
        return sequence, encode_frame(frame, self.key.secret)

    def open(self, data: bytes) -> Frame:
        """Authenticate ``data``, check its direction and freshness, and record it."""
        frame = decode_frame(data, self._key_for)
        if frame.from_pump == self.pump_side:
            raise TelemetryError(
                ErrorCode.WRONG_DIRECTION,
                "frame was sent by the pump" if frame.from_pump else "frame was sent to the pump",
            )
        self.incoming.accept(frame.sequence)
        return frame

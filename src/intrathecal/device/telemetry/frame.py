"""The telemetry frame: byte layout, HMAC-SHA256 tag, and the strict parser.

Layout (big-endian; see docs/telemetry.md for the table)::

    0  magic "IT" (2)   2 version (1)   3 link role (1)   4 flags (1)   5 type (1)
    6  sequence (8)     14 ack: sequence answered, 0 in requests (8)
    22 payload length (2)   24 payload (n)   24+n HMAC-SHA256 tag over bytes 0..24+n (32)

The parser checks size, magic, version, reserved bits, length and role before it asks
for a key, and verifies the tag in constant time before anything else is believed.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import struct
from collections.abc import Callable
from dataclasses import dataclass

from intrathecal.device.telemetry.errors import ErrorCode, TelemetryError

MAGIC = b"IT"
VERSION = 1
HEADER = struct.Struct(">2sBBBBQQH")
HEADER_SIZE = HEADER.size
TAG_SIZE = 32
MAX_PAYLOAD = 4096
MAX_FRAME = HEADER_SIZE + MAX_PAYLOAD + TAG_SIZE
FLAG_FROM_PUMP = 0x01
_RESERVED_FLAGS = 0xFF & ~FLAG_FROM_PUMP
KEY_SIZE = 32


class LinkRole(enum.IntEnum):
    """Which paired key authenticates a frame; it fixes what the sender may command."""

    CLINICIAN = 1
    PATIENT = 2

    @property
    def label(self) -> str:
        """Human name of the controller holding this key."""
        return "clinician programmer" if self is LinkRole.CLINICIAN else "patient controller"


@dataclass(frozen=True)
class Frame:
    """An authenticated frame: header fields and the still-encoded payload."""

    role: LinkRole
    from_pump: bool
    msg_type: int
    sequence: int
    ack: int
    payload: bytes


KeyLookup = Callable[[LinkRole], bytes | None]


def _tag(key: bytes, signed: bytes) -> bytes:
    return hmac.new(key, signed, hashlib.sha256).digest()


def encode_frame(frame: Frame, key: bytes) -> bytes:
    """Serialise ``frame`` and append its tag under ``key``."""
    if len(key) != KEY_SIZE:
        raise TelemetryError(ErrorCode.NOT_PAIRED, f"a link key is {KEY_SIZE} bytes")
    if len(frame.payload) > MAX_PAYLOAD:
        raise TelemetryError(
            ErrorCode.OVERSIZED, f"payload of {len(frame.payload)} bytes exceeds {MAX_PAYLOAD}"
        )
    for name, value in (("sequence", frame.sequence), ("ack", frame.ack)):
        if not 0 <= value < 2**64:
            raise TelemetryError(ErrorCode.OUT_OF_RANGE, f"{name} {value} is not a u64")
    if not 0 <= frame.msg_type <= 0xFF:
        raise TelemetryError(ErrorCode.UNKNOWN_TYPE, f"message type {frame.msg_type}")
    header = HEADER.pack(
        MAGIC,
        VERSION,
        int(frame.role),
        FLAG_FROM_PUMP if frame.from_pump else 0,
        frame.msg_type,
        frame.sequence,
        frame.ack,
        len(frame.payload),
    )
    signed = header + frame.payload
    return signed + _tag(key, signed)


@dataclass(frozen=True)
class Header:
    """Header fields read before authentication (not to be trusted on their own)."""

    version: int
    role_byte: int
    flags: int
    msg_type: int
    sequence: int
    ack: int
    length: int


def read_header(data: bytes) -> Header:
    """Check size, magic, version, length and reserved bits; return the raw header."""
    if len(data) > MAX_FRAME:
        raise TelemetryError(ErrorCode.OVERSIZED, f"frame of {len(data)} bytes exceeds {MAX_FRAME}")
    if len(data) < HEADER_SIZE:
        raise TelemetryError(
            ErrorCode.TRUNCATED, f"{len(data)} bytes is shorter than the {HEADER_SIZE}-byte header"
        )
    magic, version, role_byte, flags, msg_type, sequence, ack, length = HEADER.unpack_from(data)
    if magic != MAGIC:
        raise TelemetryError(ErrorCode.BAD_MAGIC, f"magic {magic.hex()} is not {MAGIC.hex()}")
    if version != VERSION:
        raise TelemetryError(
            ErrorCode.UNSUPPORTED_VERSION, f"version {version}; this side speaks {VERSION}"
        )
    if length > MAX_PAYLOAD:
        raise TelemetryError(
            ErrorCode.OVERSIZED, f"declared payload of {length} bytes exceeds {MAX_PAYLOAD}"
        )
    expected = HEADER_SIZE + length + TAG_SIZE
    if len(data) < expected:
        raise TelemetryError(
            ErrorCode.TRUNCATED, f"{len(data)} bytes; header and tag declare {expected}"
        )
    if len(data) > expected:
        raise TelemetryError(
            ErrorCode.MALFORMED_FRAME, f"{len(data) - expected} bytes follow the tag"
        )
    if flags & _RESERVED_FLAGS:
        raise TelemetryError(ErrorCode.MALFORMED_FRAME, f"reserved flag bits set: {flags:#04x}")
    return Header(version, role_byte, flags, msg_type, sequence, ack, length)


def role_of(header: Header) -> LinkRole:
    """The link role named in a header; an unknown byte is ``UNKNOWN_ROLE``."""
    try:
        return LinkRole(header.role_byte)
    except ValueError:
        raise TelemetryError(
            ErrorCode.UNKNOWN_ROLE, f"link role byte {header.role_byte} is not defined"
        ) from None


def decode_frame(data: bytes, key_for: KeyLookup) -> Frame:
    """Parse and authenticate ``data``; raises only ``TelemetryError``.

    ``key_for`` returns the key paired for a role, or None when that role is not paired.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TelemetryError(ErrorCode.MALFORMED_FRAME, f"expected bytes, got {type(data)}")
    data = bytes(data)
    header = read_header(data)
    role = role_of(header)
    key = key_for(role)
    if key is None:
        raise TelemetryError(ErrorCode.NOT_PAIRED, f"no {role.label} key is paired")
    signed_end = HEADER_SIZE + header.length
    if not hmac.compare_digest(_tag(key, data[:signed_end]), data[signed_end:]):
        raise TelemetryError(ErrorCode.BAD_TAG)
    return Frame(
        role=role,
        from_pump=bool(header.flags & FLAG_FROM_PUMP),
        msg_type=header.msg_type,
        sequence=header.sequence,
        ack=header.ack,
        payload=data[HEADER_SIZE:signed_end],
    )

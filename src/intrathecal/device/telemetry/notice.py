"""Unauthenticated error notices: the pump's answer to a frame it cannot attribute to a key.

When a frame is too broken to name a paired link (truncated, wrong magic, unknown or
unpaired role) there is no key to sign a reply with. The pump then answers with a
*notice*: an ERROR frame whose role byte is 0 and whose tag is all zeros. A notice is
advisory only: the receiving controller reports it as a remote error and never treats it
as an answer to its request.
"""

from __future__ import annotations

from intrathecal.device.telemetry.errors import TelemetryError
from intrathecal.device.telemetry.frame import (
    FLAG_FROM_PUMP,
    HEADER,
    HEADER_SIZE,
    MAGIC,
    TAG_SIZE,
    VERSION,
    read_header,
)
from intrathecal.device.telemetry.messages import ErrorReply, MessageType, encode_message
from intrathecal.device.telemetry.wire import Reader

NOTICE_ROLE = 0


def encode_notice(error: TelemetryError, ack: int = 0) -> bytes:
    """An unauthenticated ERROR frame reporting ``error``."""
    payload = encode_message(ErrorReply(error.code, error.detail))
    header = HEADER.pack(
        MAGIC, VERSION, NOTICE_ROLE, FLAG_FROM_PUMP, MessageType.ERROR, 0, ack, len(payload)
    )
    return header + payload + bytes(TAG_SIZE)


def read_notice(data: bytes) -> ErrorReply | None:
    """The error a notice carries, or None when ``data`` is not a well-formed notice."""
    try:
        header = read_header(data)
    except TelemetryError:
        return None
    if (
        header.role_byte != NOTICE_ROLE
        or header.msg_type != MessageType.ERROR
        or header.flags != FLAG_FROM_PUMP
        or data[-TAG_SIZE:] != bytes(TAG_SIZE)
    ):
        return None
    r = Reader(data[HEADER_SIZE : HEADER_SIZE + header.length])
    try:
        reply = ErrorReply.read(r)
        r.finish()
    except TelemetryError:
        return None
    return reply


def raise_notice(data: bytes) -> None:
    """Raise the notice's error as a remote ``TelemetryError`` when ``data`` is a notice."""
    notice = read_notice(data)
    if notice is not None:
        raise TelemetryError(
            notice.code, f"pump notice (unauthenticated): {notice.detail}", remote=True
        )

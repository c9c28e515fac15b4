"""Telemetry rejection codes and the one exception the telemetry layer raises.

Every way a frame can be refused has its own ``ErrorCode``; the same numbers travel in
ERROR frames, so the pump's answer and a local parse failure name a fault the same way.
"""

from __future__ import annotations

import enum

from intrathecal.device.errors import DeviceError


class ErrorCode(enum.IntEnum):
    """Why a frame or a command was refused (wire value: one unsigned 16-bit integer)."""

    TRUNCATED = 1
    OVERSIZED = 2
    BAD_MAGIC = 3
    UNSUPPORTED_VERSION = 4
    MALFORMED_FRAME = 5
    UNKNOWN_ROLE = 6
    NOT_PAIRED = 7
    BAD_TAG = 8
    REPLAYED_SEQUENCE = 9
    UNKNOWN_TYPE = 10
    WRONG_DIRECTION = 11
    MALFORMED_PAYLOAD = 12
    OUT_OF_RANGE = 13
    ROLE_FORBIDDEN = 14
    DEVICE_REFUSED = 15
    UNEXPECTED_REPLY = 16
    NOT_REPRESENTABLE = 17
    PUMP_STATE = 18

    @property
    def label(self) -> str:
        """Lower-case name used in messages and JSON (``"bad_tag"``)."""
        return self.name.lower()


DESCRIPTIONS: dict[ErrorCode, str] = {
    ErrorCode.TRUNCATED: "the frame is shorter than its header and declared payload",
    ErrorCode.OVERSIZED: "the frame or its declared payload exceeds the size limit",
    ErrorCode.BAD_MAGIC: "the frame does not start with the telemetry magic bytes",
    ErrorCode.UNSUPPORTED_VERSION: "the frame's protocol version is not supported",
    ErrorCode.MALFORMED_FRAME: "reserved header bits are set or bytes follow the tag",
    ErrorCode.UNKNOWN_ROLE: "the header names no known link role",
    ErrorCode.NOT_PAIRED: "no key is paired for the link role named in the header",
    ErrorCode.BAD_TAG: "the authentication tag does not match header and payload",
    ErrorCode.REPLAYED_SEQUENCE: "the sequence number is not above the last one accepted",
    ErrorCode.UNKNOWN_TYPE: "the message type is not defined in this protocol version",
    ErrorCode.WRONG_DIRECTION: "a request came from the pump or a reply went to it",
    ErrorCode.MALFORMED_PAYLOAD: "the payload does not follow the message's layout",
    ErrorCode.OUT_OF_RANGE: "a value in the payload is outside its allowed range",
    ErrorCode.ROLE_FORBIDDEN: "this link role may not send this command",
    ErrorCode.DEVICE_REFUSED: "the pump refused the command (a device limit or state)",
    ErrorCode.UNEXPECTED_REPLY: "the reply does not answer the request that was sent",
    ErrorCode.NOT_REPRESENTABLE: "a quantity is not a whole number of its wire unit",
    ErrorCode.PUMP_STATE: "the command is impossible in the pump's current state",
}


class TelemetryError(DeviceError):
    """A frame or command was refused; ``code`` says why, ``str()`` says what was seen.

    ``remote`` is True when the pump reported the error in an ERROR frame rather than the
    local parser finding it.
    """

    def __init__(self, code: ErrorCode, detail: str = "", *, remote: bool = False) -> None:
        self.code = code
        self.detail = detail or DESCRIPTIONS[code]
        self.remote = remote
        super().__init__(f"{code.label}: {self.detail}")

"""Authenticated telemetry between the implanted pump and its external controllers.

Frames carry a header, a payload with quantities in fixed integer units and an
HMAC-SHA256 tag under a key paired at implant; see docs/telemetry.md.
"""

from intrathecal.device.telemetry.errors import ErrorCode, TelemetryError
from intrathecal.device.telemetry.frame import Frame, LinkRole, decode_frame, encode_frame
from intrathecal.device.telemetry.messages import (
    BolusReason,
    Message,
    MessageType,
    decode_message,
    encode_message,
)
from intrathecal.device.telemetry.session import Link, LinkKey, pair

__all__ = [
    "BolusReason",
    "ErrorCode",
    "Frame",
    "Link",
    "LinkKey",
    "LinkRole",
    "Message",
    "MessageType",
    "TelemetryError",
    "decode_frame",
    "decode_message",
    "encode_frame",
    "encode_message",
    "pair",
]

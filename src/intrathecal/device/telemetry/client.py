"""The controller side of a link: send one request, get its authenticated answer.

``TelemetryClient.request`` seals a message with the next sequence number, hands the
bytes to a transport (in simulation, ``PumpEndpoint.handle``; in tests, anything that
tampers, drops or replays), then opens the answer: it must be authenticated under the
same key, come from the pump, be fresh, and acknowledge exactly the request sent. An
ERROR answer becomes a ``TelemetryError`` with ``remote=True``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from intrathecal.device.telemetry.errors import ErrorCode, TelemetryError
from intrathecal.device.telemetry.messages import (
    ErrorReply,
    Message,
    decode_message,
    encode_message,
)
from intrathecal.device.telemetry.notice import raise_notice
from intrathecal.device.telemetry.session import Link, LinkKey

Transport = Callable[[bytes], bytes]
M = TypeVar("M", bound=Message)


class TelemetryClient:
    """One controller's end of one paired link."""

    def __init__(self, key: LinkKey, transport: Transport) -> None:
        self.link = Link(key, pump_side=False)
        self.transport = transport

    @property
    def key(self) -> LinkKey:
        """The paired key this client signs with."""
        return self.link.key

    def request(self, message: Message) -> Message:
        """Send ``message`` and return the pump's reply (an ERROR reply is raised)."""
        sequence, data = self.link.seal(message.TYPE, encode_message(message))
        answer = self.transport(data)
        raise_notice(answer)
        frame = self.link.open(answer)
        if frame.ack != sequence:
            raise TelemetryError(
                ErrorCode.UNEXPECTED_REPLY,
                f"reply acknowledges sequence {frame.ack}, request was {sequence}",
            )
        reply = decode_message(frame.msg_type, frame.payload)
        if isinstance(reply, ErrorReply):
            raise TelemetryError(reply.code, reply.detail, remote=True)
        return reply

    def expect(self, message: Message, kind: type[M]) -> M:
        """``request`` and check the reply is a ``kind``."""
        reply = self.request(message)
        if not isinstance(reply, kind):
            raise TelemetryError(
                ErrorCode.UNEXPECTED_REPLY,
                f"expected {kind.__name__} in answer to {message.TYPE.name}, "
                f"got {type(reply).__name__}",
            )
        return reply

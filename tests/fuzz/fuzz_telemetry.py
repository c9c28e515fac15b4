"""Coverage-guided fuzzing of the telemetry parser with atheris (run separately).

    .venv/bin/pip install atheris
    .venv/bin/python tests/fuzz/fuzz_telemetry.py -atheris_runs=200000

Any exception other than ``TelemetryError`` from the frame parser, the payload decoder
or the notice reader is a crash that atheris reports with the input that caused it.
Half of the inputs are re-signed with the test key so the payload decoders are reached.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import sys

import atheris

with atheris.instrument_imports():
    from intrathecal.device.telemetry import messages as m
    from intrathecal.device.telemetry.errors import TelemetryError
    from intrathecal.device.telemetry.frame import (
        HEADER_SIZE,
        TAG_SIZE,
        LinkRole,
        decode_frame,
    )
    from intrathecal.device.telemetry.notice import read_notice

KEY = bytes([7]) * 32


def _keys(role: LinkRole) -> bytes | None:
    return KEY if role is LinkRole.CLINICIAN else None


def _resign(data: bytes) -> bytes:
    if len(data) < HEADER_SIZE + TAG_SIZE:
        return data
    body = data[:-TAG_SIZE]
    return body + hmac.new(KEY, body, hashlib.sha256).digest()


def test_one_input(data: bytes) -> None:
    """Feed one input through every receive path."""
    read_notice(data)
    for candidate in (data, _resign(data)):
        try:
            frame = decode_frame(candidate, _keys)
            m.decode_message(frame.msg_type, frame.payload)
        except TelemetryError:
            pass
    if data:
        with contextlib.suppress(TelemetryError):
            m.decode_message(data[0], data[1:])


def main() -> None:
    """Start the atheris loop."""
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

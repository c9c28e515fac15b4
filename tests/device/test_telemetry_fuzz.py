"""Fuzzing the parser: whatever bytes arrive, the only exception is ``TelemetryError``.

The same properties run longer with ``HYPOTHESIS_PROFILE=thorough``; a coverage-guided
harness for atheris lives in ``tests/fuzz/fuzz_telemetry.py``.
"""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from intrathecal.device.telemetry import messages as m
from intrathecal.device.telemetry.errors import ErrorCode, TelemetryError
from intrathecal.device.telemetry.frame import (
    HEADER,
    MAGIC,
    VERSION,
    Frame,
    LinkRole,
    decode_frame,
    encode_frame,
)
from intrathecal.device.telemetry.notice import read_notice

from .telemetry_samples import SAMPLES, key

CLIN = key()


def keys(role: LinkRole) -> bytes | None:
    return CLIN.secret if role is LinkRole.CLINICIAN else None


def parse_all_the_way(data: bytes) -> TelemetryError | None:
    """Frame, then payload: the full receive path a controller or the pump runs.

    Returns the refusal, if any; any exception other than TelemetryError escapes and fails
    the calling test.
    """
    try:
        frame = decode_frame(data, keys)
        m.decode_message(frame.msg_type, frame.payload)
    except TelemetryError as refusal:
        return refusal
    return None


def assert_accepted_or_documented_refusal(data: bytes) -> None:
    """The property: the bytes parse, or are refused with a documented code and a reason."""
    refusal = parse_all_the_way(data)
    assert refusal is None or (refusal.code in set(ErrorCode) and str(refusal))


def signed(msg_type: int, payload: bytes, flags: int = 0) -> bytes:
    header = HEADER.pack(MAGIC, VERSION, LinkRole.CLINICIAN, flags, msg_type, 1, 0, len(payload))
    return header + payload + hmac.new(CLIN.secret, header + payload, hashlib.sha256).digest()


@given(st.binary(max_size=6000))
@example(b"")
@example(b"IT")
@example(b"IT\x01\x01\x00\x01" + bytes(18))
def test_arbitrary_bytes_raise_only_telemetry_error(data: bytes) -> None:
    assert_accepted_or_documented_refusal(data)


@given(st.binary(max_size=64), st.integers(0, 0xFFFF), st.integers(0, 0xFF))
def test_bytes_behind_a_valid_looking_header_raise_only_telemetry_error(
    body: bytes, length: int, role: int
) -> None:
    header = HEADER.pack(MAGIC, VERSION, role, 0, 1, 1, 0, length)
    assert_accepted_or_documented_refusal(header + body)


@given(st.integers(0, 0xFF), st.binary(max_size=600))
def test_authenticated_frames_with_arbitrary_payload_raise_only_telemetry_error(
    msg_type: int, payload: bytes
) -> None:
    assert_accepted_or_documented_refusal(signed(msg_type, payload))


@given(st.sampled_from(SAMPLES), st.data())
def test_mutated_valid_payloads_raise_only_telemetry_error(
    sample: m.Message, data: st.DataObject
) -> None:
    payload = bytearray(m.encode_message(sample))
    for _ in range(data.draw(st.integers(1, 4))):
        if not payload:
            break
        index = data.draw(st.integers(0, len(payload) - 1))
        payload[index] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(payload)))
    try:
        decoded = m.decode_message(sample.TYPE, bytes(payload[:cut]))
    except TelemetryError:
        return
    # whatever decoded must encode again to the very bytes it came from
    assert m.encode_message(decoded) == bytes(payload[:cut])


@given(st.sampled_from(SAMPLES), st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1))
def test_every_sample_round_trips_inside_a_frame(sample: m.Message, seq: int, ack: int) -> None:
    frame = Frame(
        LinkRole.CLINICIAN,
        not sample.TYPE.is_request,
        sample.TYPE,
        seq,
        ack,
        m.encode_message(sample),
    )
    decoded = decode_frame(encode_frame(frame, CLIN.secret), keys)
    assert decoded == frame
    assert m.decode_message(decoded.msg_type, decoded.payload) == sample


@given(st.binary(max_size=400))
def test_notice_reader_never_raises(data: bytes) -> None:
    read_notice(data)
    read_notice(HEADER.pack(MAGIC, VERSION, 0, 1, 0xFF, 0, 0, len(data)) + data + bytes(32))


def test_declared_length_one_past_body_is_truncated_not_a_crash() -> None:
    header = HEADER.pack(MAGIC, VERSION, 1, 0, 1, 1, 0, 10)
    with pytest.raises(TelemetryError) as info:
        decode_frame(header + bytes(41), keys)
    assert info.value.code is ErrorCode.TRUNCATED

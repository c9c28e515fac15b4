"""Frame layout, tag and the rejection code of each malformed frame."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intrathecal.device.errors import DeviceError
from intrathecal.device.telemetry.errors import ErrorCode, TelemetryError
from intrathecal.device.telemetry.frame import (
    HEADER_SIZE,
    MAX_FRAME,
    MAX_PAYLOAD,
    TAG_SIZE,
    Frame,
    LinkRole,
    decode_frame,
    encode_frame,
)

from .telemetry_samples import key

CLIN = key()
PAT = key(LinkRole.PATIENT, fill=9)


def keys(role: LinkRole) -> bytes | None:
    return {LinkRole.CLINICIAN: CLIN.secret, LinkRole.PATIENT: PAT.secret}.get(role)


def frame(payload: bytes = b"\x01\x02", **kw: object) -> Frame:
    fields: dict[str, object] = {
        "role": LinkRole.CLINICIAN,
        "from_pump": False,
        "msg_type": 0x01,
        "sequence": 5,
        "ack": 0,
    }
    fields.update(kw)
    return Frame(payload=payload, **fields)  # type: ignore[arg-type]


def code_of(data: bytes) -> ErrorCode:
    with pytest.raises(TelemetryError) as info:
        decode_frame(data, keys)
    return info.value.code


def resign(raw: bytes, secret: bytes = CLIN.secret) -> bytes:
    """Recompute the tag of a hand-edited frame so only the edited field is wrong."""
    import hashlib
    import hmac

    body = raw[:-TAG_SIZE]
    return body + hmac.new(secret, body, hashlib.sha256).digest()


def test_frame_round_trips_every_header_field() -> None:
    original = frame(b"payload", role=LinkRole.PATIENT, from_pump=True, sequence=2**64 - 1, ack=9)
    data = encode_frame(original, PAT.secret)
    assert len(data) == HEADER_SIZE + len(b"payload") + TAG_SIZE
    assert data[:2] == b"IT"
    assert decode_frame(data, keys) == original


def test_header_layout_matches_documented_offsets() -> None:
    data = encode_frame(frame(b"xyz", sequence=0x0102, ack=0x0304), CLIN.secret)
    assert data[2] == 1  # version
    assert data[3] == LinkRole.CLINICIAN
    assert data[4] == 0  # flags
    assert data[5] == 0x01  # type
    assert struct.unpack(">Q", data[6:14])[0] == 0x0102
    assert struct.unpack(">Q", data[14:22])[0] == 0x0304
    assert struct.unpack(">H", data[22:24])[0] == 3
    assert data[24:27] == b"xyz"


def test_telemetry_error_belongs_to_the_device_error_family() -> None:
    assert issubclass(TelemetryError, DeviceError)


def test_frame_shorter_than_header_is_truncated() -> None:
    assert code_of(b"IT\x01") == ErrorCode.TRUNCATED


def test_frame_missing_tag_bytes_is_truncated() -> None:
    data = encode_frame(frame(), CLIN.secret)
    assert code_of(data[:-1]) == ErrorCode.TRUNCATED


def test_frame_above_size_limit_is_oversized() -> None:
    assert code_of(b"IT" + bytes(MAX_FRAME)) == ErrorCode.OVERSIZED


def test_declared_payload_above_limit_is_oversized() -> None:
    data = bytearray(encode_frame(frame(), CLIN.secret))
    data[22:24] = struct.pack(">H", MAX_PAYLOAD + 1)
    assert code_of(bytes(data)) == ErrorCode.OVERSIZED


def test_encoder_refuses_oversized_payload() -> None:
    with pytest.raises(TelemetryError) as info:
        encode_frame(frame(bytes(MAX_PAYLOAD + 1)), CLIN.secret)
    assert info.value.code == ErrorCode.OVERSIZED


def test_wrong_magic_is_rejected() -> None:
    data = b"XX" + encode_frame(frame(), CLIN.secret)[2:]
    assert code_of(data) == ErrorCode.BAD_MAGIC


def test_future_version_is_unsupported() -> None:
    data = bytearray(encode_frame(frame(), CLIN.secret))
    data[2] = 2
    assert code_of(resign(bytes(data))) == ErrorCode.UNSUPPORTED_VERSION


def test_reserved_flag_bits_are_malformed() -> None:
    data = bytearray(encode_frame(frame(), CLIN.secret))
    data[4] = 0x80
    assert code_of(resign(bytes(data))) == ErrorCode.MALFORMED_FRAME


def test_bytes_after_the_tag_are_malformed() -> None:
    assert code_of(encode_frame(frame(), CLIN.secret) + b"\x00") == ErrorCode.MALFORMED_FRAME


def test_undefined_role_byte_is_unknown_role() -> None:
    data = bytearray(encode_frame(frame(), CLIN.secret))
    data[3] = 7
    assert code_of(bytes(data)) == ErrorCode.UNKNOWN_ROLE


def test_role_without_paired_key_is_not_paired() -> None:
    data = encode_frame(frame(role=LinkRole.PATIENT), PAT.secret)
    with pytest.raises(TelemetryError) as info:
        decode_frame(data, lambda role: None)
    assert info.value.code == ErrorCode.NOT_PAIRED


def test_frame_signed_with_another_key_has_bad_tag() -> None:
    data = encode_frame(frame(), PAT.secret)  # claims clinician, signed with the patient key
    assert code_of(data) == ErrorCode.BAD_TAG


@given(st.data())
def test_flipping_any_signed_bit_breaks_the_tag_or_the_header(data: st.DataObject) -> None:
    raw = bytearray(encode_frame(frame(b"some payload"), CLIN.secret))
    index = data.draw(st.integers(0, len(raw) - 1))
    bit = data.draw(st.integers(0, 7))
    raw[index] ^= 1 << bit
    with pytest.raises(TelemetryError):
        decode_frame(bytes(raw), keys)


def test_non_bytes_input_is_a_telemetry_error() -> None:
    with pytest.raises(TelemetryError) as info:
        decode_frame("IT..", keys)  # type: ignore[arg-type]
    assert info.value.code == ErrorCode.MALFORMED_FRAME

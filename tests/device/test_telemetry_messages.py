"""Payload layouts: round trip of every message type, fixed wire units, payload rejections."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intrathecal.core.program import Continuous, PatientBolus, Prescription
from intrathecal.core.quantities import (
    Concentration,
    DoseRate,
    Duration,
    Mass,
    Volume,
    VolumeRate,
)
from intrathecal.device.telemetry import messages as m
from intrathecal.device.telemetry.errors import ErrorCode, TelemetryError
from intrathecal.device.telemetry.frame import LinkRole
from intrathecal.device.telemetry.wire import Reader, Writer

from .telemetry_samples import CONTINUOUS, FULL, MORPHINE, SAMPLES, T0


def code_of(msg_type: int, payload: bytes) -> ErrorCode:
    with pytest.raises(TelemetryError) as info:
        m.decode_message(msg_type, payload)
    return info.value.code


def test_every_message_type_has_a_sample() -> None:
    assert {s.TYPE for s in SAMPLES} == set(m.MessageType)


@pytest.mark.parametrize("message", SAMPLES, ids=lambda s: type(s).__name__)
def test_every_message_round_trips_through_its_payload(message: m.Message) -> None:
    payload = m.encode_message(message)
    assert m.decode_message(message.TYPE, payload) == message


@pytest.mark.parametrize("message", SAMPLES, ids=lambda s: type(s).__name__)
def test_truncating_any_payload_is_malformed(message: m.Message) -> None:
    payload = m.encode_message(message)
    for cut in range(len(payload)):
        assert code_of(message.TYPE, payload[:cut]) in {
            ErrorCode.MALFORMED_PAYLOAD,
            ErrorCode.OUT_OF_RANGE,
        }


@pytest.mark.parametrize("message", SAMPLES, ids=lambda s: type(s).__name__)
def test_trailing_payload_bytes_are_malformed(message: m.Message) -> None:
    assert code_of(message.TYPE, m.encode_message(message) + b"\x00") == (
        ErrorCode.MALFORMED_PAYLOAD
    )


def test_quantities_travel_as_integers_in_fixed_units() -> None:
    w = Writer()
    w.volume(Volume.parse("0.3 mL"))
    w.volume_rate(VolumeRate.parse("0.3 mL/day"))
    w.duration(Duration.parse("10 min"))
    w.concentration(Concentration.parse("10 mg/mL"))
    w.mass(Mass.parse("1.5 mg"))
    w.dose_rate(DoseRate.parse("3 mg/day"))
    r = Reader(w.bytes())
    assert [r.u32(), r.u32(), r.u32(), r.u32(), r.u64(), r.u64()] == [
        300_000,  # nL
        300_000,  # nL/day
        600,  # s
        10_000_000,  # ng/mL
        1_500_000,  # ng
        3_000_000,  # ng/day
    ]
    r.finish()


def test_mg_and_mcg_concentrations_stay_a_thousand_apart_on_the_wire() -> None:
    def wire(text: str) -> int:
        w = Writer()
        w.concentration(Concentration.parse(text))
        return Reader(w.bytes()).u32()

    assert wire("2 mg/mL") == 1000 * wire("2 mcg/mL")


@given(st.integers(0, 2**32 - 1))
def test_volume_wire_value_round_trips(nanolitres: int) -> None:
    volume = Volume(Fraction(nanolitres, 1_000_000), "mL")
    w = Writer()
    w.volume(volume)
    assert Reader(w.bytes()).volume() == volume


def test_volume_finer_than_a_nanolitre_is_not_representable() -> None:
    with pytest.raises(TelemetryError) as info:
        Writer().volume(Volume(Fraction(1, 3), "mL"))
    assert info.value.code == ErrorCode.NOT_REPRESENTABLE


def test_volume_beyond_field_width_is_out_of_range() -> None:
    with pytest.raises(TelemetryError) as info:
        Writer().volume(Volume.parse("5000 mL"))
    assert info.value.code == ErrorCode.OUT_OF_RANGE


def test_negative_volume_is_out_of_range() -> None:
    with pytest.raises(TelemetryError) as info:
        Writer().volume(Volume.parse("-1 mL"))
    assert info.value.code == ErrorCode.OUT_OF_RANGE


def test_naive_timestamp_is_refused() -> None:
    with pytest.raises(TelemetryError) as info:
        Writer().timestamp(datetime(2026, 1, 1))
    assert info.value.code == ErrorCode.OUT_OF_RANGE


def test_timestamp_outside_the_calendar_is_out_of_range() -> None:
    w = Writer()
    w.u64(2**63 - 1)
    with pytest.raises(TelemetryError) as info:
        Reader(w.bytes()).timestamp()
    assert info.value.code == ErrorCode.OUT_OF_RANGE


def test_timestamp_round_trips_to_the_microsecond() -> None:
    when = datetime(2026, 3, 29, 1, 30, 15, 123457, tzinfo=UTC)
    w = Writer()
    w.timestamp(when)
    assert Reader(w.bytes()).timestamp() == when


def test_undefined_message_type_is_unknown_type() -> None:
    assert code_of(0x55, b"") == ErrorCode.UNKNOWN_TYPE


def test_zero_basal_rate_component_is_refused_by_core_rules() -> None:
    payload = bytearray(m.encode_message(m.Program(CONTINUOUS)))
    # solution: count(1) + name len(1) + "morphine"(8) + concentration(4) -> basal kind at 14
    assert payload[14] == 1
    payload[11:15] = bytes(4)  # concentration 0 ng/mL
    assert code_of(m.MessageType.PROGRAM, bytes(payload)) == ErrorCode.OUT_OF_RANGE


def test_unknown_basal_kind_is_malformed() -> None:
    payload = bytearray(m.encode_message(m.Program(CONTINUOUS)))
    payload[14] = 9
    assert code_of(m.MessageType.PROGRAM, bytes(payload)) == ErrorCode.MALFORMED_PAYLOAD


def test_lockout_shorter_than_bolus_is_out_of_range() -> None:
    good = Prescription(
        MORPHINE,
        Continuous(VolumeRate.parse("0.3 mL/day")),
        patient_bolus=PatientBolus(
            Volume.parse("0.02 mL"), Duration.parse("5 min"), Duration.parse("5 min"), 4
        ),
    )
    payload = bytearray(m.encode_message(m.Program(good)))
    # patient bolus block is the last 13 bytes: volume(4) duration(4) lockout(4) count(1)
    payload[-5:-1] = (60).to_bytes(4, "big")  # lockout 60 s < duration 300 s
    assert code_of(m.MessageType.PROGRAM, bytes(payload)) == ErrorCode.OUT_OF_RANGE


def test_invalid_utf8_text_is_malformed() -> None:
    payload = m.encode_message(m.Ack(m.MessageType.STOP, "ok"))
    assert code_of(m.MessageType.ACK, payload[:2] + b"\xff\xfe") == ErrorCode.MALFORMED_PAYLOAD


def test_flag_byte_other_than_zero_or_one_is_malformed() -> None:
    payload = bytearray(m.encode_message(m.PatientStatus(T0, "x", (), True, 0, 4, None)))
    payload[8 + 2 + 1] = 2  # bolus_configured flag after time(8) + text(2) + alarm count(1)
    assert code_of(m.MessageType.PATIENT_STATUS_REPORT, bytes(payload)) == (
        ErrorCode.MALFORMED_PAYLOAD
    )


def test_undefined_error_code_in_reply_is_malformed() -> None:
    assert code_of(m.MessageType.ERROR, b"\x03\xe7\x00") == ErrorCode.MALFORMED_PAYLOAD


def test_bolus_decision_contradicting_itself_is_malformed() -> None:
    granted = next(s for s in SAMPLES if isinstance(s, m.BolusDecision) and s.granted)
    payload = bytearray(m.encode_message(granted))
    payload[0] = 0  # granted flag cleared while reason says GRANTED
    assert code_of(m.MessageType.BOLUS_DECISION, bytes(payload)) == ErrorCode.MALFORMED_PAYLOAD


def test_long_text_is_clipped_to_whole_characters() -> None:
    text = "µ" * 150  # 300 bytes in UTF-8
    clipped = m.clip(text)
    assert len(clipped.encode()) <= m.TEXT_LIMIT
    assert set(clipped) == {"µ"}


def test_full_prescription_survives_the_wire() -> None:
    decoded = m.decode_message(m.MessageType.PROGRAM, m.encode_message(m.Program(FULL)))
    assert isinstance(decoded, m.Program)
    assert decoded.prescription == FULL


@pytest.mark.parametrize(
    ("msg_type", "role", "allowed"),
    [
        (m.MessageType.PROGRAM, LinkRole.CLINICIAN, True),
        (m.MessageType.PROGRAM, LinkRole.PATIENT, False),
        (m.MessageType.STOP, LinkRole.PATIENT, False),
        (m.MessageType.INTERROGATE, LinkRole.PATIENT, False),
        (m.MessageType.PATIENT_BOLUS, LinkRole.PATIENT, True),
        (m.MessageType.PATIENT_BOLUS, LinkRole.CLINICIAN, False),
        (m.MessageType.PATIENT_STATUS, LinkRole.PATIENT, True),
        (m.MessageType.PATIENT_STATUS, LinkRole.CLINICIAN, True),
        (m.MessageType.ACK, LinkRole.CLINICIAN, False),
    ],
)
def test_role_table(msg_type: m.MessageType, role: LinkRole, allowed: bool) -> None:
    if allowed:
        m.check_role(msg_type, role)
    else:
        with pytest.raises(TelemetryError) as info:
            m.check_role(msg_type, role)
        assert info.value.code == ErrorCode.ROLE_FORBIDDEN


def test_patient_key_may_send_only_bolus_and_status_requests() -> None:
    allowed = {t for t in m.MessageType if LinkRole.PATIENT in m.ALLOWED_ROLES.get(t, ())}
    assert allowed == {m.MessageType.PATIENT_BOLUS, m.MessageType.PATIENT_STATUS}

"""The pump endpoint end to end: every rejection answered with its code, roles, replay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intrathecal.core.program import Continuous, Prescription
from intrathecal.core.quantities import Duration, Volume, VolumeRate
from intrathecal.device.endpoint import WIRE_REASONS, PumpEndpoint, bolus_reason
from intrathecal.device.errors import DeviceInputError
from intrathecal.device.models import default_catheter
from intrathecal.device.pump import Pump
from intrathecal.device.status import BolusDecision, BolusDenial
from intrathecal.device.telemetry import messages as m
from intrathecal.device.telemetry.client import TelemetryClient
from intrathecal.device.telemetry.errors import ErrorCode, TelemetryError
from intrathecal.device.telemetry.frame import LinkRole
from intrathecal.device.telemetry.notice import read_notice
from intrathecal.device.telemetry.session import Link, pair

from .pump_fixtures import RX, START, Rig, rig


def remote_code(action: object) -> ErrorCode:
    assert callable(action)
    with pytest.raises(TelemetryError) as info:
        action()
    return info.value.code


def test_interrogation_reports_the_pumps_own_view() -> None:
    r = rig()
    status = r.programmer.interrogate()
    assert status.pump_serial == "SN-E2E"
    assert status.model == "synchromed-ii-20"
    assert status.mode == "running"
    assert status.reservoir == Volume.parse("20 mL")
    assert status.prescription == RX
    assert status.programmed_rate == VolumeRate.parse("0.3 mL/day")
    assert [e.kind for e in status.log][-1] == "programmed"


def test_reported_reservoir_follows_delivery_at_nanolitre_resolution() -> None:
    r = rig()
    r.pump.advance_by(timedelta(days=10))
    assert r.programmer.interrogate().reservoir == Volume.parse("17 mL")
    r.pump.advance_by(timedelta(seconds=1))  # 0.3 mL/day for 1 s = 3.47 nL
    reported = r.programmer.interrogate().reservoir
    assert abs(reported - Volume.parse("16.999996528 mL")) <= Volume.parse("0.000001 mL")


def test_patient_key_cannot_program_the_pump() -> None:
    r = rig()
    rogue = TelemetryClient(r.patient.client.key, r.transport)
    assert remote_code(lambda: rogue.request(m.Program(RX))) is ErrorCode.ROLE_FORBIDDEN
    assert remote_code(lambda: rogue.request(m.Stop())) is ErrorCode.ROLE_FORBIDDEN
    assert remote_code(lambda: rogue.request(m.Interrogate())) is ErrorCode.ROLE_FORBIDDEN
    assert r.pump.status().mode.value == "running"
    assert [x.code for x in r.endpoint.rejections] == [ErrorCode.ROLE_FORBIDDEN] * 3


def test_patient_frame_relabelled_as_clinician_fails_the_tag() -> None:
    r = rig()
    link = Link(r.patient.client.key, pump_side=False)
    _, frame = link.seal(m.MessageType.STOP, b"")
    forged = bytearray(frame)
    forged[3] = LinkRole.CLINICIAN
    answer = r.endpoint.handle(bytes(forged))
    reply = r.programmer.client.link.open(answer)  # signed with the clinician key
    decoded = m.decode_message(reply.msg_type, reply.payload)
    assert isinstance(decoded, m.ErrorReply)
    assert decoded.code is ErrorCode.BAD_TAG
    assert r.pump.status().mode.value == "running"


def test_clinician_cannot_use_the_patient_bolus_button() -> None:
    r = rig()
    assert remote_code(lambda: r.programmer.client.request(m.PatientBolusRequest())) is (
        ErrorCode.ROLE_FORBIDDEN
    )


def test_replayed_stop_frame_is_rejected_and_changes_nothing() -> None:
    r = rig()
    r.programmer.stop()
    stop_frame = r.sent[-1]
    r.programmer.resume()
    answer = r.endpoint.handle(stop_frame)
    reply = r.programmer.client.link.open(answer)
    decoded = m.decode_message(reply.msg_type, reply.payload)
    assert isinstance(decoded, m.ErrorReply)
    assert decoded.code is ErrorCode.REPLAYED_SEQUENCE
    assert r.pump.status().mode.value == "running"


def test_unpaired_role_gets_an_unauthenticated_notice() -> None:
    r = rig()
    r.endpoint.unpair(LinkRole.PATIENT)
    with pytest.raises(TelemetryError) as info:
        r.patient.request_bolus()
    assert info.value.code is ErrorCode.NOT_PAIRED
    assert info.value.remote


def test_key_from_another_pump_cannot_be_installed() -> None:
    r = rig()
    with pytest.raises(TelemetryError) as info:
        r.endpoint.install(pair("OTHER", LinkRole.CLINICIAN))
    assert info.value.code is ErrorCode.NOT_PAIRED


def test_garbage_is_answered_with_a_notice_naming_the_fault() -> None:
    r = rig()
    notice = read_notice(r.endpoint.handle(b"hello"))
    assert notice is not None
    assert notice.code is ErrorCode.TRUNCATED


def test_reply_type_sent_to_the_pump_is_wrong_direction() -> None:
    r = rig()
    client = r.programmer.client
    assert remote_code(lambda: client.request(m.Ack(m.MessageType.STOP, "x"))) is (
        ErrorCode.WRONG_DIRECTION
    )


def test_unknown_message_type_is_answered_not_crashed() -> None:
    r = rig()
    link = r.programmer.client.link
    seq, frame = link.seal(0x42, b"")
    reply = link.open(r.endpoint.handle(frame))
    assert reply.ack == seq
    decoded = m.decode_message(reply.msg_type, reply.payload)
    assert isinstance(decoded, m.ErrorReply)
    assert decoded.code is ErrorCode.UNKNOWN_TYPE


def test_malformed_payload_is_answered_with_its_code() -> None:
    r = rig()
    link = r.programmer.client.link
    _, frame = link.seal(m.MessageType.SET_ALARM_THRESHOLD, b"\x00\x01")
    decoded = m.decode_message(*_reply(link, r.endpoint.handle(frame)))
    assert isinstance(decoded, m.ErrorReply)
    assert decoded.code is ErrorCode.MALFORMED_PAYLOAD


def _reply(link: Link, data: bytes) -> tuple[int, bytes]:
    frame = link.open(data)
    return frame.msg_type, frame.payload


def test_rate_above_the_pump_maximum_is_a_device_refusal() -> None:
    r = rig()
    fast = m.Program(Prescription(RX.solution, Continuous(VolumeRate.parse("30 mL/day"))))
    assert remote_code(lambda: r.programmer.client.request(fast)) is ErrorCode.DEVICE_REFUSED
    assert r.pump.status().prescription == RX


def test_refill_over_capacity_is_a_device_refusal() -> None:
    r = rig()
    over = m.Refill(Volume.zero(), Volume.parse("5 mL"), RX.solution)
    assert remote_code(lambda: r.programmer.client.request(over)) is ErrorCode.DEVICE_REFUSED


def test_withdrawing_more_than_is_there_is_out_of_range() -> None:
    r = rig()
    bad = m.Refill(Volume.parse("25 mL"), Volume.parse("5 mL"), RX.solution)
    assert remote_code(lambda: r.programmer.client.request(bad)) is ErrorCode.OUT_OF_RANGE


def test_second_bolus_while_one_runs_is_a_pump_state_refusal() -> None:
    r = rig()
    r.programmer.bolus(Volume.parse("0.1 mL"), Duration.parse("1 h"))
    assert (
        remote_code(lambda: r.programmer.bolus(Volume.parse("0.1 mL"), Duration.parse("1 h")))
        is ErrorCode.PUMP_STATE
    )


def test_tampered_reply_is_caught_by_the_controller() -> None:
    r = rig()

    def flip_last_bit(data: bytes) -> bytes:
        answer = r.endpoint.handle(data)
        return answer[:-1] + bytes([answer[-1] ^ 1])

    client = TelemetryClient(r.programmer.client.key, flip_last_bit)
    client.link.outgoing.last = 1000  # stay ahead of the programmer's own counter
    assert remote_code(lambda: client.request(m.Interrogate())) is ErrorCode.BAD_TAG


def test_reply_acknowledging_another_request_is_unexpected() -> None:
    r = rig()
    r.programmer.stop()
    captured = r.sent[-1]

    def answer_something_else(data: bytes) -> bytes:
        r.endpoint.handle(data)
        return r.endpoint.handle(captured)  # fresh, authentic, but acks the old request

    client = r.programmer.client
    client.transport = answer_something_else
    assert remote_code(lambda: client.request(m.Interrogate())) is ErrorCode.UNEXPECTED_REPLY


def test_every_pump_denial_has_a_wire_reason_other_than_granted() -> None:
    assert set(WIRE_REASONS) == set(BolusDenial)
    assert m.BolusReason.GRANTED not in WIRE_REASONS.values()


@pytest.mark.parametrize(
    ("denial", "reason"),
    [
        (BolusDenial.LOCKOUT, m.BolusReason.LOCKOUT),
        (BolusDenial.DAILY_MAXIMUM, m.BolusReason.DAILY_MAXIMUM),
        (BolusDenial.NOT_CONFIGURED, m.BolusReason.NOT_CONFIGURED),
        (BolusDenial.NO_FUNCTION, m.BolusReason.NOT_CONFIGURED),
        (BolusDenial.PUMP_STOPPED, m.BolusReason.PUMP_STOPPED),
        (BolusDenial.NOT_PROGRAMMED, m.BolusReason.PUMP_STOPPED),
        (BolusDenial.END_OF_SERVICE, m.BolusReason.PUMP_STOPPED),
        (BolusDenial.MOTOR_STALLED, m.BolusReason.ALARM),
        (BolusDenial.BOLUS_RUNNING, m.BolusReason.BOLUS_RUNNING),
        (BolusDenial.RESERVOIR_LOW, m.BolusReason.RESERVOIR_LOW),
    ],
)
def test_pump_denials_map_to_wire_reasons_whatever_the_message_says(
    denial: BolusDenial, reason: m.BolusReason
) -> None:
    decision = BolusDecision(
        False, "wording that names no reason", START, Volume.zero(), None, denial
    )
    assert bolus_reason(decision) is reason


def test_a_granted_decision_cannot_carry_a_denial_and_a_denied_one_must() -> None:
    with pytest.raises(DeviceInputError):
        BolusDecision(True, "granted", START, Volume.zero(), None, BolusDenial.LOCKOUT)
    with pytest.raises(DeviceInputError):
        BolusDecision(False, "lockout", START, Volume.zero(), None)


def test_log_total_counts_every_entry_written_when_the_log_is_bounded() -> None:
    pump = Pump("synchromed-ii-20", default_catheter(), "SN-CAP", START, log_capacity=3)
    pump.refill(added=Volume.parse("20 mL"), solution=RX.solution)
    pump.program(RX)
    for _ in range(4):
        pump.stop()
        pump.resume()
    written = pump.log[-1].seq
    assert written > len(pump.log) == 3
    report = PumpEndpoint(pump).status_report()
    assert report.log_total == written
    assert [e.index for e in report.log] == [written - 2, written - 1, written]


@settings(max_examples=60)
@given(st.binary(max_size=300))
def test_endpoint_answers_arbitrary_bytes_without_raising(data: bytes) -> None:
    r = _shared_rig()
    answer = r.endpoint.handle(data)
    assert read_notice(answer) is not None or r.programmer.client.link.open(answer)


@settings(max_examples=60)
@given(st.integers(0, 0x7F), st.binary(max_size=120))
def test_endpoint_survives_authenticated_garbage_payloads(msg_type: int, payload: bytes) -> None:
    r = _shared_rig()
    link = r.programmer.client.link
    _, frame = link.seal(msg_type, payload)
    reply = link.open(r.endpoint.handle(frame))
    m.decode_message(reply.msg_type, reply.payload)


_RIG: list[Rig] = []


def _shared_rig() -> Rig:
    """One rig for all hypothesis examples (building a pump per example is slow)."""
    if not _RIG:
        _RIG.append(rig())
    return _RIG[0]


def test_pump_without_telemetry_has_no_endpoint() -> None:
    pump = Pump("codman-3000", default_catheter(), "SN-FIXED", START)
    with pytest.raises(DeviceInputError):
        PumpEndpoint(pump)


def test_interrogation_counts_rejected_frames() -> None:
    r = rig()
    r.endpoint.handle(b"junk")
    rogue = TelemetryClient(r.patient.client.key, r.transport)
    with pytest.raises(TelemetryError):
        rogue.request(m.Stop())
    assert r.programmer.interrogate().rejected_frames == 2

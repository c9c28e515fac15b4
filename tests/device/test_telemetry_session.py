"""Pairing keys, per-direction sequence numbers, replay and direction checks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intrathecal.device.telemetry.errors import ErrorCode, TelemetryError
from intrathecal.device.telemetry.frame import LinkRole
from intrathecal.device.telemetry.session import (
    Link,
    LinkKey,
    ReplayGuard,
    SequenceCounter,
    pair,
)

from .telemetry_samples import key


def links() -> tuple[Link, Link]:
    shared = key()
    return Link(shared, pump_side=False), Link(shared, pump_side=True)


def code(action: object) -> ErrorCode:
    assert callable(action)
    with pytest.raises(TelemetryError) as info:
        action()
    return info.value.code


def test_pairing_makes_a_fresh_random_key_per_call() -> None:
    first, second = pair("SN1"), pair("SN1")
    assert first.secret != second.secret
    assert len(first.secret) == 32
    assert first.role is LinkRole.CLINICIAN


def test_key_repr_hides_the_secret() -> None:
    shared = pair("SN1", LinkRole.PATIENT)
    assert shared.secret.hex() not in repr(shared)
    assert "PATIENT" in repr(shared)


def test_key_of_wrong_length_is_refused() -> None:
    assert code(lambda: LinkKey("SN1", LinkRole.CLINICIAN, b"short")) is ErrorCode.NOT_PAIRED


def test_each_direction_counts_from_one() -> None:
    controller, pump = links()
    seq1, frame1 = controller.seal(0x01, b"")
    seq2, frame2 = controller.seal(0x01, b"")
    assert (seq1, seq2) == (1, 2)
    assert pump.open(frame1).sequence == 1
    reply_seq, reply = pump.seal(0x80, b"", ack=seq1)
    assert reply_seq == 1  # the pump's own counter, independent of the controller's
    assert controller.open(reply).ack == 1
    assert pump.open(frame2).sequence == 2


def test_replayed_frame_is_rejected() -> None:
    controller, pump = links()
    _, frame = controller.seal(0x07, b"")
    pump.open(frame)
    assert code(lambda: pump.open(frame)) is ErrorCode.REPLAYED_SEQUENCE


def test_stale_frame_delivered_late_is_rejected() -> None:
    controller, pump = links()
    _, old = controller.seal(0x07, b"")
    _, new = controller.seal(0x08, b"")
    pump.open(new)
    assert code(lambda: pump.open(old)) is ErrorCode.REPLAYED_SEQUENCE


def test_rejected_frame_does_not_advance_the_window() -> None:
    controller, pump = links()
    _, frame = controller.seal(0x07, b"")
    tampered = frame[:-1] + bytes([frame[-1] ^ 1])
    assert code(lambda: pump.open(tampered)) is ErrorCode.BAD_TAG
    assert pump.incoming.last == 0
    assert pump.open(frame).sequence == 1


def test_frame_reflected_back_to_its_sender_is_wrong_direction() -> None:
    controller, _ = links()
    _, frame = controller.seal(0x01, b"")
    assert code(lambda: controller.open(frame)) is ErrorCode.WRONG_DIRECTION


def test_frame_under_another_role_key_is_not_accepted() -> None:
    patient = Link(key(LinkRole.PATIENT, fill=9), pump_side=False)
    pump_clinician = Link(key(), pump_side=True)
    _, frame = patient.seal(0x02, b"")
    assert code(lambda: pump_clinician.open(frame)) is ErrorCode.NOT_PAIRED


@given(st.lists(st.integers(1, 1000), min_size=1, max_size=50))
def test_guard_accepts_exactly_the_strictly_increasing_subsequence(seqs: list[int]) -> None:
    guard = ReplayGuard()
    accepted = []
    for seq in seqs:
        if seq > guard.last:
            guard.accept(seq)
            accepted.append(seq)
        else:
            assert code(lambda s=seq: guard.accept(s)) is ErrorCode.REPLAYED_SEQUENCE
    assert accepted == sorted(set(accepted))
    expected, last = [], 0
    for seq in seqs:
        if seq > last:
            expected.append(seq)
            last = seq
    assert accepted == expected


def test_sequence_zero_is_never_accepted() -> None:
    assert code(lambda: ReplayGuard().accept(0)) is ErrorCode.REPLAYED_SEQUENCE


def test_counter_refuses_to_wrap() -> None:
    counter = SequenceCounter()
    counter.last = 2**64 - 1
    assert code(counter.next) is ErrorCode.OUT_OF_RANGE

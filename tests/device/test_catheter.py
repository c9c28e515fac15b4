"""The catheter value: geometry, tip level and integrity states."""

from __future__ import annotations

from fractions import Fraction

import pytest

from intrathecal.core.quantities import Volume
from intrathecal.device.catheter import Catheter, Integrity
from intrathecal.device.errors import DeviceInputError
from intrathecal.device.models import catheter_defaults, default_catheter


def test_catheter_volume_is_length_times_volume_per_cm() -> None:
    catheter = Catheter(Fraction(45), Volume.parse("2 µL"), "T10")
    assert catheter.volume == Volume.parse("0.09 mL")


def test_default_catheter_geometry_is_labelled_unverified() -> None:
    defaults = catheter_defaults()
    assert defaults.volume_per_cm.unverified
    assert defaults.length_cm.unverified
    assert default_catheter().volume == defaults.volume_per_cm.value.scaled(
        defaults.length_cm.value
    )


@pytest.mark.parametrize("level", ["T10", "C5", "L1", "T12", "S2"])
def test_vertebral_tip_levels_are_accepted(level: str) -> None:
    assert Catheter(50, Volume.parse("2 µL"), level).tip_level == level


@pytest.mark.parametrize("level", ["T13", "t10", "X1", "", "C0"])
def test_unknown_tip_levels_are_refused(level: str) -> None:
    with pytest.raises(DeviceInputError, match="vertebral level"):
        Catheter(50, Volume.parse("2 µL"), level)


def test_bad_geometry_is_refused() -> None:
    with pytest.raises(DeviceInputError):
        Catheter(0, Volume.parse("2 µL"))
    with pytest.raises(DeviceInputError):
        Catheter(50, Volume.parse("0 µL"))
    with pytest.raises(DeviceInputError):
        Catheter(True, Volume.parse("2 µL"))  # type: ignore[arg-type]


def test_integrity_decides_flow_and_tissue_share() -> None:
    intact = default_catheter()
    assert intact.flows
    assert intact.to_tissue == 0
    assert not intact.with_integrity(Integrity.OCCLUDED).flows
    assert intact.with_integrity(Integrity.TORN).to_tissue == Fraction(1, 2)
    assert intact.with_integrity(Integrity.TORN, Fraction(1, 5)).to_tissue == Fraction(1, 5)
    assert intact.with_integrity(Integrity.DISCONNECTED).to_tissue == 1
    assert intact.with_integrity(Integrity.MIGRATED).to_tissue == 1


def test_tissue_fraction_must_be_a_share_and_only_for_leaking_states() -> None:
    with pytest.raises(DeviceInputError):
        default_catheter().with_integrity(Integrity.TORN, Fraction(3, 2))
    with pytest.raises(DeviceInputError):
        default_catheter().with_integrity(Integrity.OCCLUDED, Fraction(1, 2))

"""Pump models come from data/pumps.yaml with a source and a status on every number."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from intrathecal.core.quantities import Volume, VolumeRate
from intrathecal.core.sourced_data import InvalidDataFile, Sourced, Status
from intrathecal.device.errors import UnknownPumpModel
from intrathecal.device.models import Behaviour, pump_model, pump_models


def sourced_values(obj: object) -> list[Sourced[object]]:
    out = []
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if isinstance(value, Sourced):
            out.append(value)
        elif value is not None and hasattr(value, "__dataclass_fields__"):
            out.extend(sourced_values(value))
    return out


def test_every_model_number_has_a_source_and_a_status() -> None:
    for model in pump_models().values():
        values = sourced_values(model)
        assert len(values) >= 5
        for value in values:
            assert value.source.citation.strip()
            assert isinstance(value.status, Status)


def test_synchromed_ii_facts_match_the_reference_digest() -> None:
    small, large = pump_model("synchromed-ii-20"), pump_model("synchromed-ii-40")
    assert small.reservoir_capacity.value == Volume(20, "mL")
    assert large.reservoir_capacity.value == Volume(40, "mL")
    assert small.min_rate is not None
    assert small.min_rate.value == VolumeRate.parse("0.048 mL/day")
    assert small.low_reservoir_default is not None
    assert small.low_reservoir_default.value == Volume(2, "mL")
    assert small.battery is not None
    assert small.battery.eri_to_eos.value.to("day") == 90
    assert small.battery.service_life_hard_max.value.to("day") * 4 == 7 * 1461
    assert small.behaviour is Behaviour.PROGRAMMABLE


def test_invented_limits_are_marked_unverified() -> None:
    model = pump_model("synchromed-ii-20")
    assert model.max_rate is not None
    assert model.max_rate.unverified
    assert model.internal_volume.unverified
    assert model.battery is not None
    assert model.battery.reference_rate.unverified


def test_prometra_uses_its_3_ml_refill_threshold_and_10_microlitre_valve_bolus() -> None:
    model = pump_model("prometra-ii-40")
    assert model.reservoir_capacity.value == Volume(40, "mL")
    assert model.low_reservoir_default is not None
    assert model.low_reservoir_default.value == Volume.parse("3.0 mL")
    assert model.valve_closing_bolus is not None
    assert model.valve_closing_bolus.value == Volume.parse("10 µL")
    assert model.mechanism == "valve_gated"


def test_fixed_rate_model_has_no_program_limits_and_unverified_physics() -> None:
    model = pump_model("codman-3000")
    assert model.behaviour is Behaviour.FIXED_RATE
    assert model.min_rate is None
    assert model.battery is None
    assert not model.has_alarms
    assert model.fixed_rate is not None
    assert model.fixed_rate.temperature_percent_per_c.unverified


def test_unknown_model_lists_the_known_ones() -> None:
    with pytest.raises(UnknownPumpModel, match="synchromed-ii-20"):
        pump_model("synchromed-iii")


def test_a_data_file_value_without_a_source_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "pumps.yaml"
    text = (Path(__file__).parents[2] / "src/intrathecal/data/pumps.yaml").read_text()
    bad.write_text(
        text.replace(
            'value: "20 mL"\n      status: literature\n      source: >-',
            'value: "20 mL"\n      status: literature\n      sourc: >-',
            1,
        )
    )
    with pytest.raises(InvalidDataFile, match="source"):
        pump_models(bad)

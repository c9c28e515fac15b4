"""Scenario files: each shipped scenario runs and does what its comment says; bad files."""

from __future__ import annotations

from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from intrathecal.core.quantities import Mass, Volume
from intrathecal.device.scenario import (
    ScenarioError,
    ScenarioResult,
    load_scenario,
    parse_scenario,
    run_scenario,
)

SCENARIOS = Path(str(resources.files("intrathecal.device").joinpath("scenarios")))
NEAR = Volume.parse("0.000001 mL")


def run(name: str) -> ScenarioResult:
    return run_scenario(load_scenario(SCENARIOS / f"{name}.yaml"))


def kinds(result: ScenarioResult) -> list[str]:
    return [a.kind for a in result.summary.alarms]


def test_every_shipped_scenario_parses_and_runs() -> None:
    files = sorted(SCENARIOS.glob("*.yaml"))
    assert len(files) >= 5
    for path in files:
        result = run_scenario(load_scenario(path))
        assert result.timeline
        assert len(result.samples) > 100


def test_normal_refill_cycle_refills_before_any_alarm() -> None:
    result = run("normal_refill_cycle")
    s = result.summary
    assert s.alarms == ()
    assert s.boluses_granted == 1
    assert s.denial_reasons == {"lockout": 2}
    # 150 days at 0.3 mL/day plus one 0.02 mL bolus, all into the CSF
    assert abs(s.to_csf - Volume.parse("45.02 mL")) < NEAR
    assert s.to_tissue.is_zero()
    assert [e.kind for e in result.timeline].count("refill") == 3


def test_missed_refill_alarms_at_sixty_days_and_empties_at_the_computed_time() -> None:
    result = run("missed_refill")
    low, empty = result.summary.alarms
    assert (low.kind, empty.kind) == ("low_reservoir", "empty_reservoir")
    # (20 - 2) mL / 0.3 mL/day = 60 days; 20 mL / 0.3 mL/day = 66 days 16 h
    assert low.at == result.start + timedelta(days=60)  # exact to the microsecond
    assert empty.at == result.start + timedelta(days=66, hours=16)
    assert empty.critical
    assert not low.critical
    assert result.summary.boluses_denied == 1
    assert result.summary.final_reservoir.is_zero()


def test_catheter_tear_sends_half_the_flow_to_tissue_without_an_alarm() -> None:
    result = run("catheter_tear")
    s = result.summary
    assert s.alarms == ()
    # intact 20 days then torn 20 days at 0.5 mL/day with a tissue fraction of 1/2
    assert abs(s.to_tissue - Volume.parse("5 mL")) < NEAR
    assert abs(s.to_csf - Volume.parse("15 mL")) < NEAR
    assert abs(s.drug_to_tissue["morphine"] - Mass.parse("50 mg")) < Mass.parse("0.001 mg")


def test_motor_stall_raises_a_critical_alarm_and_stops_delivery_until_cleared() -> None:
    result = run("motor_stall")
    (stall,) = result.summary.alarms
    assert stall.kind == "motor_stall"
    assert stall.critical
    assert stall.at == result.start + timedelta(days=10)
    assert result.summary.denial_reasons == {"alarm": 1}
    # 30 days minus the 2 stalled days at 0.3 mL/day
    assert abs(result.summary.to_csf - Volume.parse("8.4 mL")) < NEAR


def test_concentration_change_keeps_the_daily_dose_through_the_bridge() -> None:
    result = run("program_change_bridge")
    texts = [e.text for e in result.timeline if e.kind == "bolus"]
    assert any(t.startswith("bridge bolus") for t in texts)
    # 3 mg/day before and after the change, 60 days: 180 mg of morphine to the CSF
    got = result.summary.drug_to_csf["morphine"]
    assert abs(got - Mass.parse("180 mg")) < Mass.parse("0.5 mg")


BASE: dict[str, Any] = {
    "pump": {"model": "synchromed-ii-20"},
    "start": "2026-01-01T00:00:00Z",
    "duration": "10 days",
    "fill": "20 mL",
    "prescription": {
        "solution": [{"drug": "morphine", "concentration": "10 mg/mL"}],
        "basal": {"continuous": "0.3 mL/day"},
    },
    "patient": {"opioid_status": "tolerant"},
    "override": {
        "codes": ["starting_dose"],
        "reason": "established on systemic opioids",
        "clinician": "dr-a",
        "second_clinician": "dr-b",
    },
}


def bad(change: dict[str, Any]) -> str:
    data = yaml.safe_load(yaml.safe_dump(BASE))
    data.update(change)
    with pytest.raises(ScenarioError) as info:
        parse_scenario(data)
    return str(info.value)


def test_minimal_scenario_parses() -> None:
    assert parse_scenario(BASE).fill == Volume.parse("20 mL")


def test_missing_field_is_named() -> None:
    data = dict(BASE)
    del data["fill"]
    with pytest.raises(ScenarioError, match=r"^fill: missing"):
        parse_scenario(data)


def test_unknown_pump_model_is_named() -> None:
    assert bad({"pump": {"model": "acme-9000"}}).startswith("pump.model:")


def test_quantity_without_unit_is_named() -> None:
    assert bad({"duration": "10"}).startswith("duration:")


def test_naive_start_time_is_refused() -> None:
    assert "time zone" in bad({"start": "2026-01-01T00:00:00"})


def test_bad_prescription_field_is_named_with_its_path() -> None:
    message = bad({"prescription": {"solution": [{"drug": "morphine"}], "basal": {}}})
    assert message.startswith("prescription:")


def test_unknown_event_kind_is_refused() -> None:
    message = bad({"events": [{"at": "1 day", "explode": {}}]})
    assert message.startswith("events[0]:")


def test_event_after_the_end_is_refused() -> None:
    message = bad({"events": [{"at": "11 days", "stop": {}}]})
    assert message == "events[0].at: must lie within the duration"


def test_unknown_event_field_is_named() -> None:
    message = bad({"events": [{"at": "1 day", "clinician_bolus": {"volume": "0.1 mL", "x": 1}}]})
    assert message.startswith("events[0].clinician_bolus.x:")


def test_bad_catheter_integrity_lists_the_options() -> None:
    message = bad({"events": [{"at": "1 day", "fault": {"catheter": "melted"}}]})
    assert "torn" in message


def test_unknown_top_level_field_is_named() -> None:
    assert bad({"colour": "blue"}).startswith("colour:")


def test_unreadable_file_and_bad_yaml_are_scenario_errors(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "absent.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("pump: [unclosed", encoding="utf-8")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        load_scenario(broken)


def test_refused_command_is_recorded_not_raised() -> None:
    data = yaml.safe_load(yaml.safe_dump(BASE))
    data["events"] = [{"at": "1 day", "clear_fault": {}}]
    result = run_scenario(parse_scenario(data))
    assert result.summary.refused_commands == 1
    assert any(e.kind == "refused" for e in result.timeline)


def test_program_refused_by_safety_check_is_recorded() -> None:
    data = yaml.safe_load(yaml.safe_dump(BASE))
    rx = dict(data["prescription"], basal={"continuous": "3 mL/day"})
    data["events"] = [{"at": "1 day", "program": {"prescription": rx}}]
    result = run_scenario(parse_scenario(data))
    refused = [e.text for e in result.timeline if e.kind == "refused"]
    assert refused
    assert "safety check" in refused[0]


def test_slow_pump_residual_is_flagged_for_investigation() -> None:
    result = run("slow_pump_residual")
    _, refill = result.summary.refills
    assert refill.expected_residual == Volume.parse("4 mL")
    assert abs(refill.measured_residual - Volume.parse("6.5 mL")) < NEAR
    assert abs(refill.discrepancy - Volume.parse("2.5 mL")) < NEAR
    assert refill.investigate


def test_refill_records_carry_the_planned_dates() -> None:
    result = run("missed_refill")
    (first,) = result.summary.refills
    assert first.reservoir_after == Volume.parse("20 mL")
    assert first.alarm_expected is not None
    assert first.next_refill_due is not None
    assert first.next_refill_due <= first.alarm_expected


def test_fixed_rate_pump_cannot_be_scripted_through_a_programmer() -> None:
    assert bad({"pump": {"model": "codman-3000"}}).startswith("pump.model:")


def test_first_fill_above_the_naive_range_is_refused_without_recorded_tolerance() -> None:
    data = yaml.safe_load(yaml.safe_dump(BASE))
    del data["patient"]
    result = run_scenario(parse_scenario(data))
    refused = [e.text for e in result.timeline if e.kind == "refused"]
    assert refused
    assert "opioid-naive" in refused[0]
    assert result.summary.to_csf == Volume.parse("0 mL")


def test_bad_patient_profile_names_the_field() -> None:
    data = yaml.safe_load(yaml.safe_dump(BASE))
    data["patient"] = {"opioid_status": "sometimes"}
    with pytest.raises(ScenarioError, match="patient"):
        parse_scenario(data)

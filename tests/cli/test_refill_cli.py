"""`intrathecal refill plan`: success paths, JSON, and exit codes for bad input."""

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from intrathecal.cli import app
from intrathecal.core.sourced_data import load_data_file

runner = CliRunner()
BASE = ["refill", "plan", "--filled", "20 mL", "--filled-at", "2026-11-25T10:00"]


def _run(*args: str):
    return runner.invoke(app, [*BASE, *args])


def test_plan_prints_alarm_empty_and_due_dates():
    result = _run("--rate", "0.30 mL/day", "--reservoir", "20 mL", "--drug", "morphine")
    assert result.exit_code == 0, result.output
    assert "2027-01-24 10:00" in result.output  # alarm after 60 days
    assert "66 d 16 h" in result.output
    assert "unverified default" in result.output


def test_plan_json_uses_worst_case_rate_with_boluses():
    result = _run("--rate", "0.30 mL/day", "--worst-case-rate", "0.38 mL/day", "--json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["worst_case_used"] is True
    assert plan["alarm"]["after"]["unit"] == "day"
    assert plan["alarm"]["after"]["value"].startswith("47.368")
    assert plan["alarm_at_mean_rate"]["after"]["value"] == "60"
    assert plan["due"]["reason"] == "alarm_margin"


def test_plan_reads_rates_and_drugs_from_a_program_file(tmp_path: Path):
    program = {
        "solution": [{"drug": "morphine", "concentration": "10 mg/mL"}],
        "basal": {"continuous": "0.30 mL/day"},
        "patient_bolus": {
            "volume": "0.02 mL",
            "duration": "10 min",
            "lockout": "4 h",
            "max_per_day": 4,
        },
    }
    path = tmp_path / "program.yaml"
    path.write_text(yaml.safe_dump(program))
    result = _run("--program", str(path), "--json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["drugs"] == ["morphine"]
    assert plan["planning_daily_volume"]["value"] == "0.38"


def test_residual_discrepancy_is_a_warning_with_exit_0_and_exit_1_when_strict():
    residual = [
        "--rate",
        "0.30 mL/day",
        "--reservoir",
        "20 mL",
        "--last-fill",
        "18 mL",
        "--last-fill-at",
        "2026-10-21T10:00",
        "--measured-residual",
        "6.5 mL",
        "--last-rate",
        "0.40 mL/day",
    ]
    result = _run(*residual)
    assert result.exit_code == 0, result.output
    assert "investigate" in result.output
    assert "17.9 %" in result.output
    assert _run(*residual, "--strict").exit_code == 1


def test_post_refill_gap_is_reported():
    result = _run(
        "--rate",
        "0.30 mL/day",
        "--reservoir",
        "20 mL",
        "--injected",
        "20 mL",
        "--measured-after",
        "18.5 mL",
    )
    assert result.exit_code == 0, result.output
    assert "pocket fill" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rate", "0.30"], "no unit"),
        (["--rate", "0.30 mL"], "expected a volume rate"),
        (["--rate", "0.30 mg/day"], "expected a volume rate"),
        ([], "--rate is required"),
        (["--rate", "0.3 mL/day", "--alarm", "2"], "--alarm"),
        (["--rate", "0.3 mL/day", "--reservoir", "20 mg"], "expected a volume"),
        (["--rate", "0.3 mL/day", "--pump", "isomed"], "unknown pump family"),
        (["--rate", "0.3 mL/day", "--last-fill", "18 mL"], "needs --last-fill"),
        (["--rate", "0.3 mL/day", "--last-rate", "0.4 mL/day"], "--last-rate only"),
        (["--rate", "0.3 mL/day", "--injected", "20 mL"], "--measured-after is required"),
        (["--rate", "0.3 mL/day", "--program", "x.yaml"], "not both"),
        (["--program", "missing.yaml"], "cannot read"),
        (["--rate", "0.3 mL/day", "--reservoir", "10 mL"], "exceeds the reservoir"),
    ],
)
def test_bad_input_exits_2_with_a_one_line_message(args, message):
    result = _run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_bad_date_exits_2():
    result = runner.invoke(
        app, ["refill", "plan", "--filled", "20 mL", "--filled-at", "soon", "--rate", "1 mL/day"]
    )
    assert result.exit_code == 2
    assert "--filled-at" in result.output


def test_bad_program_file_exits_2(tmp_path: Path):
    path = tmp_path / "program.yaml"
    path.write_text("solution: []\nbasal: {continuous: 0.3}\n")
    result = _run("--program", str(path))
    assert result.exit_code == 2
    assert "--program" in result.output


def test_prometra_pump_and_undiluted_ziconotide_set_alarm_and_stability():
    result = _run(
        "--rate", "0.10 mL/day", "--pump", "prometra-ii", "--drug", "ziconotide",
        "--undiluted", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["alarm_volume"]["value"] == "3"
    assert plan["due"]["reason"] == "drug_stability"
    assert plan["due"]["after"]["value"] == "84"


def test_local_config_file_overrides_the_margin(tmp_path: Path):
    data = dict(load_data_file("refill.yaml"))
    data["refill_margin"] = {"value": "14 day", "status": "unverified", "source": "our clinic"}
    path = tmp_path / "refill.yaml"
    path.write_text(yaml.safe_dump(data))
    result = _run("--rate", "0.30 mL/day", "--config", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["due"]["after"]["value"] == "46"
    broken = tmp_path / "broken.yaml"
    broken.write_text("schema: 1\n")
    result = _run("--rate", "0.30 mL/day", "--config", str(broken))
    assert result.exit_code == 2
    assert "missing" in result.output


BRIDGE = [
    "--rate", "0.15 mL/day", "--drug", "morphine", "--old-concentration", "10 mg/mL",
    "--last-rate", "0.30 mL/day", "--catheter-length", "50 cm",
    "--catheter-volume-per-cm", "2 µL/cm", "--pump-internal-volume", "0.15 mL",
]  # fmt: skip


def test_bridge_and_priming_boluses_are_sized_from_catheter_and_pump_volumes():
    result = _run(*BRIDGE, "--empty-catheter", "30 cm", "--priming-rate", "1 mL/h", "--json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["bridge_bolus"]["volume"]["value"] == "0.25"  # 0.15 + 50 x 0.002 mL
    assert plan["bridge_bolus"]["duration"]["value"] == "0.833333333333"  # 0.25 / 0.30 day
    assert plan["bridge_bolus"]["volume"]["unit"] == "mL"
    assert plan["bridge_bolus"]["duration"]["unit"] == "day"
    assert plan["priming_bolus"]["volume"] == {"value": "0.21", "unit": "mL"}  # 0.15 + 30 x 0.002
    assert {f["rule"] for f in plan["findings"]} >= {"bridge_bolus", "priming_bolus"}


@pytest.mark.parametrize(
    ("drop", "extra", "message"),
    [
        ("--last-rate", [], "needs --last-rate"),
        ("--pump-internal-volume", [], "--pump-internal-volume is required"),
        ("--catheter-volume-per-cm", [], "--catheter-volume-per-cm"),
        (None, ["--drug", "clonidine"], "exactly one drug"),
        (None, ["--empty-catheter", "30 cm"], "--priming-rate is required"),
    ],
)
def test_bridge_and_priming_need_all_their_inputs(drop, extra, message):
    args = list(BRIDGE)
    if drop is not None:
        index = args.index(drop)
        del args[index : index + 2]
    result = _run(*args, *extra)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_bad_catheter_length_unit_exits_2():
    args = [a if a != "50 cm" else "50" for a in BRIDGE]
    result = _run(*args)
    assert result.exit_code == 2
    assert "--catheter-length" in result.output


@pytest.mark.parametrize(
    ("rate", "filled_at", "message"),
    [
        ("0.000001 mL/day", "2026-11-25T10:00", "after the year 9999"),
        ("0.3 mL/day", "9999-12-31T10:00", "lies in the future"),
    ],
)
def test_plan_whose_dates_pass_the_calendar_is_a_one_line_error(
    rate: str, filled_at: str, message: str
):
    result = runner.invoke(
        app, ["refill", "plan", "--filled", "20 mL", "--filled-at", filled_at, "--rate", rate]
    )
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--filled", "200 mL"], "--filled: 200 mL is more than the largest synchromed-ii"),
        (["--filled", "20 mL", "--reservoir", "500 mL"], "--reservoir: 500 mL is more"),
        (["--filled", "30 mL", "--pump", "prometra-ii"], None),
        (["--filled", "20 mL", "--filled-at", "2099-01-01T08:00"], "lies in the future"),
        (
            [
                *("--filled", "20 mL", "--last-fill", "18 mL"),
                *("--last-fill-at", "2026-10-21T10:00", "--measured-residual", "60 mL"),
            ],
            "--measured-residual: 60 mL is more than the largest synchromed-ii reservoir",
        ),
    ],
)
def test_a_fill_must_fit_the_pump_and_have_been_done(extra: list[str], message: str | None):
    args = ["refill", "plan", "--rate", "0.3 mL/day", "--filled-at", "2026-11-25T10:00"]
    result = runner.invoke(app, [*args, *extra])
    if message is None:  # Prometra II comes with a 40 mL reservoir too
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1

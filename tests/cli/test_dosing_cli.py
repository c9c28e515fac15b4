"""The ``drugs`` and ``program check`` commands: output, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from intrathecal.cli import dosing
from intrathecal.cli._common import EXIT_BAD_INPUT, EXIT_OK, EXIT_REFUSED

runner = CliRunner()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    root = typer.Typer(pretty_exceptions_enable=False)
    dosing.register(root)
    return root


def run(app: typer.Typer, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, " ".join(result.output.split())


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


MORPHINE_OK = """
solution:
  - {drug: morphine, concentration: 10 mg/mL}
  - {drug: bupivacaine, concentration: 5 mg/mL}
basal: {continuous: 0.3 mL/day}
periodic: [{volume: 0.05 mL, duration: 10 min, every: 6 h, first_at: 0 h}]
patient_bolus: {volume: 0.02 mL, duration: 5 min, lockout: 4 h, max_per_day: 4}
"""


# --- drugs ------------------------------------------------------------------------------


def test_drugs_table_lists_every_drug_and_marks_unverified_values(app: typer.Typer) -> None:
    code, out = run(app, "drugs")
    assert code == EXIT_OK
    for name in ("morphine", "hydromorphone", "ziconotide", "baclofen", "clonidine"):
        assert name in out
    assert "unverified" in out
    assert "19.2 mcg/day" in out


def test_drugs_json_gives_each_value_with_source_and_status(app: typer.Typer) -> None:
    code, _ = run(app, "drugs", "--json")
    assert code == EXIT_OK
    data = json.loads(runner.invoke(app, ["drugs", "--json"]).stdout)
    assert data["rule_set"] == "us"
    morphine = next(d for d in data["drugs"] if d["name"] == "morphine")
    assert morphine["max_daily_dose"]["value"] == "15 mg/day"
    assert morphine["max_daily_dose"]["status"] == "unverified"
    assert morphine["max_daily_dose"]["unverified"] is True
    assert morphine["max_daily_dose"]["source"] == "PACC 2012"
    fentanyl = next(d for d in data["drugs"] if d["name"] == "fentanyl")
    assert fentanyl["max_daily_dose"]["value"] == "1000 mcg/day"
    assert fentanyl["max_daily_dose"]["unverified"] is True


def test_drugs_eu_rule_set_shows_the_eu_ziconotide_maximum(app: typer.Typer) -> None:
    data = json.loads(runner.invoke(app, ["drugs", "--rule-set", "eu", "--json"]).stdout)
    ziconotide = next(d for d in data["drugs"] if d["name"] == "ziconotide")
    assert ziconotide["max_daily_dose"]["value"] == "21.6 mcg/day"
    assert ziconotide["max_daily_dose"]["status"] == "label"


def test_drugs_unknown_rule_set_is_bad_input(app: typer.Typer) -> None:
    code, out = run(app, "drugs", "--rule-set", "uk")
    assert code == EXIT_BAD_INPUT
    assert "unknown rule set 'uk'" in out
    assert "us, eu" in out


# --- program check: results ----------------------------------------------------------------


def test_check_file_within_limits_exits_0_with_summary(app: typer.Typer, tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", MORPHINE_OK)
    code, out = run(app, "program", "check", path, "--current", path)
    assert code == EXIT_OK
    assert "morphine: 5 mg/day (worst case 5.8 mg/day)" in out
    assert "bupivacaine: 2.5 mg/day" in out
    assert "OK" in out


def test_check_json_reports_verdict_summary_and_findings(app: typer.Typer, tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", MORPHINE_OK)
    result = runner.invoke(app, ["program", "check", path, "--current", path, "--json"])
    assert result.exit_code == EXIT_OK
    data = json.loads(result.stdout)
    assert data["verdict"] == "ok"
    assert data["summary"]["daily_dose"]["morphine"] == {"value": "5", "unit": "mg/day"}
    assert data["summary"]["worst_case_daily_volume"] == {"value": "0.58", "unit": "mL"}
    assert data["program"]["basal"] == {"continuous": "0.3 mL/day"}
    assert all(f["severity"] == "info" for f in data["findings"])


def test_check_flags_above_maximum_exits_1_with_the_limit_and_source(app: typer.Typer) -> None:
    code, out = run(
        app,
        "program",
        "check",
        "--drug",
        "morphine",
        "--concentration",
        "10 mg/mL",
        "--dose",
        "18 mg/day",
    )
    assert code == EXIT_REFUSED
    assert "HARD max_daily_dose" in out
    assert "morphine 18 mg/day exceeds the 15 mg/day maximum (PACC 2012, unverified default)" in out
    assert "REFUSED" in out


def test_check_soft_findings_exit_0_and_ask_for_an_override(app: typer.Typer) -> None:
    code, out = run(
        app,
        "program",
        "check",
        "--drug",
        "hydromorphone",
        "--concentration",
        "2 mcg/mL",
        "--rate",
        "0.25 mL/day",
    )
    assert code == EXIT_OK
    assert "SOFT unit_slip" in out
    assert "NEEDS OVERRIDE" in out
    assert "second clinician" in out


def test_check_against_current_file_applies_change_rules(app: typer.Typer, tmp_path: Path) -> None:
    current = write(tmp_path, "c.yaml", MORPHINE_OK)
    proposed = write(tmp_path, "p.yaml", MORPHINE_OK.replace("0.3 mL/day", "0.5 mL/day"))
    result = runner.invoke(app, ["program", "check", proposed, "--current", current, "--json"])
    data = json.loads(result.stdout)
    rises = {f["drug"] for f in data["findings"] if f["rule"] == "dose_increase"}
    assert rises == {"morphine", "bupivacaine"}
    assert data["verdict"] == "needs_override"
    assert result.exit_code == EXIT_OK


def test_check_max_increase_option_tightens_the_general_limit(app: typer.Typer) -> None:
    args = [
        "program",
        "check",
        "--drug",
        "morphine",
        "--concentration",
        "10 mg/mL",
        "--dose",
        "5.6 mg/day",
        "--current-dose",
        "5 mg/day",
    ]
    assert "dose_increase" not in run(app, *args)[1]
    code, out = run(app, *args, "--max-increase", "10 %")
    assert code == EXIT_OK
    assert "above the 10 % per-change limit (set by the caller, unverified)" in out
    code, out = run(app, *args, "--max-increase", "ten")
    assert code == EXIT_BAD_INPUT
    assert "--max-increase: expected a percentage" in out


def test_drugs_json_includes_titration_limits(app: typer.Typer) -> None:
    data = json.loads(runner.invoke(app, ["drugs", "--json"]).stdout)
    by_name = {d["name"]: d for d in data["drugs"]}
    assert by_name["ziconotide"]["titration"]["max_steps"]["value"] == "3 per 7 day"
    window = by_name["baclofen"]["titration"]["increase_per_24h"]
    assert window["spinal"]["value"] == "30 %"
    assert window["cerebral"]["value"] == "15 %"
    assert by_name["morphine"]["titration"] == {}


def test_check_ziconotide_step_with_history_flags(app: typer.Typer) -> None:
    base = [
        "program",
        "check",
        "--drug",
        "ziconotide",
        "--concentration",
        "25 mcg/mL",
        "--current-dose",
        "2.4 mcg/day",
        "--now",
        "2026-03-10T09:00",
        "--no-psychosis-history",
    ]
    code, out = run(app, *base, "--dose", "4.8 mcg/day", "--step-at", "2026-03-09T09:00")
    assert code == EXIT_OK
    assert "OK" in out
    code, out = run(app, *base, "--dose", "6 mcg/day")
    assert code == EXIT_REFUSED
    assert "step of 3.6 mcg/day" in out
    steps = [a for d in ("03", "05", "08") for a in ("--step-at", f"2026-03-{d}T10:00")]
    code, out = run(app, *base, "--dose", "4.8 mcg/day", *steps)
    assert code == EXIT_REFUSED
    assert "titration_frequency" in out


def test_check_psychosis_history_refuses_ziconotide(app: typer.Typer) -> None:
    code, out = run(
        app,
        "program",
        "check",
        "--drug",
        "ziconotide",
        "--concentration",
        "25 mcg/mL",
        "--rate",
        "0.048 mL/day",
        "--psychosis-history",
    )
    assert code == EXIT_REFUSED
    assert "contraindicated" in out


def test_check_eu_rule_set_allows_ziconotide_above_the_us_maximum(app: typer.Typer) -> None:
    args = [
        "program",
        "check",
        "--drug",
        "ziconotide",
        "--concentration",
        "100 mcg/mL",
        "--dose",
        "20 mcg/day",
        "--current-dose",
        "19 mcg/day",
        "--now",
        "2026-03-10T09:00",
        "--no-psychosis-history",
    ]
    assert run(app, *args)[0] == EXIT_REFUSED
    assert run(app, *args, "--rule-set", "eu")[0] == EXIT_OK


# --- program check: bad input ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--drug", "morphine", "--concentration", "10", "--rate", "0.3 mL/day"],
            "--concentration: '10' has no unit",
        ),
        (
            ["--drug", "morphine", "--concentration", "10 mg", "--rate", "0.3 mL/day"],
            "expected a concentration such as '10 mg/mL', got a mass '10 mg'",
        ),
        (
            ["--drug", "morphine", "--concentration", "10 mg/mL", "--rate", "0.3 mg/day"],
            "--rate: expected a volume rate",
        ),
        (
            ["--drug", "morphine", "--concentration", "10 mg/mL", "--dose", "3 mg"],
            "--dose: expected a dose rate",
        ),
        (
            ["--drug", "oxycodone", "--concentration", "10 mg/mL", "--rate", "0.3 mL/day"],
            "unknown drug 'oxycodone'; the catalogue knows morphine",
        ),
        (["--drug", "morphine", "--concentration", "10 mg/mL"], "exactly one of --rate"),
        (
            [
                "--drug",
                "morphine",
                "--concentration",
                "10 mg/mL",
                "--rate",
                "0.3 mL/day",
                "--dose",
                "3 mg/day",
            ],
            "exactly one of --rate",
        ),
        (["--concentration", "10 mg/mL", "--rate", "0.3 mL/day"], "needs --drug"),
        ([], "give a program FILE"),
        (
            [
                "--drug",
                "morphine",
                "--concentration",
                "10 mg/mL",
                "--rate",
                "0.3 mL/day",
                "--rule-set",
                "uk",
            ],
            "unknown rule set",
        ),
        (
            [
                "--drug",
                "morphine",
                "--concentration",
                "10 mg/mL",
                "--rate",
                "0.3 mL/day",
                "--now",
                "yesterday",
            ],
            "--now: expected an ISO date-time",
        ),
        (
            [
                "--drug",
                "ziconotide",
                "--concentration",
                "25 mcg/mL",
                "--rate",
                "0.048 mL/day",
                "--step-at",
                "2026-03-01T09:00",
            ],
            "--step-at needs --now",
        ),
        (
            [
                "--drug",
                "ziconotide",
                "--concentration",
                "25 mcg/mL",
                "--rate",
                "0.048 mL/day",
                "--now",
                "2026-03-10T09:00+00:00",
                "--step-at",
                "2026-03-01T09:00",
            ],
            "time zone",
        ),
    ],
)
def test_check_bad_flags_exit_2_with_one_line_saying_what_was_expected(
    app: typer.Typer, args: list[str], expected: str
) -> None:
    result = runner.invoke(app, ["program", "check", *args])
    assert result.exit_code == EXIT_BAD_INPUT
    assert result.exception is None or isinstance(result.exception, SystemExit)
    message = " ".join(result.output.split())
    assert message.startswith("error:")
    assert expected in message
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("solution: [\n", "not valid YAML at line"),
        ("", "prescription: expected a mapping, got nothing"),
        (MORPHINE_OK.replace("10 mg/mL", "10"), "solution[0].concentration"),
        (MORPHINE_OK.replace("0.3 mL/day", "0.3 mL"), "basal.continuous: expected a volume rate"),
        (MORPHINE_OK.replace("morphine", "oxycodone"), "unknown drug 'oxycodone'"),
    ],
)
def test_check_bad_files_exit_2_with_the_file_and_field(
    app: typer.Typer, tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path, "bad.yaml", text)
    code, out = run(app, "program", "check", path)
    assert code == EXIT_BAD_INPUT
    assert expected in out


def test_check_missing_file_exits_2(app: typer.Typer, tmp_path: Path) -> None:
    code, out = run(app, "program", "check", str(tmp_path / "nope.yaml"))
    assert code == EXIT_BAD_INPUT
    assert "no such program file" in out


def test_check_refuses_file_and_flags_together(app: typer.Typer, tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", MORPHINE_OK)
    code, out = run(app, "program", "check", path, "--drug", "morphine")
    assert code == EXIT_BAD_INPUT
    assert "not both" in out


def test_root_app_registers_the_dosing_commands() -> None:
    from intrathecal.cli import app as root

    result = runner.invoke(root, ["program", "check", "--help"])
    assert result.exit_code == EXIT_OK
    assert "--concentration" in result.output


def test_screening_start_doubles_a_short_acting_baclofen_bolus(app: typer.Typer) -> None:
    code, out = run(
        app, "program", "screening-start", "--effective-dose", "50 mcg", "--effect-duration", "6 h"
    )
    assert code == EXIT_OK
    assert "100 mcg/day" in out
    assert "literature" in out
    long = runner.invoke(
        app,
        [
            "program",
            "screening-start",
            "--effective-dose",
            "75 mcg",
            "--effect-duration",
            "8 h",
            "--json",
        ],
    )
    assert json.loads(long.stdout)["daily_dose"] == {"value": "75", "unit": "mcg/day"}


def test_check_explains_a_fentanyl_slip_in_one_screen(app: typer.Typer) -> None:
    code, out = run(
        app,
        "program",
        "check",
        "--drug",
        "fentanyl",
        "--concentration",
        "10 mg/mL",
        "--rate",
        "3 mL/day",
        "--opioid-status",
        "tolerant",
    )
    assert code == EXIT_REFUSED
    assert "fentanyl 30000 mcg/day exceeds the 1000 mcg/day maximum" in out
    assert "project default, unverified" in out
    assert "REFUSED" in out
    assert len(out.splitlines()) < 25

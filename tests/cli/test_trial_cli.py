"""`intrathecal trial evaluate` and `trial rules`: outcomes, JSON, exit codes."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from intrathecal.cli import app

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "trial-morphine.yaml"


def _write(tmp_path: Path, data: object) -> str:
    path = tmp_path / "trial.yaml"
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return str(path)


def test_example_trial_succeeds_and_recommends_referral():
    result = runner.invoke(app, ["trial", "evaluate", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "SUCCESS" in result.output
    assert "neurosurgeon" in result.output
    assert "62.5 %" in result.output


def test_example_trial_json_under_the_payer_rule():
    result = runner.invoke(app, ["trial", "evaluate", str(EXAMPLE), "--rule", "payer-8h", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    evaluation = body["evaluation"]
    assert evaluation["outcome"] == "failure"
    assert evaluation["rule"]["key"] == "payer-8h"
    assert body["record"]["baseline"]["value"] == "8"


def test_failed_trial_still_exits_0(tmp_path: Path):
    data = yaml.safe_load(EXAMPLE.read_text())
    data["side_effects"] = [{"effect": "sedation", "severity": "severe", "at": "2 h"}]
    result = runner.invoke(app, ["trial", "evaluate", _write(tmp_path, data)])
    assert result.exit_code == 0, result.output
    assert "FAILURE" in result.output
    assert "sedation" in result.output


def test_inconclusive_trial_without_scores(tmp_path: Path):
    data = yaml.safe_load(EXAMPLE.read_text())
    data["scores"] = []
    data["side_effects"] = []
    result = runner.invoke(app, ["trial", "evaluate", _write(tmp_path, data), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["evaluation"]["outcome"] == "inconclusive"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("baseline: {nrs: 8}\ninjections: [{drug: morphine, dose: '0.2', at: 0 h}]\n", "no unit"),
        ("baseline: {nrs: 14}\ninjections: [{drug: morphine, dose: 0.2 mg}]\n", "0..10"),
        ("baseline: [unclosed\n", "not valid YAML"),
        ("- just a list\n", "expected a mapping"),
    ],
)
def test_bad_trial_files_exit_2(tmp_path: Path, content, message):
    result = runner.invoke(app, ["trial", "evaluate", _write(tmp_path, content)])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("started", "message"),
    [
        (datetime(2099, 11, 20, 8, tzinfo=UTC), "started_at: 2099-11-20T08:00:00+00:00 lies in"),
        (datetime.now(UTC) - timedelta(hours=2), "observation 9 h after the start lies in"),
    ],
)
def test_a_trial_still_to_come_is_refused_as_the_clinic_refuses_it(
    tmp_path: Path, started: datetime, message: str
) -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["started_at"] = started.isoformat(timespec="minutes")
    for command in ("evaluate", "propose"):
        result = runner.invoke(app, ["trial", command, _write(tmp_path, data)])
        assert result.exit_code == 2, result.output
        assert message in result.output


def test_missing_file_and_unknown_rule_exit_2():
    assert runner.invoke(app, ["trial", "evaluate", "nope.yaml"]).exit_code == 2
    result = runner.invoke(app, ["trial", "evaluate", str(EXAMPLE), "--rule", "lenient"])
    assert result.exit_code == 2
    assert "unknown trial rule" in result.output


def test_rules_lists_every_rule_with_status():
    result = runner.invoke(app, ["trial", "rules"])
    assert result.exit_code == 0, result.output
    for key in ("standard", "payer-8h", "ziconotide-bolus"):
        assert key in result.output
    assert "unverified" in result.output
    body = json.loads(runner.invoke(app, ["trial", "rules", "--json"]).stdout)
    assert body["default_rule"] == "standard"


def test_trial_propose_shows_sourced_and_unverified_parts_and_checks_the_program(
    tmp_path: Path,
) -> None:
    record = tmp_path / "morphine.yaml"
    record.write_text(
        "drug: morphine\nbaseline: {nrs: 8}\ninjections: [{dose: 0.3 mg}]\n"
        "scores: [{at: 2 h, nrs: 3}, {at: 8 h, nrs: 3}]\n",
        "utf-8",
    )
    shown = runner.invoke(app, ["trial", "propose", str(record), "--opioid-status", "naive"])
    assert shown.exit_code == 0, shown.output
    assert "0.3 mg/day" in shown.output
    assert "UNVERIFIED: project default" in shown.output
    assert "sourced: Infumorph label" in shown.output
    assert "nothing has been programmed" in shown.output
    data = json.loads(runner.invoke(app, ["trial", "propose", str(record), "--json"]).stdout)
    assert data["verdict"] == "ok"
    assert data["proposal"]["daily_dose"] == {"value": "0.3", "unit": "mg/day"}
    refused = runner.invoke(app, ["trial", "propose", str(record), "--strength", "2 mcg/mL"])
    assert refused.exit_code == 1
    assert "pump_rate_range" in refused.output


def test_trial_propose_refuses_a_trial_that_did_not_succeed(tmp_path: Path) -> None:
    record = tmp_path / "failed.yaml"
    record.write_text(
        "drug: morphine\nbaseline: {nrs: 8}\ninjections: [{dose: 0.3 mg}]\n"
        "scores: [{at: 2 h, nrs: 7}, {at: 8 h, nrs: 7}]\n",
        "utf-8",
    )
    result = runner.invoke(app, ["trial", "propose", str(record)])
    assert result.exit_code == 2
    assert "only from a successful trial" in result.output
    assert "Traceback" not in result.output


BACLOFEN = Path(__file__).resolve().parents[2] / "examples" / "trial-baclofen.yaml"


def test_the_baclofen_example_is_judged_on_spasticity_and_starts_as_worked_example_4() -> None:
    evaluated = runner.invoke(app, ["trial", "evaluate", str(BACLOFEN), "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    evaluation = json.loads(evaluated.stdout)["evaluation"]
    assert evaluation["outcome"] == "success"
    assert evaluation["effective_injection"]["dose"] == {"value": "75", "unit": "mcg"}
    proposed = runner.invoke(app, ["trial", "propose", str(BACLOFEN), "--json"])
    assert proposed.exit_code == 0, proposed.output
    data = json.loads(proposed.stdout)
    assert data["proposal"]["daily_dose"] == {"value": "150", "unit": "mcg/day"}
    assert data["program"]["basal"] == {"continuous": "0.3 mL/day"}


def test_trial_rules_lists_the_spasticity_rule_with_its_statuses() -> None:
    result = runner.invoke(app, ["trial", "rules"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "never judged on pain NRS" in result.output
    line = next(x for x in result.output.splitlines() if "min_drop_points" in x)
    assert "unverified" in line
    assert "eviCore" in line

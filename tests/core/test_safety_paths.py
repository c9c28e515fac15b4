"""One policy on every path: the CLI, the clinician programmer and the core entry point give
the same verdict and findings for the same program, history and patient (issue 8)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from intrathecal.cli import app as cli_app
from intrathecal.core.program import Continuous, PatientBolus, Prescription, Solution
from intrathecal.core.program_spec import prescription_to_dict
from intrathecal.core.quantities import (
    Concentration,
    DoseRate,
    Duration,
    Mass,
    Volume,
    VolumeRate,
)
from intrathecal.core.safety import (
    DosingProfile,
    History,
    OpioidStatus,
    SafetyReport,
    TrialDoseRequest,
    check_screening_start,
    check_trial_doses,
)
from intrathecal.core.serialize import to_jsonable
from tests.core.safety_support import check
from tests.device.pump_fixtures import rig

runner = CliRunner()

STRENGTHS = {
    "morphine": ["1 mg/mL", "10 mg/mL", "25 mg/mL"],
    "hydromorphone": ["2 mg/mL", "10 mg/mL"],
    "fentanyl": ["500 mcg/mL", "10 mg/mL"],
    "ziconotide": ["25 mcg/mL", "100 mcg/mL"],
    "baclofen": ["500 mcg/mL", "2000 mcg/mL"],
    "clonidine": ["500 mcg/mL"],
}


@st.composite
def programs(draw: st.DrawFn) -> Prescription:
    drug = draw(st.sampled_from(sorted(STRENGTHS)))
    strength = Concentration.parse(draw(st.sampled_from(STRENGTHS[drug])))
    rate = VolumeRate.parse(f"{draw(st.integers(5, 300)) / 100} mL/day")
    bolus = None
    if draw(st.booleans()):
        bolus = PatientBolus(
            Volume.parse("0.02 mL"), Duration.parse("5 min"), Duration.parse("4 h"), 3
        )
    return Prescription(Solution.single(drug, strength), Continuous(rate), (), bolus)


def _verdict(report: SafetyReport) -> str:
    if report.refused:
        return "refused"
    return "needs_override" if report.needs_override else "ok"


def _findings(report: SafetyReport) -> list[tuple[str, str, str | None, str]]:
    return sorted((f.rule, f.severity.value, f.drug, f.message) for f in report.findings)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(proposed=programs(), running=programs(), status=st.sampled_from(list(OpioidStatus)))
def test_cli_programmer_and_core_give_the_same_verdict_and_findings(
    tmp_path_factory: object, proposed: Prescription, running: Prescription, status: OpioidStatus
) -> None:
    profile = DosingProfile(opioid_status=status, psychosis_history=False)
    r = rig(filled=False)
    r.pump.program(running)
    r.programmer.profile = profile
    pump_status = r.programmer.interrogate()
    via_programmer = r.programmer.check(proposed, pump_status)
    via_core = check(proposed, running, history=History(now=pump_status.time), profile=profile)
    assert _findings(via_programmer) == _findings(via_core)

    folder = Path(str(tmp_path_factory.mktemp("paths")))  # type: ignore[attr-defined]
    new, old = folder / "new.yaml", folder / "old.yaml"
    new.write_text(yaml.safe_dump(to_jsonable(prescription_to_dict(proposed))), "utf-8")
    old.write_text(yaml.safe_dump(to_jsonable(prescription_to_dict(running))), "utf-8")
    result = runner.invoke(
        cli_app,
        [
            "program",
            "check",
            str(new),
            "--current",
            str(old),
            "--json",
            "--opioid-status",
            status.value,
            "--no-psychosis-history",
        ],
    )
    data = json.loads(result.stdout)
    via_core_untimed = check(proposed, running, profile=profile)
    assert data["verdict"] == _verdict(via_core_untimed)
    cli = sorted((f["rule"], f["severity"], f["drug"], f["message"]) for f in data["findings"])
    assert cli == _findings(via_core_untimed)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    dose_mcg=st.integers(10, 30000), drug=st.sampled_from(["morphine", "baclofen", "ziconotide"])
)
def test_trial_evaluate_refuses_exactly_what_the_policy_refuses(
    tmp_path_factory: object, dose_mcg: int, drug: str
) -> None:
    dose = Mass.parse(f"{dose_mcg} mcg")
    report = check_trial_doses(TrialDoseRequest.of([(drug, dose, Duration.parse("0 h"))]))
    record = {
        "baseline": {"nrs": 8},
        "drug": drug,
        "injections": [{"dose": f"{dose_mcg} mcg", "at": "0 h"}],
        "scores": [{"at": "2 h", "nrs": 3}, {"at": "8 h", "nrs": 3}],
    }
    path = Path(str(tmp_path_factory.mktemp("trial"))) / "t.yaml"  # type: ignore[attr-defined]
    path.write_text(yaml.safe_dump(record), "utf-8")
    result = runner.invoke(cli_app, ["trial", "evaluate", str(path), "--json"])
    assert (result.exit_code == 1) == report.refused, result.stdout


@settings(max_examples=25, deadline=None)
@given(dose_mcg=st.integers(5, 3000), hours=st.integers(1, 24))
def test_screening_start_refuses_exactly_what_the_trial_dose_policy_refuses(
    dose_mcg: int, hours: int
) -> None:
    dose, lasted = Mass.parse(f"{dose_mcg} mcg"), Duration.parse(f"{hours} h")
    report = check_trial_doses(TrialDoseRequest.of([("baclofen", dose, Duration.parse("0 h"))]))
    checked = check_screening_start("baclofen", dose, lasted)
    assert (checked.proposal is None) == report.refused == (dose_mcg > 100)
    args = ["--effective-dose", f"{dose_mcg} mcg", "--effect-duration", f"{hours} h", "--json"]
    result = runner.invoke(cli_app, ["program", "screening-start", *args])
    assert (result.exit_code == 1) == report.refused, result.stdout
    if checked.proposal is not None:  # what it proposes is what the CLI prints
        printed = json.loads(result.stdout)["daily_dose"]
        assert DoseRate.parse(f"{printed['value']} {printed['unit']}") == (
            checked.proposal.daily_dose
        )

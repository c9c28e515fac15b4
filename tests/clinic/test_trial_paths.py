"""One trial check on every path: ``trial evaluate``, the clinic use case (API and web call
it) and ``core.safety.check_trial`` give the same outcome and reasons for the same record."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from intrathecal.cli import app as cli_app
from intrathecal.clinic.commands import RecordTrial
from intrathecal.clinic.errors import SafetyRefused
from intrathecal.clinic.pathway import record_evaluation, record_trial
from intrathecal.clinic.records import Actor, UserRecord
from intrathecal.clinic.reference import sync_locations
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.core.safety import check_trial
from intrathecal.core.trial_config import load_trial_config
from intrathecal.core.trial_record import trial_record_from_dict
from tests.clinic.builders import TODAY, evaluation, register
from tests.clinic.conftest import Staff
from tests.support.memory import InMemoryUnitOfWork

runner = CliRunner()
CONFIG = load_trial_config()
grade = st.integers(0, 4)


@st.composite
def baclofen_screenings(draw: st.DrawFn) -> dict[str, Any]:
    """One to three boluses 24 h apart, spasticity graded or not, any pain scores."""
    doses = draw(st.integers(1, 3))
    spacing = draw(st.sampled_from([24, 24, 2]))
    data: dict[str, Any] = {
        "drug": "baclofen",
        "started_at": f"{TODAY - timedelta(days=5)}T08:00:00+00:00",
        "baseline": {"nrs": draw(st.integers(0, 10))},
        "injections": [
            {"dose": f"{50 + 25 * i} mcg", "at": f"{spacing * i} h"} for i in range(doses)
        ],
        "scores": [{"at": "3 h", "nrs": draw(st.integers(0, 10))}],
    }
    if draw(st.booleans()):
        hours = sorted(draw(st.sets(st.integers(1, spacing * doses + 8), min_size=1, max_size=8)))
        data["spasticity"] = {
            "scale": draw(st.sampled_from(["ashworth", "modified_ashworth"])),
            "before": [draw(grade) for _ in range(doses)],
            "after": [{"at": f"{h} h", "grade": draw(grade)} for h in hours],
        }
    return data


def _clinic(data: dict[str, Any]) -> tuple[str, list[str]] | str:
    """The clinic use case's outcome on a fresh in-memory clinic (``"refused"`` if refused)."""
    uow: UnitOfWork = InMemoryUnitOfWork()
    sync_locations(uow)
    staff = _staff(uow)
    patient = register(uow, staff)
    assert patient.id is not None
    record_evaluation(uow, evaluation(patient.id), staff.physician)
    record = trial_record_from_dict(data, CONFIG.side_effects)
    try:
        result = record_trial(uow, RecordTrial(patient.id, record), staff.physician)
    except SafetyRefused:
        return "refused"
    return result.trial.outcome, list(result.evaluation.reasons)


def _staff(uow: UnitOfWork) -> Staff:
    with uow:
        users = {
            name: uow.users.add(UserRecord(None, name, "x", role, datetime.now(UTC)))
            for name, role in (("dr.ada", "physician"), ("nurse.cy", "nurse"))
        }
        uow.commit()
    doc = Actor(users["dr.ada"].id, "dr.ada", "physician", "10.0.0.1")
    nurse = Actor(users["nurse.cy"].id, "nurse.cy", "nurse", "10.0.0.1")
    return Staff(doc, doc, nurse, nurse, doc)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=baclofen_screenings())
def test_cli_clinic_and_core_agree_on_every_baclofen_screening(
    tmp_path: Path, data: dict[str, Any]
) -> None:
    record = trial_record_from_dict(data, CONFIG.side_effects)
    core = check_trial(record)
    path = tmp_path / "trial.yaml"
    path.write_text(yaml.safe_dump(data), "utf-8")
    cli = runner.invoke(cli_app, ["trial", "evaluate", str(path), "--json"])
    clinic = _clinic(data)
    if core.evaluation is None:
        assert cli.exit_code == 1
        assert clinic == "refused"
        return
    assert cli.exit_code == 0, cli.stdout
    shown = json.loads(cli.stdout)["evaluation"]
    assert shown["outcome"] == core.evaluation.outcome.value
    assert clinic == (core.evaluation.outcome.value, list(core.evaluation.reasons))
    assert shown["reasons"] == list(core.evaluation.reasons)
    if "spasticity" not in data:
        assert core.evaluation.outcome.value == "inconclusive"
        assert "spasticity scores are required" in core.evaluation.reasons[0]


def test_a_baclofen_screening_with_spasticity_is_stored_and_read_back(
    uow: UnitOfWork, staff: Staff
) -> None:
    """Memory, SQLite and PostgreSQL keep the grades; the outcome is the spasticity one."""
    patient = register(uow, staff)
    assert patient.id is not None
    record_evaluation(uow, evaluation(patient.id), staff.physician)
    data = {
        "drug": "baclofen",
        "started_at": f"{TODAY - timedelta(days=5)}T08:00:00+00:00",
        "baseline": {"nrs": 0},
        "injections": [{"dose": "50 mcg", "at": "0 h"}],
        "spasticity": {
            "scale": "modified_ashworth",
            "before": [3],
            "after": [
                {"at": "2 h", "grade": 1},
                {"at": "6 h", "grade": "1"},
                {"at": "7 h", "grade": "1+"},
            ],
        },
    }
    record = trial_record_from_dict(data, CONFIG.side_effects)
    result = record_trial(uow, RecordTrial(patient.id, record), staff.physician)
    assert result.trial.outcome == "success"
    with uow:
        stored = uow.trials.for_patient(patient.id)[0]
    assert stored.record.spasticity == record.spasticity
    assert stored.record == replace(record, started_at=stored.record.started_at)


def test_a_baclofen_screening_without_grades_is_stored_as_inconclusive(
    uow: UnitOfWork, staff: Staff
) -> None:
    patient = register(uow, staff)
    assert patient.id is not None
    record_evaluation(uow, evaluation(patient.id), staff.physician)
    data = {
        "drug": "baclofen",
        "baseline": {"nrs": 8},
        "injections": [{"dose": "50 mcg", "at": "0 h"}],
        "scores": [{"at": "2 h", "nrs": 1}, {"at": "8 h", "nrs": 1}],
    }
    result = record_trial(
        uow,
        RecordTrial(patient.id, trial_record_from_dict(data, CONFIG.side_effects)),
        staff.physician,
    )
    assert result.trial.outcome == "inconclusive"
    assert "spasticity scores are required" in result.trial.outcome_reasons[0]
    assert result.trial.referral_to is None


def test_screening_boluses_two_hours_apart_are_refused(uow: UnitOfWork, staff: Staff) -> None:
    patient = register(uow, staff)
    assert patient.id is not None
    record_evaluation(uow, evaluation(patient.id), staff.physician)
    data = {
        "drug": "baclofen",
        "baseline": {"nrs": 8},
        "injections": [{"dose": "50 mcg", "at": "0 h"}, {"dose": "75 mcg", "at": "2 h"}],
    }
    with pytest.raises(SafetyRefused, match="screening_spacing"):
        record_trial(
            uow,
            RecordTrial(patient.id, trial_record_from_dict(data, CONFIG.side_effects)),
            staff.physician,
        )

"""``intrathecal schedule refills`` on a demo clinic database: a valid proposal, clear errors."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from intrathecal.bootstrap import Services, load_settings
from intrathecal.cli import app
from intrathecal.clinic.demo import load_demo
from intrathecal.clinic.reference import sync_locations
from intrathecal.storage.migrate import upgrade
from tests.cli.refusals import refusals

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('schedule') / 'clinic.db'}"
    upgrade(url)
    services = Services.build(load_settings(database_url=url))
    try:
        sync_locations(services.uow_factory())
        load_demo(services.uow_factory, services.auth)
    finally:
        services.close()
    return url


def test_proposal_books_every_due_pump_within_capacity(demo_db: str) -> None:
    result = runner.invoke(
        app,
        ["schedule", "refills", "--as", "nurse.demo", "--json", "--database-url", demo_db],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    summary = data["summary"]
    assert summary["pumps_due"] >= 1
    assert summary["solver"]["overbooked_minutes"] == 0
    booked = {v["patient_id"] for v in data["visits"]}
    assert len(booked) == summary["pumps_due"]
    for visit in data["visits"]:
        day = date.fromisoformat(visit["date"])
        assert day.weekday() < 5
        late = visit["patient_id"] in summary["solver"]["late_patients"]
        if not late:  # each visit keeps its own deadline (later ones: what the last bought)
            assert day <= date.fromisoformat(visit["refill_due"])
    for patient in booked:
        dues = [v["refill_due"] for v in data["visits"] if v["patient_id"] == patient]
        assert dues == sorted(set(dues))  # a later visit is never shown the first's due date


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as", "scheduler.demo"], "may not perform refill.plan"),
        (["--as", "nobody"], "no active user"),
        (["--as", "nurse.demo", "--start", "2020-01-01"], "in the past"),
        (["--as", "nurse.demo", "--start", "tomorrow"], "expected a date"),
    ],
)
def test_bad_requests_are_one_line_exit_2(demo_db: str, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["schedule", "refills", *args, "--database-url", demo_db])
    assert result.exit_code == 2
    assert message in result.output


def test_refusals_are_audited_with_who_tried_and_why(demo_db: str) -> None:
    before = len(refusals(demo_db))
    for who, start in (("scheduler.demo", None), ("nobody", None), ("nurse.demo", "2020-01-01")):
        extra = [] if start is None else ["--start", start]
        args = ["schedule", "refills", "--as", who, *extra, "--database-url", demo_db]
        assert runner.invoke(app, args).exit_code == 2
    allowed = ["schedule", "refills", "--as", "nurse.demo", "--database-url", demo_db]
    assert runner.invoke(app, allowed).exit_code == 0
    assert refusals(demo_db)[before:] == [
        ("scheduler.demo", "access.denied", 403, "schedule refills", None),
        ("anonymous", "access.denied", 401, "schedule refills", None),
        ("nurse.demo", "request.refused", 422, "schedule refills", None),
    ]


def test_a_refusal_stands_when_it_cannot_be_audited(
    demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("the audit table is locked")

    monkeypatch.setattr("intrathecal.cli.acting.record_refusal", broken)
    args = ["schedule", "refills", "--as", "scheduler.demo", "--database-url", demo_db]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "may not perform refill.plan" in result.output
    assert "could not be audited: the audit table is locked" in result.output


def test_a_missing_database_is_not_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nope.db'}"
    result = runner.invoke(app, ["schedule", "refills", "--as", "x", "--database-url", url])
    assert result.exit_code == 2
    assert not (tmp_path / "nope.db").exists()


def test_start_in_the_future_is_accepted(demo_db: str) -> None:
    start = (date.today() + timedelta(days=3)).isoformat()
    result = runner.invoke(
        app,
        [
            "schedule",
            "refills",
            "--as",
            "dr.demo",
            "--start",
            start,
            "--weeks",
            "2",
            "--database-url",
            demo_db,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "nothing was booked" in result.output

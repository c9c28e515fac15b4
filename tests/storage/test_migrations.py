"""Alembic migrations: ``upgrade head`` builds exactly the schema the code declares."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from intrathecal.storage.db import make_engine
from intrathecal.storage.migrate import current, downgrade, upgrade
from intrathecal.storage.tables import metadata


def test_upgrade_head_creates_every_table_and_matches_the_metadata(empty_url: str) -> None:
    assert current(empty_url) is None
    upgrade(empty_url)
    assert current(empty_url) == "0007"
    engine = make_engine(empty_url)
    try:
        with engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
            assert set(metadata.tables) <= names
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_downgrade_to_base_removes_the_schema(empty_url: str) -> None:
    upgrade(empty_url)
    downgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


def test_0002_gives_existing_adverse_events_version_1_and_downgrades_cleanly(
    empty_url: str,
) -> None:
    upgrade(empty_url, "0001")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO patients (mrn, given_name, family_name, birth_date, sex, phone,"
                    " email, created_at, version) VALUES ('M-1', 'A', 'B', '1950-01-01', 'male',"
                    " '', '', '2026-01-01 00:00:00', 1)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO adverse_events (patient_id, category, severity, onset,"
                    " description, actions, outcome, recorded_at) VALUES (1, 'csf_leak',"
                    " 'mild', '2026-01-02', 'headache', '', 'ongoing', '2026-01-02 00:00:00')"
                )
            )
        upgrade(empty_url)
        with engine.connect() as conn:
            row = conn.execute(text("SELECT version, resolved_on FROM adverse_events")).one()
        assert tuple(row) == (1, None)
        downgrade(empty_url, "0001")
        with engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("adverse_events")}
        assert "version" not in columns
        assert "resolved_on" not in columns
        assert current(empty_url) == "0001"
    finally:
        engine.dispose()

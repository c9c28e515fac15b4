"""On CI a missing PostgreSQL fails the database tests instead of skipping them."""

from __future__ import annotations

import pytest

from tests.storage.dbs import require_postgres

NOWHERE = "postgresql+psycopg://postgres@127.0.0.1:1/test"


def test_missing_postgres_fails_on_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        require_postgres(NOWHERE)


def test_missing_postgres_skips_on_a_developer_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        require_postgres(NOWHERE)
